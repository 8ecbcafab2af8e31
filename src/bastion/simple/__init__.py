"""The read APIs installers use: the simple API (PEP 503/691) and PyPI's JSON API."""
