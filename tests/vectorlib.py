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
    import struct

    offset, length = struct.unpack_from("<II", single_section, 0)
    section_type = single_section[16:32]
    severity = struct.unpack_from("<I", single_section, 48)[0]
    body = single_section[offset:offset + length]
    entry = (section_type + struct.pack("<IHBBI", severity, 0x0300, 0, 0, len(body))
             + bytes(16 + 20 + 8))
    block = struct.pack("<IIIII", 1 | 1 << 4, 0, 0, len(entry) + len(body), severity)
    return block + entry + body
