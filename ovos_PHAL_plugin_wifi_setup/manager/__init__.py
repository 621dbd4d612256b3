"""The manager: the round's policy (core.py, no bus), its parts, and the PHAL adapter that puts it on the bus."""
