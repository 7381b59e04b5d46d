"""Parse speed of the hex-text parser on large dumps, against peers measured in the same run.

    python benchmarks/bench_hextext.py [--mb 50]

The input is about ``--mb`` MB of dump text of the shared DecodeWheaRecord records laid end to
end (their zero runs make ``hexdump -C`` collapse lines into '*'), in the layouts the real tools
write: ``hexdump -C``, ``xxd``, ``od -A x -t x1z``, ``xxd -p``. For each, ``scan_text`` is timed
and its bytes checked against the source. Peers, on the same bytes: ``xxd -r`` (reverses ``xxd``
and ``xxd -p`` output, in C), and Python's ``bytes.fromhex`` on the hex with whitespace removed
(the floor for any Python reader). Figures are MB of text per CPU second.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
VECTORS = ROOT.parent / "shared" / "vectors"

from whea_gui.sources.hextext import EXPAND_LIMIT, scan_text  # noqa: E402

TOOLS = {"hexdump -C": ["hexdump", "-C"], "xxd": ["xxd"], "od -A x -t x1z": ["od", "-A", "x", "-t", "x1z"],
         "xxd -p": ["xxd", "-p"]}


def source_bytes(mb: float) -> bytes:
    recs = [p.read_bytes() for p in sorted((VECTORS / "DecodeWheaRecord").glob("*.bin"))]
    one = b"".join(recs)
    # hexdump -C text is ~2.4 characters per byte of these records after '*' collapsing
    return one * max(1, int(mb * 1e6 / 2.4 / len(one)))


def _cpu() -> float:
    """CPU seconds of this process and its finished children: steadier than wall time on a
    shared machine, and fair to a peer run as a child process."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = _cpu()
        out = fn()
        best = min(best, _cpu() - t0)
    return max(best, 1e-6), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=50.0, help="approximate MB of hexdump -C text")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    data = source_bytes(args.mb)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "records.bin"
        src.write_bytes(data)
        print(f"source: {len(data) / 1e6:.1f} MB of record bytes; '*' budget {EXPAND_LIMIT >> 20} MiB "
              "per text (raised here so the whole dump expands)")
        for label, argv in TOOLS.items():
            text = subprocess.run(argv + [str(src)], capture_output=True, check=True).stdout.decode()
            mb = len(text) / 1e6
            dt, scan = timed(lambda text=text: scan_text(text, expand_limit=len(data)), args.repeat)
            got = b"".join(b.data for b in scan.blocks)
            ok = "ok" if got == data and len(scan.blocks) == 1 else f"MISMATCH ({len(got)} bytes)"
            print(f"{label:<16} {mb:8.1f} MB text  scan_text {mb / dt:8.1f} MB/s  {ok}")
            if label in ("xxd", "xxd -p"):
                path = Path(tmp) / "dump.txt"
                path.write_text(text)
                flags = ["-r", "-p"] if label == "xxd -p" else ["-r"]
                dt_x, out = timed(lambda f=flags, p=path: subprocess.run(
                    ["xxd", *f, str(p)], capture_output=True, check=True).stdout, args.repeat)
                same = "ok" if out == data else "MISMATCH"
                print(f"{'':<16} {'':>8}          xxd {' '.join(flags)} {mb / dt_x:8.1f} MB/s  {same}")
            if label == "xxd -p":
                dt_f, out = timed(lambda t=text: bytes.fromhex("".join(t.split())), args.repeat)
                print(f"{'':<16} {'':>8}          bytes.fromhex(stripped) {mb / dt_f:8.1f} MB/s  "
                      f"{'ok' if out == data else 'MISMATCH'}")


if __name__ == "__main__":
    main()
