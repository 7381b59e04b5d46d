"""NVIDIA event and device-driver (Storport) section decoders: real vectors and hostile 1 MiB bodies.

Run from the repository root: ``python benchmarks/bench_sections_events.py``. Prints milliseconds per
decode (+ JSON) and the node count of a fully expanded tree, which stays bounded (entry nodes are
capped per section, printable strings per section) however large the body is.
"""

from __future__ import annotations

import os
import struct
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from whea_gui.compose.layout import SectionPart, assemble, make_descriptor, make_header  # noqa: E402
from whea_gui.decode import decode_record, record_to_json  # noqa: E402
from whea_gui.formats.sections.device_driver import DEVICE_DRIVER_CREATOR, DEVICE_DRIVER_NOTIFY  # noqa: E402
from whea_gui.formats.sections.nvidia_event import NVIDIA_EVENT_GUID  # noqa: E402

VECTORS = Path(__file__).resolve().parents[1].parent / "shared" / "vectors"
REAL = ["DecodeWheaRecord/cper_devicedriver_storport_nullsection.bin",
        "DecodeWheaRecord/cper_smoke_test_devicedriver_462b.bin",
        "libcper-examples/nvidia_event_all_types.cper",
        "libcper-examples/nvidia_event_gpu_uce_ecc.cper"]


def record(guid: str, body: bytes, creator: str = DEVICE_DRIVER_CREATOR) -> bytes:
    header = make_header(creator=creator, notify=DEVICE_DRIVER_NOTIFY, severity=1, record_id=1)
    return assemble(header, [SectionPart(make_descriptor(guid, severity=1, flags=1), body)])


def nvidia_1mib() -> bytes:
    def ctx(data: bytes) -> bytes:
        size = (16 + len(data) + 15) & ~15
        return (struct.pack("<IHHHHI", size, 0, 0, 4, 0, len(data)) + data).ljust(size, b"\0")
    head = struct.pack("<BBBBHHQ16s", 1, 255, 0, 0, 1, 2, 0, b"BIG")
    info = struct.pack("<HB", 0, 32) + bytes(29)
    return record(NVIDIA_EVENT_GUID, head + info + b"".join(ctx(os.urandom(4096)) for _ in range(255)))


def timed(data: bytes, repeat: int) -> tuple[float, int]:
    start = time.perf_counter()
    for _ in range(repeat):
        rec = decode_record(data)
        record_to_json(rec)
    ms = (time.perf_counter() - start) / repeat * 1000
    nodes = sum(1 for s in rec.sections for _ in (s.body.walk() if s.body else ()))
    return ms, nodes


def main() -> None:
    for rel in REAL:
        ms, nodes = timed((VECTORS / rel).read_bytes(), 200)
        print(f"{rel:60} {ms:8.2f} ms  {nodes:6} nodes")
    hostile = {"NVIDIA event, 255 contexts x 1024 entries (1 MiB)": nvidia_1mib(),
               "Storport tag + 1 MiB random": record("00000000-0000-0000-0000-000000000000",
                                                     b"STORPORT" + os.urandom(1 << 20))}
    for name, data in hostile.items():
        ms, nodes = timed(data, 3)
        print(f"{name:60} {ms:8.2f} ms  {nodes:6} nodes")


if __name__ == "__main__":
    main()
