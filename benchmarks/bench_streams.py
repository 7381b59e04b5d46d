"""Amplification cases for inputs: time, peak memory and output size of ``whea decode --json``.

    python benchmarks/bench_streams.py [--only NAME] [--tree] [--keep DIR]

Each case is built in a temporary folder and decoded in a fresh child process that runs the
CLI in-process and reports its own wall time, peak RSS (``resource.getrusage``) and the bytes
it wrote. Cases:

  shared65535    65,535 identical descriptors pointing at one 208-byte PCIe body (4.7 MB)
  cper_ff_50mb   50 MB of "CPER" + FF FF FF FF repeated
  hdr1024_50mb   50 MB of plausible 1,024-section headers back to back (each one's first
                 descriptor is the next header's bytes)
  hdr1024_valid  50 MB of 1,024-section records whose first descriptor is valid, the rest zero
  sparse_1gb     a 1 GB sparse file (holes) with one record at the end
  sparse_head    a 1 GB sparse file with one record at the start (not a 1 GB record)
  pipe_200mb     200 MB of zeros and a record fed through a pipe (standard input)
  nested180      a status block nested 180 deep (``--json --tree``)
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VECTORS = ROOT.parent / "shared" / "vectors"
PCIE_GUID = "d995e954-bbc1-430f-ad91-b44dcb3c6f35"

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import run_decode  # noqa: E402


def header(count: int, length: int) -> bytes:
    return b"CPER" + struct.pack("<HIHIII", 0x0101, 0xFFFFFFFF, count, 2, 0, length)


def shared_descriptors(path: Path, count: int = 65535) -> None:
    sys.path.insert(0, str(ROOT))
    from whea_gui.compose.layout import DESCRIPTOR_SIZE, HEADER_SIZE, make_descriptor, make_header
    body = (VECTORS / "libcper-examples" / "pcie.cper").read_bytes()[200:408]
    hdr = bytearray(make_header())
    start = HEADER_SIZE + DESCRIPTOR_SIZE * count
    struct.pack_into("<IH", hdr, 6, 0xFFFFFFFF, count)
    struct.pack_into("<I", hdr, 20, start + len(body))
    path.write_bytes(bytes(hdr) + make_descriptor(PCIE_GUID, offset=start, length=len(body)) * count
                     + body)


def repeat_to(path: Path, unit: bytes, size: int) -> None:
    with open(path, "wb") as fh:
        block = unit * max(1, (1 << 20) // len(unit))
        written = 0
        while written < size:
            fh.write(block)
            written += len(block)


def hdr1024_valid(path: Path, size: int) -> None:
    length = 128 + 72 * 1024 + 64
    rec = bytearray(length)
    rec[:24] = header(1024, length)
    struct.pack_into("<II", rec, 128, length - 64, 64)  # descriptor 0 valid; the others zero
    repeat_to(path, bytes(rec), size)


def sparse(path: Path, size: int, *, at_start: bool = False) -> None:
    rec = (VECTORS / "DecodeWheaRecord" / "cper_memory_1sec_padded.bin").read_bytes()
    with open(path, "wb") as fh:
        fh.truncate(size)
        fh.seek(0 if at_start else size - len(rec))
        fh.write(rec)


def nested(path: Path, depth: int = 180) -> None:
    generic = uuid.UUID("e71254e8-c1b9-4940-ab76-909703a4320f").bytes_le
    memory = uuid.UUID("a5bc1114-6f64-4ede-b863-3e83ed7c83b1").bytes_le

    def block(guid: bytes, body: bytes) -> bytes:
        entry = guid + struct.pack("<IHBBI", 2, 0x201, 0, 0, len(body)) + bytes(36) + body
        return struct.pack("<5I", 2 | 1 << 4, 0, 0, len(entry), 2) + entry
    blk = block(memory, bytes(80))
    for _ in range(depth):
        blk = block(generic, blk)
    path.write_bytes(blk)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", action="append", help="run only these cases")
    ap.add_argument("--tree", action="store_true", help="also run each case with --tree")
    ap.add_argument("--keep", help="build the inputs in this folder and keep them")
    args = ap.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="whea-bench-streams-"))
    work.mkdir(parents=True, exist_ok=True)
    mb = 1 << 20
    cases = {
        "shared65535": (lambda p: shared_descriptors(p), [], None),
        "cper_ff_50mb": (lambda p: repeat_to(p, b"CPER\xff\xff\xff\xff", 50 * mb), [], None),
        "hdr1024_50mb": (lambda p: repeat_to(p, header(1024, 128 + 72 * 1024).ljust(128, b"\0"),
                                             50 * mb), [], None),
        "hdr1024_valid": (lambda p: hdr1024_valid(p, 50 * mb), [], None),
        "sparse_1gb": (lambda p: sparse(p, 1024 * mb), [], None),
        "sparse_head": (lambda p: sparse(p, 1024 * mb, at_start=True), [], None),
        "pipe_200mb": (lambda p: sparse(p, 200 * mb), [], "stdin"),
        "nested180": (lambda p: nested(p), ["--tree"], None),
    }
    print(f"{'case':15} {'input MB':>9} {'wall s':>8} {'peak RSS MB':>12} {'output MB':>10} "
          f"{'out/in':>7} exit")
    for name, (build, extra, mode) in cases.items():
        if args.only and name not in args.only:
            continue
        path = work / f"{name}.bin"
        if not path.exists():
            build(path)
        size = path.stat().st_size
        variants = [extra] + ([extra + ["--tree"]] if args.tree and "--tree" not in extra else [])
        for flags in variants:
            if mode == "stdin":
                r = run_decode(["--json", *flags, "-"], stdin_file=path)
            else:
                r = run_decode(["--json", *flags, str(path)])
            label = name + (" --tree" if "--tree" in flags and name != "nested180" else "")
            if "error" in r:
                print(f"{label:15} failed: {r['error']}")
                continue
            print(f"{label:15} {size / mb:9.1f} {r['wall_s']:8.2f} {r['peak_rss_mb']:12.0f} "
                  f"{r['out_bytes'] / mb:10.2f} {r['out_bytes'] / size:7.2f} {r['exit']}")
        if not args.keep:
            os.unlink(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
