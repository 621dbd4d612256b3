"""The package version, read by setup.py."""
VERSION_MAJOR = 2
VERSION_MINOR = 1
VERSION_BUILD = 0
VERSION_ALPHA = 0

__version__ = f"{VERSION_MAJOR}.{VERSION_MINOR}.{VERSION_BUILD}" + (f"a{VERSION_ALPHA}" if VERSION_ALPHA else "")
