"""Re-make the window pictures in docs/screenshots (and optional size/theme variants to look at).

Run from the checkout: QT_QPA_PLATFORM=offscreen python tools/gui_screenshots.py [--out DIR] [--variants]

Each picture is one `whea-gui --screenshot` run in a throw-away settings folder (the real
window layout and recent files are never touched), with input paths relative to the checkout
so no machine path appears in a picture. `--variants` also renders the main view at 1024x700
and 1600x1000 in the light and dark themes (not committed; for looking at).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = "resources/sample/sample.wheastore"
DOCS = [  # (file, arguments)
    ("gui-main.png", [SAMPLE, "--record", "3", "--select",
                      "section_0.status.corrected_error_count", "--size", "1300x850"]),
    ("gui-findings.png", ["../shared/vectors/malformed/m25-multi-overlapping-sections.cper",
                          "--select", "section_1", "--size", "1300x850"]),
    ("gui-timeline.png", [SAMPLE, "--raise", "timeline", "--size", "1300x950"]),
    ("gui-dark.png", [SAMPLE, "--record", "3", "--select", "section_0.status.corrected_error_count",
                      "--size", "1300x850", "--theme", "dark"]),
]


def shoot(out: Path, args: list[str]) -> None:
    with tempfile.TemporaryDirectory() as settings:
        env = dict(os.environ, WHEA_GUI_SETTINGS_DIR=settings, PYTHONPATH=str(ROOT))
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        run = subprocess.run([sys.executable, "-m", "whea_gui.ui.app", *args, "--screenshot",
                              str(out)], cwd=ROOT, env=env, capture_output=True, text=True)
    status = "ok" if run.returncode == 0 else f"exit {run.returncode}: {run.stderr.strip()}"
    print(f"{out}: {status}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    ap.add_argument("--variants", action="store_true")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, shot_args in DOCS:
        shoot(out / name, shot_args)
    if args.variants:
        for size in ("1024x700", "1600x1000"):
            for theme in ("light", "dark"):
                shoot(out / f"variant-{size}-{theme}.png",
                      [SAMPLE, "--select", "header.flags", "--size", size, "--theme", theme])
                shoot(out / f"variant-{size}-{theme}-timeline.png",
                      [SAMPLE, "--raise", "timeline", "--size", size, "--theme", theme])


if __name__ == "__main__":
    main()
