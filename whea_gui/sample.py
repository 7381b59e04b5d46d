"""The bundled sample data: a month of records from a small fleet, made by our own generator.

``python -m whea_gui.sample`` rebuilds ``resources/sample/`` (same seed, same records). The
store holds every main section type, background corrected errors, a 5-minute PCIe storm and one
DIMM that crosses the 10-per-24-hours corrected-error threshold.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from .compose.generate import generate_timeline
from .paths import SAMPLE_RAW_NAME, SAMPLE_STORE_NAME, sample_data_dir

SEED = 20251101
HOSTS = ("web-01", "web-02", "db-01", "batch-07")
SECTION_MIX = ("memory", "xpf-mca", "processor-generic", "ia32x64", "pcie", "firmware", "pci-bus",
               "pci-component", "memory2", "arm", "cxl-protocol", "dmar-vtd", "recovery-info",
               "generic-error", "memory-ext-intel")
STORE_NAME = SAMPLE_STORE_NAME
RAW_NAME = SAMPLE_RAW_NAME


def sample_store_path() -> Path:
    return sample_data_dir() / STORE_NAME


def build_sample(out_dir: Path, *, count: int = 400, seed: int = SEED) -> Path:
    """Write the sample store (and the same records as one raw file) into ``out_dir``."""
    from .store import Store

    out_dir.mkdir(parents=True, exist_ok=True)
    made = generate_timeline(list(SECTION_MIX), count=count, seed=seed,
                             start=dt.datetime(2025, 10, 1), span=dt.timedelta(days=30),
                             # 60 PCIe corrected errors in 5 minutes: a storm by the default rule
                             # (10 records within 60 s)
                             storm={"count": 60, "duration": dt.timedelta(minutes=5)},
                             repeat=True, hosts=list(HOSTS))
    made.sort(key=lambda g: g.time)
    store_path = out_dir / STORE_NAME
    for suffix in ("", "-wal", "-shm"):
        Path(str(store_path) + suffix).unlink(missing_ok=True)
    with Store(store_path) as store:
        summary = store.write_records(
            (g.data, {"path": f"{g.host}/WHEA-Logger.evtx", "host": g.host, "offset": 0,
                      "kind": "sample"}) for g in made)
    (out_dir / RAW_NAME).write_bytes(b"".join(g.data for g in made))
    if summary.refused:
        raise RuntimeError(f"the generator made {summary.refused} records the store refused")
    return store_path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=sample_data_dir())
    ap.add_argument("--count", type=int, default=400)
    args = ap.parse_args(argv)
    print(build_sample(args.out, count=args.count))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
