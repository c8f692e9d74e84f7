"""camscan: find CCTV hardware on a network and say who really made it."""

__version__ = "0.1.0"
