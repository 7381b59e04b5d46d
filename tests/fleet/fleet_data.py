"""A small fleet's records made from real Windows records (shared vectors): three hosts, the
corrected CPU and memory records that the threshold rules count, fatal ones, bursts that cross
the DIMM and CPU thresholds and make a storm, ties at the same second, and records without a
valid time. Deterministic (seeded)."""

from __future__ import annotations

import datetime as dt
import random
import struct
from pathlib import Path

DWR = Path(__file__).resolve().parents[2].parent / "shared" / "vectors" / "DecodeWheaRecord"
CORRECTED = ["cper_cmc_amd_xpfmca_v2r1.bin", "cper_cmci_amd_xpfmca_v2r2.bin",
             "cper_cmci_amd_zen4_xpfmca_v4.bin", "cper_cmci_intel_xpfmca_v4_memext.bin",
             "cper_memory_1sec_padded.bin", "cper_memory_2sec_padded.bin"]
MEMORY = ["cper_memory_1sec_padded.bin", "cper_memory_2sec_padded.bin"]
FATAL = ["cper_mce_fatal_amd_xpfmca_v3.bin"]
HOSTS = ["node1", "node2", "node3"]
START = int(dt.datetime(2025, 3, 1, tzinfo=dt.UTC).timestamp())


def _stamp(data: bytes, record_id: int, when: int | None) -> bytes:
    out = bytearray(data)
    struct.pack_into("<Q", out, 96, record_id)
    if when is None:  # ValidationBits bit 1 clear: the record has no time of its own
        out[16] &= ~0x02
    else:
        t = dt.datetime.fromtimestamp(when, dt.UTC)
        out[24:32] = bytes([t.second, t.minute, t.hour, 0, t.day, t.month, t.year % 100,
                            t.year // 100])
        out[16] |= 0x02
    return bytes(out)


def fleet_records(n: int = 600, seed: int = 16) -> list[tuple[bytes, dict]]:
    """(bytes, source) pairs in arrival order."""
    rnd = random.Random(seed)
    templates = {name: (DWR / name).read_bytes() for name in CORRECTED + FATAL}
    next_id = {h: 1 for h in HOSTS}
    out = []

    def add(name: str, host: str, when: int | None) -> None:
        rid = next_id[host]
        next_id[host] += 1
        out.append((_stamp(templates[name], rid, when),
                    {"host": host, "path": f"/logs/{host}.evtx", "offset": 4096 * rid}))

    while len(out) < n:
        host = rnd.choice(HOSTS)
        roll = rnd.random()
        base = START + rnd.randrange(0, 20 * 86400)
        if roll < 0.05:  # a DIMM going bad: a burst within hours crosses 10 per 24 h
            name = rnd.choice(MEMORY)
            for _ in range(rnd.randint(8, 16)):
                add(name, host, base + rnd.randrange(0, 6 * 3600))
        elif roll < 0.08:  # a storm: 12 within a minute, several at the same second
            for k in range(12):
                add(rnd.choice(CORRECTED), host, base + k // 3)
        elif roll < 0.1:
            add(rnd.choice(CORRECTED), host, None)
        elif roll < 0.15:
            add(FATAL[0], host, base)
        else:
            add(rnd.choice(CORRECTED), host, base)
    return out[:n]
