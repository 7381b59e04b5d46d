"""Binary layouts (Qt-free): record header, descriptors, section bodies, GUID registry."""
