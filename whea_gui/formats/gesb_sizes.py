"""Sizes of the ACPI Generic Error Status Block header and of its Generic Error Data Entries
(revision 1–2 and revision 3, which adds the timestamp), in a module light enough for the
readers to judge an input by without importing the block's layouts (``gesb``)."""

HEADER_SIZE = 20
ENTRY_V1_SIZE, ENTRY_V3_SIZE = 64, 72
