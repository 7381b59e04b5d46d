"""Lists of the shared vector files, for parametrised tests."""

from pathlib import Path

VECTORS = Path(__file__).resolve().parents[1].parent / "shared" / "vectors"


def files(pattern: str) -> list[Path]:
    return sorted(VECTORS.glob(pattern))


def ids(paths) -> list[str]:
    return [str(p.relative_to(VECTORS)) for p in paths]


DWR_CPER = files("DecodeWheaRecord/cper_*.bin")
DWR_WHLG = files("DecodeWheaRecord/whlg_*.bin")
LIBCPER_FULL = [p for p in files("libcper-examples/*.cper") + files("libcper-generated/*/*.cper")
                if "single-section" not in p.parts]
LIBCPER_SINGLE = files("libcper-generated/single-section/*.cper")
MALFORMED = files("malformed/*.cper")


def load_golden_tool():
    """tools/golden.py as a module: its list of vectors and the output it pins for each."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "golden_tool", Path(__file__).resolve().parents[1] / "tools" / "golden.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def in_status_block(single_section: bytes) -> bytes:
    """A libcper single section (descriptor + body) as an ACPI Generic Error Status Block
    holding one 72-byte data entry with that body (decoded through the nested-section path)."""
    from whea_gui.compose.status_block import data_entry, status_block
    from whea_gui.formats.cper import DESCRIPTOR

    d = DESCRIPTOR.unpack(single_section)
    body = single_section[d["section_offset"]:d["section_offset"] + d["section_length"]]
    entry = data_entry(d["section_type"], body, severity=d["severity"], revision=0x0300)
    return status_block([entry], severity=d["severity"], block_status=1 | 1 << 4)
