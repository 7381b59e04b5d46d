"""Section-body packers for the generator and the record builder, one module per family.

Each packer makes a valid body from a ``random.Random`` (realistic values, reproducible by
seed), the section severity, and overrides by field name (e.g. a fixed DIMM location).
``catalog`` lists every kind with its GUID, default severity and notification type.
"""
