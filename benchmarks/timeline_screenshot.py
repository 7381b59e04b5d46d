"""Render the TimelinePanel on a synthetic month (a storm, a DIMM crossing its threshold) to PNG.

Run: QT_QPA_PLATFORM=offscreen python benchmarks/timeline_screenshot.py [out.png] [--tab N]
Default output: docs/screenshots/timeline.png.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="?", default=str(ROOT / "docs" / "screenshots" / "timeline.png"))
    ap.add_argument("--records", type=int, default=8000)
    ap.add_argument("--tab", type=int, default=0, help="0 thresholds, 1 storms, 2 top locations")
    ap.add_argument("--log", action="store_true")
    args = ap.parse_args()

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from whea_gui.index.synthetic import synthetic_fleet
    from whea_gui.ui.timeline import TimelinePanel

    panel = TimelinePanel(synthetic_fleet(args.records))
    panel.resize(1500, 860)
    panel.show()
    panel.tabs.setCurrentIndex(args.tab)
    panel.set_log(args.log)
    app.processEvents()
    panel.rebin()
    app.processEvents()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    panel.grab().save(args.out)
    print(f"{args.out}: {Path(args.out).stat().st_size // 1024} KB")
    panel.close()


if __name__ == "__main__":
    main()
