"""Where processor context structures start: padded to 16 bytes, or not (conflict C29).

UEFI pads every IA32/X64 and ARM context structure to a multiple of 16 bytes; libcper and
Linux before 2025 write (and read) them back to back. FORMAT.md §6.2.3 suggests "padded if
it stays in the section, else unpadded" per step. Deciding per step can mix the two and land
in the middle of a structure, so we plan both whole walks and keep the one that explains the
bytes better: more structures that fit, then more plausible headers (known type, a size that
matches the type), then a walk that ends exactly where the contexts should end, then padding
that is zero. A tie keeps the padded (UEFI) walk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Walk:
    padded: bool
    starts: list[int] = field(default_factory=list)  # header offsets (record-relative)
    sizes: list[int] = field(default_factory=list)  # header + RegisterArraySize
    fitted: int = 0  # structures wholly inside the body
    plausible: int = 0
    end: int = 0  # where the next structure (or vendor data) would start
    exact: bool = False
    pad_zero: bool = True

    @property
    def differs_from_unpadded(self) -> bool:
        # the last structure counts too: its padding decides where vendor data starts
        return any(s % 16 for s in self.sizes)


def align16(n: int) -> int:
    return (n + 15) & ~15


def plan(data: bytes, start: int, end: int, count: int, header_size: int,
         read: Callable[[int], tuple[int, int]], plausibility: Callable[[int, int], int],
         expected_end: int | None) -> tuple[Walk, Walk]:
    """(chosen walk, the other walk). ``read(off)`` gives (type, RegisterArraySize)."""
    walks = [_walk(data, start, end, count, header_size, read, plausibility, expected_end, p)
             for p in (True, False)]
    padded, unpadded = walks
    unpadded.pad_zero = not padded.pad_zero  # non-zero "padding" is evidence against padding
    if not padded.differs_from_unpadded and not unpadded.differs_from_unpadded:
        return padded, unpadded
    if _score(unpadded) > _score(padded):
        return unpadded, padded
    return padded, unpadded


def _score(w: Walk) -> tuple[int, int, int, int]:
    return (w.fitted, w.plausible, int(w.exact), int(w.pad_zero))


def _walk(data, start, end, count, header_size, read, plausibility, expected_end,
          padded: bool) -> Walk:
    w = Walk(padded)
    pos = start
    for _ in range(count):
        if pos + header_size > end:
            break
        ctype, size = read(pos)
        raw_end = pos + header_size + size
        w.starts.append(pos)
        w.sizes.append(header_size + size)
        w.plausible += plausibility(ctype, size)
        if raw_end > end:
            pos = raw_end
            break
        w.fitted += 1
        nxt = pos + align16(header_size + size) if padded else raw_end
        if padded and nxt > raw_end:
            pad = data[raw_end:min(nxt, end)]
            if any(pad):
                w.pad_zero = False
        pos = nxt
    w.end = min(pos, end)
    if expected_end is not None and w.fitted == count:
        last_raw = w.starts[-1] + w.sizes[-1] if w.starts else start
        w.exact = pos == expected_end or last_raw == expected_end
    return w
