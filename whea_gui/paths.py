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
