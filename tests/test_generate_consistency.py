"""Generated records agree with themselves (audit F2-F4 generator notes): tests and users trust
``whea generate`` output, so a record must not say two things at once."""

from __future__ import annotations

import datetime as dt

from whea_gui.compose.generate import FILETIME_EPOCH, generate_timeline
from whea_gui.decode import decode_record

XPF = "8a1e1d01-42f9-4557-9c33-565e5cc3f7e8"


def _sections(g, guid=None):
    rec = decode_record(g.data)
    assert not [f for f in rec.findings if f.code in ("internal", "decoder-failed")]
    return rec, [s for s in rec.sections if guid is None or s.type_guid == guid]


def test_amd_mca_ipid_names_the_umc_hardware_id():
    seen = 0
    for g in generate_timeline(["xpf-mca"], 40, 4):
        rec, secs = _sections(g, XPF)
        for s in secs:
            if s.fields.get("cpu_vendor") != 2:
                continue
            ipid = s.fields["amd_extended_registers"]["ipid"]
            assert ipid >> 32 & 0xFFF == 0x096, hex(ipid)  # HardwareID, bits 43:32
            assert ipid >> 48 == 0  # McaType 0: UMC
            assert ipid >> 32 & 0xFFF != 0x600  # the old value, UMC shifted a nibble
            assert s.fields["diagnosis"]["bank_type"] == "umc"
            seen += 1
    assert seen >= 5


def test_xpf_mca_timestamp_is_the_record_time():
    seen = 0
    for g in generate_timeline(["xpf-mca", "processor-generic"], 30, 6):
        rec, secs = _sections(g, XPF)
        for s in secs:
            when = FILETIME_EPOCH + dt.timedelta(microseconds=s.fields["timestamp"] // 10)
            assert when == g.time, (when, g.time)
            assert s.fields["timestamp_utc"].startswith(g.time.strftime("%Y-%m-%dT%H:%M:%S"))
            assert not [f for f in rec.findings if "timestamp" in f.message.lower()]
            seen += 1
    assert seen >= 15


def test_correctable_error_summaries_never_make_a_fatal_record():
    sevs = set()
    for g in generate_timeline(["pcie-summary", "memory-summary"], 300, 15):
        rec, secs = _sections(g)
        assert g.severity == 2, g.severity
        assert rec.header["severity"] == 2 and secs[0].values["severity"] == 2
        sevs.add(g.severity)
    # other kinds still draw uncorrected records from the same seed (the summaries' rule is theirs)
    other = {g.severity for g in generate_timeline(["pcie"], 300, 15)}
    assert sevs == {2} and other - {2}


def test_memory_extension_names_the_primary_sections_address_and_dimm():
    checked = 0
    for seed, kinds in ((5, ["memory"]), (11, ["memory-ext-amd"]), (12, ["memory-ext-intel"])):
        for g in generate_timeline(kinds, 40, seed, repeat=seed == 5):
            rec, secs = _sections(g)
            if len(secs) < 2:
                continue
            primary, ext = secs[0].location, secs[1].location
            assert ext["physical_address"] == primary["physical_address"]
            assert ext["socket"] == primary["node"] and ext["channel"] == primary["card"]
            if "dimm_slot" in ext:
                assert ext["dimm_slot"] == primary["module"]
            assert ext["row"] == primary["row"] and ext["column"] == primary["column"]
            checked += 1
    assert checked >= 20


def test_cxl_media_events_agree_with_the_record_severity():
    seen = set()
    for g in generate_timeline(["cxl-media", "cxl-dram"], 60, 2):
        rec, secs = _sections(g)
        ev = secs[0].fields["event_log"]["event_specific"]
        uncorrected = g.severity in (0, 1)
        assert ev["descriptor"]["uncorrectable_event"] is uncorrected
        assert ev["channel"] is not None and ev["rank"] is not None
        if secs[0].type_guid.startswith("601dcbb3"):
            assert None not in (ev["bank_group"], ev["bank"], ev["row"], ev["column"])
        seen.add(uncorrected)
    assert seen == {True, False}


def test_the_bundled_sample_is_what_the_generator_makes_today(tmp_path):
    """The sample the app opens first is the generator's current output (python -m
    whea_gui.sample): a generator fix reaches what a new user sees first."""
    from whea_gui.paths import SAMPLE_RAW_NAME, sample_data_dir
    from whea_gui.sample import build_sample
    build_sample(tmp_path)
    bundled = (sample_data_dir() / SAMPLE_RAW_NAME).read_bytes()
    assert (tmp_path / SAMPLE_RAW_NAME).read_bytes() == bundled
