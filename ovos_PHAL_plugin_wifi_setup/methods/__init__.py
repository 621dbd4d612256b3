"""The ways online: the client kit every network client composes, and the built-in methods, each a client like any
other (the kit and the bus, never the manager)."""
