"""Fixtures for the platform-container tests: real records, and QEMU devices that are always
killed at the end of the test (also when it fails)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from qemu_erst import QEMU, ErstDevice

from whea_gui.compose.generate import generate_records

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "vectors"
DWR = VECTORS / "DecodeWheaRecord"
OVMF = Path("/usr/share/OVMF")


@pytest.fixture(scope="session")
def real_records() -> list[bytes]:
    """Real Windows records (DecodeWheaRecord vectors) with a usable RecordId, and records made
    by the project's generator, all below QEMU's default 8 KiB slot."""
    real = [p.read_bytes() for p in sorted(DWR.glob("cper_*.bin"))]
    real = [r for r in real if struct.unpack_from("<Q", r, 96)[0] not in (0, (1 << 64) - 1)]
    made = generate_records(count=6, seed=19)
    assert len(real) >= 8 and len(made) == 6
    return real + made


@pytest.fixture(scope="session")
def zero_id_record() -> bytes:
    data = (DWR / "cper_boot_rev0101_venhw_section.bin").read_bytes()
    assert struct.unpack_from("<Q", data, 96)[0] == 0  # a real record whose RecordId is 0
    return data


@pytest.fixture
def erst_device():
    """``erst_device(path, record_size=None)`` starts QEMU's acpi-erst on a backing file; every
    device started is killed when the test ends."""
    assert QEMU, "qemu-system-x86_64 is not installed (.ci/run installs qemu-system-x86)"
    started: list[ErstDevice] = []

    def start(path, record_size=None) -> ErstDevice:
        dev = ErstDevice(str(path), record_size)
        started.append(dev)
        return dev

    try:
        yield start
    finally:
        for dev in started:
            dev.close()
        assert all(dev.proc.poll() is not None for dev in started)


@pytest.fixture(scope="session")
def ovmf_templates() -> list[Path]:
    paths = [OVMF / "OVMF_VARS.fd", OVMF / "OVMF_VARS_4M.fd"]
    missing = [str(p) for p in paths if not p.is_file()]
    assert not missing, f"Debian's ovmf package is not installed: {missing} (.ci/run installs it)"
    return paths
