"""Section-body decoders: one module per section family, each registering by GUID.

Every module here is imported on first use by ``whea_gui.core.sections``.
"""
