"""Build small CPER records around crafted section bodies (test helper, not a test module)."""

from __future__ import annotations

from pathlib import Path

from whea_gui.compose.layout import (
    WINDOWS_SECTION_REVISION,
    SectionPart,
    assemble,
    make_descriptor,
    make_header,
)

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "vectors"
DWR = VECTORS / "DecodeWheaRecord"
MICROSOFT = "cf07c4bd-b789-4e18-b3c4-1f732cb57131"
CMC = "2dce8bb1-bdd7-450e-b9ad-9cf4ebd4f890"


def build_record(sections, *, severity: int = 2, flags: int = 0, creator: str = MICROSOFT,
                 notify: str = CMC) -> bytes:
    """``sections``: list of (type_guid, body) or (type_guid, body, severity, section_flags)."""
    parts = [SectionPart(make_descriptor(item[0], severity=item[2] if len(item) > 2 else severity,
                                         flags=item[3] if len(item) > 3 else 0,
                                         revision=WINDOWS_SECTION_REVISION), bytes(item[1]))
             for item in sections]
    header = make_header(creator=creator, notify=notify, severity=severity, record_id=1,
                         flags=flags, revision=0x0210)
    return assemble(header, parts)


def body_of(rec, index: int = 0) -> bytes:
    s = rec.sections[index]
    return rec.data[s.values["offset"]:s.values["offset"] + s.values["length"]]


def node_ranges_ok(node, lo: int, hi: int) -> bool:
    """Every node in the tree lies within [lo, hi) (zero-length nodes allowed at hi)."""
    for n in node.walk():
        if n.length and not (lo <= n.offset and n.offset + n.length <= hi):
            return False
    return True
