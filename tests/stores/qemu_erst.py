"""QEMU's real ``acpi-erst`` device, driven through the qtest protocol (no guest is booted).

The register interface is the one QEMU's tests/qtest/erst-test.c uses: BAR0 holds two 64-bit
registers (ACTION at 0, VALUE at 8), BAR1 is the record exchange buffer. We find the device on
PCI bus 0 through configuration accesses (port 0xCF8/0xCFC), give it two BAR addresses, turn on
memory decoding, and then run the ERST actions. Every process is killed in ``close()``.
"""

from __future__ import annotations

import os
import shutil
import subprocess

QEMU = shutil.which("qemu-system-x86_64")
VENDOR_DEVICE = 0x00121B36  # Red Hat (0x1b36), ACPI ERST (0x0012)
BAR0, BAR1 = 0xC0000000, 0xD0000000
BEGIN_WRITE, BEGIN_READ, BEGIN_CLEAR, END = 0x0, 0x1, 0x2, 0x3
SET_RECORD_OFFSET, EXECUTE, CHECK_BUSY, GET_STATUS = 0x4, 0x5, 0x6, 0x7
GET_RECORD_ID, SET_RECORD_ID, GET_RECORD_COUNT = 0x8, 0x9, 0xA
GET_LOG_LENGTH = 0xE
EXECUTE_MAGIC = 0x9C
STATUS_NAMES = {0: "SUCCESS", 1: "NOT_ENOUGH_SPACE", 2: "HARDWARE_NOT_AVAILABLE", 3: "FAILED",
                4: "RECORD_STORE_EMPTY", 5: "RECORD_NOT_FOUND"}


class QemuRefused(Exception):
    """QEMU exited instead of starting; ``stderr`` holds its message."""

    def __init__(self, stderr: str) -> None:
        super().__init__(stderr)
        self.stderr = stderr


class ErstDevice:
    def __init__(self, backing: str, record_size: int | None = None) -> None:
        size = os.path.getsize(backing)
        device = "acpi-erst,memdev=erst" + (f",record_size={record_size}" if record_size else "")
        self.proc = subprocess.Popen(
            # -S keeps the machine stopped: with it running, about one start in twenty lost the
            # BARs we program (every register read 0, or a config read answered by another
            # function); stopped, MMIO through qtest works the same and none did in 80 starts
            [QEMU, "-machine", "q35", "-qtest", "stdio", "-qtest-log", "/dev/null",
             "-display", "none", "-S", "-nodefaults", "-monitor", "none", "-serial", "none",
             "-object", f"memory-backend-file,id=erst,mem-path={backing},size={size},share=on",
             "-device", device],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            self.devfn = self._find_device()
            self._program_bars()
            self.slot_size = self._action_value(GET_LOG_LENGTH)
        except BaseException:
            self.close()
            raise

    # -- qtest protocol ------------------------------------------------------------------
    def _cmd(self, line: str) -> str:
        try:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass
        while True:
            reply = self.proc.stdout.readline()
            if not reply:
                self.proc.wait(timeout=30)
                raise QemuRefused(self.proc.stderr.read())
            if reply.startswith("IRQ"):
                continue
            reply = reply.strip()
            if not reply.startswith("OK"):
                raise RuntimeError(f"qtest {line!r}: {reply}")
            return reply[3:]

    def _cfg_addr(self, reg: int) -> None:
        self._cmd(f"outl 0xcf8 0x{0x80000000 | self.devfn << 8 | reg & 0xFC:x}")

    def cfg_read(self, reg: int) -> int:
        self._cfg_addr(reg)
        return int(self._cmd("inl 0xcfc"), 16)

    def cfg_write(self, reg: int, value: int) -> None:
        self._cfg_addr(reg)
        self._cmd(f"outl 0xcfc 0x{value:x}")

    def _find_device(self) -> int:
        for devfn in range(0, 256, 8):
            self.devfn = devfn
            if self.cfg_read(0) == VENDOR_DEVICE:
                return devfn
        raise RuntimeError("acpi-erst not found on PCI bus 0")

    def _program_bars(self) -> None:
        self.cfg_write(0x10, BAR0)
        self.cfg_write(0x14, BAR1)
        self.cfg_write(0x04, 0x0006)  # memory space + bus master

    # -- registers -----------------------------------------------------------------------
    def action(self, value: int) -> None:
        self._cmd(f"writel 0x{BAR0:x} 0x{value:x}")

    def set_value(self, value: int) -> None:
        self._cmd(f"writeq 0x{BAR0 + 8:x} 0x{value:x}")

    def value(self) -> int:
        return int(self._cmd(f"readq 0x{BAR0 + 8:x}"), 16)

    def _action_value(self, action: int) -> int:
        self.action(action)
        return self.value()

    def _execute(self) -> int:
        self.set_value(EXECUTE_MAGIC)
        self.action(EXECUTE)
        assert self._action_value(CHECK_BUSY) == 0
        return self._action_value(GET_STATUS)

    # -- operations ----------------------------------------------------------------------
    def write(self, record: bytes, offset: int = 0) -> int:
        self._cmd(f"write 0x{BAR1 + offset:x} {len(record)} 0x{record.hex()}")
        self.action(BEGIN_WRITE)
        self.set_value(offset)
        self.action(SET_RECORD_OFFSET)
        status = self._execute()
        self.action(END)
        return status

    def read(self, record_id: int, length: int | None = None) -> tuple[int, bytes]:
        """(command status, the exchange buffer's first ``length`` bytes or the record)."""
        self.action(BEGIN_READ)
        self.set_value(0)
        self.action(SET_RECORD_OFFSET)
        self.set_value(record_id)
        self.action(SET_RECORD_ID)
        status = self._execute()
        data = b""
        if status == 0:
            head = bytes.fromhex(self._cmd(f"read 0x{BAR1:x} 128")[2:])
            n = length or int.from_bytes(head[20:24], "little")
            data = bytes.fromhex(self._cmd(f"read 0x{BAR1:x} {n}")[2:])
        self.action(END)
        return status, data

    def clear(self, record_id: int) -> int:
        self.action(BEGIN_CLEAR)
        self.set_value(record_id)
        self.action(SET_RECORD_ID)
        status = self._execute()
        self.action(END)
        return status

    def record_count(self) -> int:
        return self._action_value(GET_RECORD_COUNT)

    def record_ids(self) -> list[int]:
        """Every id GET_RECORD_IDENTIFIER walks to, until the all-ones end marker."""
        out = []
        for _ in range(1 << 16):
            rid = self._action_value(GET_RECORD_ID)
            if rid == 0xFFFFFFFFFFFFFFFF:
                return out
            out.append(rid)
        raise RuntimeError("GET_RECORD_IDENTIFIER never reached the end marker")

    def close(self) -> None:
        proc = self.proc
        if proc.poll() is None:
            try:
                proc.stdin.close()
            except OSError:
                pass
            proc.kill()
        proc.wait(timeout=30)
        for fh in (proc.stdout, proc.stderr):
            try:
                fh.close()
            except OSError:
                pass


def start_refused(backing: str) -> str:
    """Start QEMU on ``backing`` expecting it to refuse; its stderr (kills it if it started)."""
    try:
        dev = ErstDevice(backing)
    except QemuRefused as exc:
        return exc.stderr
    dev.close()
    return ""
