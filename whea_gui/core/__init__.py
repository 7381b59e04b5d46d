"""The located core, at the bottom of the package: FieldNode, Finding and the record/section
model, the Layout/Field declarations, the GUID registry and the section-decoder registry.
It imports nothing else of ours; formats, decode, sources and the UI build on it."""
