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
