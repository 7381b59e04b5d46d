"""Time and peak RSS of `whea decode`, `whea store list/stats/write` on big sparse QEMU ERST
backing files (one record at the end; and one whose header QEMU refuses), 64 MiB and 1 GiB.

    PYTHONPATH=$PWD python benchmarks/bench_erst_huge.py [--sizes 64,1024]

Each command runs in its own process; RSS is that process's peak (getrusage of children)."""

from __future__ import annotations

import argparse
import os
import resource
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT.parent / "shared" / "vectors" / "DecodeWheaRecord" / "cper_cmci_intel_xpfmca_v4_memext.bin"


def make(path: Path, size: int, record: bytes, bad: bool = False, slot: int = 8192) -> None:
    sys.path.insert(0, str(ROOT))
    from whea_gui.store.erst import format_header
    head = bytearray(format_header(size, slot))
    if bad:
        head[16:18] = b"\x00\x02"
    with open(path, "wb") as fh:
        fh.write(head)
        fh.truncate(size)
        last = size // slot - 1
        fh.seek(last * slot)
        fh.write(record + b"\xff" * (slot - len(record)))
        fh.seek(24 + 8 * last)
        fh.write(struct.pack("<Q", struct.unpack_from("<Q", record, 96)[0]))
        fh.seek(20)
        fh.write(struct.pack("<I", 1))


def run(argv: list[str]) -> tuple[float, float, int]:
    """(seconds, peak RSS MiB, exit code) of one `whea` command in a fresh process."""
    script = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
              "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
              "stderr=subprocess.DEVNULL).returncode; "
              "print(time.perf_counter() - t, "
              "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, rc)")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", script, sys.executable, "-m", "whea_gui.cli",
                          *argv], capture_output=True, text=True, env=env, check=True).stdout
    secs, rss, rc = out.split()
    return float(secs), float(rss), int(rc)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="64,1024", help="file sizes in MiB")
    args = ap.parse_args()
    record = RECORD.read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        for mib in map(int, args.sizes.split(",")):
            good, bad = Path(tmp, "good.bin"), Path(tmp, "bad.bin")
            make(good, mib << 20, record)
            make(bad, mib << 20, record, bad=True)
            cases = [("decode", ["decode", str(good)]),
                     ("store list", ["store", "--store", f"erst:{good}", "list"]),
                     ("store stats", ["store", "--store", f"erst:{good}", "stats"]),
                     ("store write", ["store", "--store", f"erst:{good}", "write", str(RECORD)]),
                     ("decode, refused header", ["decode", str(bad)])]
            for label, argv in cases:
                secs, rss, rc = run(argv)
                print(f"{mib:>5} MiB  {label:<24} {secs:6.2f} s  {rss:7.1f} MiB RSS  exit {rc}")
            good.unlink()
            bad.unlink()


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
