"""Qt user interface of WHEA Inspector (the only package that imports Qt)."""
