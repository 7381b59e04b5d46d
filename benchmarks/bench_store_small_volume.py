"""How many records fit a store on a 2 MB volume (an NVRAM-sized partition)?

Run as root to mount a 2 MB tmpfs (``python benchmarks/bench_store_small_volume.py``); elsewhere
pass ``--folder`` of a small file system you made. Writes 1,019-byte records (a real Windows
record with new RecordIds) until a write fails, and prints the count and the file sizes.

Measured (2026-12): 1,376 records (1,402,144 bytes) fit; before the WAL was truncated after each
write on small volumes, 17 did here (14 in the bug report): the WAL filled the volume.
"""

from __future__ import annotations

import argparse
import os
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
TEMPLATE = REPO.parent / "shared" / "vectors" / "DecodeWheaRecord" / "cper_mce_fatal_amd_xpfmca_v3.bin"


def fill(folder: Path, max_bytes: int | None) -> None:
    from whea_gui.store import Store

    template = bytearray(TEMPLATE.read_bytes())
    path = folder / "s.sqlite"
    with Store(path) as store:
        if max_bytes:
            store.set_capacity(max_bytes=max_bytes)
        for rid in range(1, 1_000_000):
            struct.pack_into("<Q", template, 96, rid)
            result = store.write_error_record(bytes(template))
            if not result.ok:
                break
        count, used = store.usage()
    sizes = {p.name: p.stat().st_size for p in folder.iterdir()}
    print(f"{count} records ({used} bytes) fit; stopped with {result.status_name}; files {sizes}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--folder", type=Path, help="a folder on a small file system")
    ap.add_argument("--max-bytes", type=int, help="also set a store capacity")
    args = ap.parse_args()
    if args.folder:
        fill(args.folder, args.max_bytes)
        return
    with tempfile.TemporaryDirectory() as tmp:
        mount = Path(tmp)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", tmp]).returncode:
            sys.exit("cannot mount a 2 MB tmpfs (needs root); pass --folder")
        try:
            fill(mount, args.max_bytes)
        finally:
            for p in mount.iterdir():
                os.unlink(p)
            subprocess.run(["umount", tmp])


if __name__ == "__main__":
    main()
