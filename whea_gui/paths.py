"""Where bundled resources are: a source checkout, an installed wheel, or a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    here = Path(__file__).resolve().parent
    candidates = [
        here.parent / "resources",  # source checkout / editable install
        here / "resources",  # installed wheel (package-dir mapping)
    ]
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.insert(0, Path(bundle) / "whea_gui" / "resources")
    for c in candidates:
        if (c / "icons").is_dir():
            return c
    return candidates[0]


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def sample_data_dir() -> Path:
    return resource("sample")


SAMPLE_STORE_NAME = "sample.wheastore"
SAMPLE_RAW_NAME = "sample-records.bin"


def sample_paths() -> list[str]:
    """The bundled sample: the record store (it keeps each record's host), else the raw file.
    A store looked at read-only is opened immutable, so the install folder stays untouched."""
    for name in (SAMPLE_STORE_NAME, SAMPLE_RAW_NAME):
        path = sample_data_dir() / name
        if path.is_file():
            return [str(path)]
    return []
