"""The live Windows event logs, through ``wevtutil qe <channel> /f:xml`` (Windows only).

The output is parsed exactly like an XML export, so tests use recorded wevtutil output.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

from .base import Problem, RecordRef, SourceError
from .eventxml import events_from_text

name = "live"
CHANNELS = ("System", "Microsoft-Windows-Kernel-WHEA/Errors", "Microsoft-Windows-Kernel-WHEA/Operational")
# Only WHEA providers: the System log holds far more than hardware errors.
_QUERY = {"System": "*[System[Provider[@Name='Microsoft-Windows-WHEA-Logger']]]"}


def wevtutil_command(channel: str, max_events: int | None = None) -> list[str]:
    cmd = ["wevtutil", "qe", channel, "/f:xml", "/rd:false"]
    if channel in _QUERY:
        cmd.append(f"/q:{_QUERY[channel]}")
    if max_events:
        cmd.append(f"/c:{max_events}")
    return cmd


def parse_wevtutil_output(output: bytes, channel: str, on_problem) -> Iterator[RecordRef]:
    """Records from ``wevtutil qe /f:xml`` output (bare ``<Event>`` elements, no root)."""
    yield from events_from_text(output.decode("utf-8", "replace"), f"live:{channel}", on_problem, name)


def iter_live(channels=None, on_problem=None, *, max_events: int | None = None) -> Iterator[RecordRef]:
    if sys.platform != "win32":
        raise SourceError("live: reading the live event logs needs Windows (wevtutil); "
                          "export them there with 'wevtutil epl' and open the .evtx here")
    sink = on_problem or (lambda _p: None)
    for channel in channels or CHANNELS:
        try:
            proc = subprocess.run(wevtutil_command(channel, max_events), capture_output=True,
                                  timeout=300, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            sink(Problem(f"live:{channel}", None, f"wevtutil failed: {exc}", "error"))
            continue
        if proc.returncode != 0:
            msg = proc.stderr.decode("utf-8", "replace").strip() or f"exit status {proc.returncode}"
            sink(Problem(f"live:{channel}", None, f"wevtutil: {msg}", "warning"))
            continue
        yield from parse_wevtutil_output(proc.stdout, channel, sink)
