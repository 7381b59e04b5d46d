"""WHEA Inspector: decode, inspect and report Windows WHEA / UEFI CPER error records."""

__version__ = "0.1.0"
