"""Per section type: records/s for the located decode of memory/PCI/DMAr/CCIX/CXL/vendor sections.

Run: python benchmarks/bench_sections_uefi_b.py [--repeat N]
Columns: decode_record (tree + fields + findings), the same plus a full tree walk (every lazy bit node
made, as the field tree does when expanded), and libcper's ``cper.parse`` when installed. Figures
only; the machine is shared and noisy, so compare within one run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GENERATED = Path(__file__).resolve().parents[1].parent / "shared" / "vectors" / "libcper-generated"
TYPES = ("memory", "memory2", "pcie", "pcibus", "pcidev", "dmargeneric", "dmarvtd", "dmariommu",
         "ccixper", "cxlprotocol", "cxlcomponent-media", "ampere", "nvidia")


def rate(fn, items, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn(items)
        best = min(best, time.perf_counter() - t)
    return len(items) / best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--copies", type=int, default=20, help="copies of each type's 21 records")
    args = ap.parse_args()
    from whea_gui.decode.record import decode_record
    try:
        import cper  # libcper's Python binding
    except ImportError:
        cper = None

    def located(items):
        for b in items:
            decode_record(b)

    def walked(items):
        for b in items:
            for _node in decode_record(b).root.walk():
                pass

    def libcper(items):
        for b in items:
            cper.parse(b)

    print(f"{'type':20} {'decode/s':>10} {'+walk/s':>10} {'libcper/s':>10} {'nodes':>6}")
    for t in TYPES:
        recs = [p.read_bytes() for p in sorted((GENERATED / t).glob("*.cper"))] * args.copies
        nodes = sum(1 for _ in decode_record(recs[0]).sections[0].body.walk())
        lib = f"{rate(libcper, recs, args.repeat):10.0f}" if cper else f"{'-':>10}"
        print(f"{t:20} {rate(located, recs, args.repeat):10.0f} {rate(walked, recs, args.repeat):10.0f} "
              f"{lib} {nodes:6}")


if __name__ == "__main__":
    main()
