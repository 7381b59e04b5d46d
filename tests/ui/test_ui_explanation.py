"""The explanation pane: every caveat is visible text (not only in a tooltip), and clicking a
cited part of the location selects that field in the tree."""

import re
from html import unescape

from conftest import VECTORS, load

MCE = VECTORS / "DecodeWheaRecord/cper_mce_fatal_amd_xpfmca_v3.bin"
MEMEXT = VECTORS / "DecodeWheaRecord/cper_cmci_intel_xpfmca_v4_memext.bin"


def _plain(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


def test_every_caveat_is_shown_in_the_pane(qtbot, window):
    from whea_gui.decode.explain import explain_record

    for path in (MCE, MEMEXT):
        load(qtbot, window, [path])
        rec = window.current_record
        caveats = explain_record(rec)["caveats"]
        assert len(caveats) >= 2
        text = _plain(window.summary.text())
        for c in caveats:
            assert c in text, c


def test_clicking_a_location_part_selects_its_field(qtbot, window):
    load(qtbot, window, [MCE])
    html = window.summary.text()
    hrefs = re.findall(r"href='field:([^']+)'", html)
    assert "section_2.apic_id" in hrefs
    window.summary.linkActivated.emit("field:section_2.apic_id")
    node = window.current_node()
    assert node is not None and node.path == "section_2.apic_id"
