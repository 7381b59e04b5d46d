"""Throughput of the Microsoft section decoders, WhLg payloads and explanations.

Run from the repository root: ``python benchmarks/bench_ms_sections.py [seconds-per-case]``.
Prints records per second for real DecodeWheaRecord vectors and the evtx RawData entries, with
and without expanding every lazily built bit node (what a tree view that opens everything pays).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from whea_gui.decode.explain import explain_record  # noqa: E402
from whea_gui.decode.record import decode_record  # noqa: E402

VECTORS = Path(__file__).resolve().parents[1].parent / "shared" / "vectors" / "DecodeWheaRecord"
CASES = {
    "XPF MCA v2r1 (928 B)": "cper_cmc_amd_xpfmca_v2r1.bin",
    "XPF MCA v3 fatal + recovery (1019 B)": "cper_mce_fatal_amd_xpfmca_v3.bin",
    "XPF MCA v4 AMD (2063 B)": "cper_cmci_amd_zen4_xpfmca_v4.bin",
    "XPF MCA v4 Intel + mem ext (2157 B)": "cper_cmci_intel_xpfmca_v4_memext.bin",
    "WhLg WheaInit, 7 sources (7536 B)": "whlg_wheainit_2.bin",
    "WhLg ProcessHEST (133 B)": "whlg_process_hest.bin",
}


def rate(fn, seconds: float) -> float:
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        fn()
        n += 1
    return n / elapsed


def expand(rec) -> int:
    return sum(1 for _ in rec.root.walk())


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    print(f"{'case':42} {'decode/s':>10} {'+explain/s':>11} {'+expand/s':>10} {'nodes':>6}")
    for label, name in CASES.items():
        data = (VECTORS / name).read_bytes()
        nodes = expand(decode_record(data))
        d = rate(lambda data=data: decode_record(data), seconds)
        e = rate(lambda data=data: explain_record(decode_record(data)), seconds)
        x = rate(lambda data=data: expand(decode_record(data)), seconds)
        print(f"{label:42} {d:10.0f} {e:11.0f} {x:10.0f} {nodes:6d}")


if __name__ == "__main__":
    main()
