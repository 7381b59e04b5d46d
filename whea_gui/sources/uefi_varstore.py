"""edk2 variable stores (OVMF_VARS.fd, a flash image's NVRAM volume): every ``HwErrRec####``
variable in every state, with its name, state and attributes as provenance. Deleted variables
whose bytes remain are offered as recoverable (source ``state`` "deleted").

Problems with the volume, the store or a variable are reported with their byte offsets; the
variables before a damaged one are still read, the walk resynchronises on the next valid
variable header after it, and records in the bytes it skipped are carved out of them
(source ``damaged_variable``: where the skipped bytes begin). Bytes that are not erased where
the walk stops, with no valid header after them (the last variable torn), are carved the same
way, and one error names their range and every record carved out of them.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..formats import edk2_sniff
from .base import Problem, RecordRef
from .carve import carve

name = "uefi-varstore"


def sniff(head: bytes, path: str = "") -> int:
    return edk2_sniff.sniff(head)


def read_bytes(data, path: str, on_problem) -> Iterator[RecordRef]:
    from ..formats import edk2_varstore as vs  # here: every input is judged, few are read
    lay = vs.parse(data)
    for f in lay.findings:
        on_problem(Problem(path, f.offset, f.message, f.level, f.length or None))
    hw = lay.hw_errors()
    if lay.usable and not hw:
        on_problem(Problem(path, None, f"the variable store holds {len(lay.variables)} variables "
                                       "and no HwErrRec#### record", "note"))
    for v in hw:
        if v.state_text in (vs.HEADER_ONLY, vs.INCOMPLETE):
            continue  # never completed: no record bytes to trust (reported as var-state)
        src = {"path": path, "offset": v.data_offset, "kind": name, "variable": v.name,
               "vendor_guid": str(v.guid), "attributes": v.attributes,
               "attribute_names": vs.attribute_text(v.attributes).split("|"),
               "state": v.state_text}
        if v.state_text == vs.DELETED:
            src["recoverable"] = True
        yield RecordRef(bytes(data[v.data_offset:v.end]), src)
    for v in lay.variables:  # a record in a variable the firmware does not take for one
        if v.is_hw_error or not v.complete or bytes(data[v.data_offset:v.data_offset + 4]) not in (b"CPER", b"WhLg"):
            continue
        if vs.HW_NAME.match(v.name):
            why = (f"its vendor GUID is {v.guid}, not the hardware error record GUID {vs.HW_ERROR_GUID}; "
                   "it is not a HwErrRec variable to the firmware, so it is left out (a damaged GUID?)")
        elif v.guid == vs.HW_ERROR_GUID and not any(v.offset <= f.offset < v.data_offset for f in lay.findings):
            # (a name the parse already reported, e.g. without its NUL, is not said twice)
            why = ("its name is not HwErrRec#### although its vendor GUID is the hardware error record "
                   "GUID; it is not a HwErrRec variable to the firmware, so it is left out (a damaged name?)")
        else:
            continue  # some other vendor's variable that happens to hold a record
        on_problem(Problem(path, v.data_offset, f"variable {_printable(v.name)} holds a record but {why}",
                           "warning", v.end - v.data_offset))
    for start, stop in lay.skipped:  # bytes the walk resynchronised over: a record may be there
        if bytes(data[start:stop]).find(b"CPER") < 0:
            continue
        if (start, stop) == lay.torn_tail:
            yield from _torn_tail(data, path, on_problem, start, stop)
            continue
        for ref in carve(data, path, on_problem, kind=name, start=start, end=stop):
            ref.source["damaged_variable"] = start
            yield ref


MAX_LISTED = 16  # recovered records named one by one in the message


def _printable(name: str) -> str:
    return repr(name) if not name.isprintable() else name


def _torn_tail(data, path: str, on_problem, start: int, stop: int) -> Iterator[RecordRef]:
    """The not-erased bytes where the walk stopped (no valid variable header after them): the
    records carved there are named with their offsets in one error, as their variables are lost."""
    found: list[tuple[int, int]] = []
    for ref in carve(data, path, on_problem, kind=name, start=start, end=stop):
        ref.source["damaged_variable"] = start
        found.append((ref.source["offset"], len(ref.data)))
        yield ref
    if not found:
        return
    listed = ", ".join(f"0x{at:X} ({n} bytes)" for at, n in found[:MAX_LISTED])
    more = f" and {len(found) - MAX_LISTED} more" if len(found) > MAX_LISTED else ""
    on_problem(Problem(path, start, f"bytes 0x{start:X}-0x{stop - 1:X} have no valid variable header "
                                    f"(a torn or damaged variable): {len(found)} record(s) carved out "
                                    f"of them at {listed}{more}; their variables are lost", "error",
                       stop - start))
