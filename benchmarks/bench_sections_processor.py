"""Processor / firmware section decode speed: per section family, ours vs libcper.

Run: python benchmarks/bench_sections_processor.py [--repeat N]
For each family (libcper-generated/<dir>/*.cper, one section each) prints records/s for the
header+descriptor decode, the full decode (body included), the body's own cost per record,
the cost of walking every lazy bit child (what the tree view pays on "expand all"), and
libcper's whole-record parse. The machine is shared and noisy: compare within one run.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import best  # noqa: E402

VECTORS = Path(__file__).resolve().parents[1].parent / "shared" / "vectors"
FAMILIES = ["generic", "ia32x64", "arm", "arm-ras", "firmware"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--copies", type=int, default=20, help="corpus copies per timing")
    args = ap.parse_args()
    from whea_gui.core.sections import known_section_types
    from whea_gui.decode.record import decode_record

    known_section_types()  # import the section plug-ins before timing
    try:
        import cper
    except ImportError:
        cper = None
        print("cper (libcper binding) not installed: libcper column left out")
    print(f"{'family':10s} {'headers':>12s} {'full':>12s} {'body µs':>9s} {'walk all µs':>12s}"
          f" {'libcper':>12s}   (records/s unless µs)")
    for fam in FAMILIES:
        recs = [p.read_bytes() for p in sorted((VECTORS / "libcper-generated" / fam).glob("*.cper"))]
        recs *= args.copies
        n = len(recs)
        t_head = best(lambda recs=recs: [decode_record(b, bodies=False) for b in recs],
                      args.repeat)
        t_full = best(lambda recs=recs: [decode_record(b) for b in recs], args.repeat)

        def walk_all(recs=recs):
            for b in recs:
                for node in decode_record(b).root.walk():
                    node.display  # noqa: B018  (what a tree view pays: text of every node)
        t_walk = best(walk_all, args.repeat)
        lib = "-"
        if cper is not None:
            saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)  # libcper logs to the C stderr
            try:
                t_lib = best(lambda recs=recs: [cper.parse(b) for b in recs], args.repeat)
            finally:
                os.dup2(saved, 2)
                os.close(devnull)
                os.close(saved)
            lib = f"{n / t_lib:12,.0f}"
        print(f"{fam:10s} {n / t_head:12,.0f} {n / t_full:12,.0f} "
              f"{(t_full - t_head) / n * 1e6:9.1f} {(t_walk - t_head) / n * 1e6:12.1f} {lib:>12s}")


if __name__ == "__main__":
    main()
