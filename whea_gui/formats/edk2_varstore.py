"""edk2 firmware-volume variable stores (OVMF_VARS.fd, OVMF_VARS_4M.fd, a flash image's NVRAM).

Layout (edk2 PiFirmwareVolume.h and MdeModulePkg/Include/Guid/VariableFormat.h):

- Firmware volume header: ZeroVector[16], FileSystemGuid (EFI_SYSTEM_NV_DATA_FV_GUID for the
  NVRAM volume), FvLength u64, Signature "_FVH", Attributes u32, HeaderLength u16, Checksum u16
  (the header's 16-bit words sum to 0), ExtHeaderOffset u16, Reserved u8, Revision u8, then
  block-map entries (NumBlocks u32, Length u32) ending with (0, 0).
- At HeaderLength the variable store header: Signature GUID (gEfiVariableGuid, or
  gEfiAuthenticatedVariableGuid for authenticated variables, which OVMF uses), Size u32 (from
  the store header to the store's end), Format u8 (0x5A formatted), State u8 (0xFE healthy),
  6 reserved bytes. Variables follow at a 4-byte boundary.
- Each variable: StartId 0x55AA, State u8, Reserved u8, Attributes u32, [authenticated:
  MonotonicCount u64, TimeStamp EFI_TIME (16 bytes), PubKeyIndex u32], NameSize u32, DataSize
  u32, VendorGuid; then the UCS-2 name (NameSize bytes with its NUL), then the data; the next
  header starts at the next 4-byte boundary. The list ends at a StartId that is not 0x55AA
  (erased flash reads 0xFF).
- States clear bits as a variable lives: 0x7F header written, 0x3F added, 0x3E added and in
  delete transition, 0x3C/0x3D deleted (the bytes stay until the store is reclaimed).
- After the variable store, inside the same volume, edk2's fault-tolerant-write (FTW) working
  block and spare area: never written here.

``parse(buf)`` finds the NVRAM volume (at the start, or anywhere in a flash image by its FV
header), walks every variable in every state, and collects findings with byte offsets;
``container_record`` gives the located FieldNode tree.
"""

from __future__ import annotations

import re
import struct
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..core.fields import Field, Layout, bytes_text
from ..core.model import ERROR, NOTE, WARNING, DecodedRecord, FieldNode, Finding, new_record
from .edk2_sniff import FVH, NV_DATA_FV_LE, sniff  # noqa: F401 - sniff: this module's API

NV_DATA_FV = uuid.UUID(bytes_le=NV_DATA_FV_LE)

VARIABLE_GUID = uuid.UUID("ddcf3616-3275-4164-98b6-fe85707ffe7d")
AUTH_VARIABLE_GUID = uuid.UUID("aaf32c78-947b-439a-a180-2e144ec37792")
FTW_WORKING_GUID = uuid.UUID("9e58292b-7c68-497d-a0ce-6500fd9f1b95")  # edk2 working block
HW_ERROR_GUID = uuid.UUID("414e6bdd-e47b-47cc-b244-bb61020cf516")
FV_HEADER_MIN = 56 + 8  # the fixed part and the (0, 0) block-map terminator
STORE_HEADER_SIZE = 28
START_ID = 0x55AA
FORMATTED, HEALTHY = 0x5A, 0xFE
HW_ERROR_ATTRIBUTES = 0x0F  # NON_VOLATILE | BOOTSERVICE | RUNTIME | HARDWARE_ERROR_RECORD
ATTRIBUTE_NAMES = {0x1: "NV", 0x2: "BS", 0x4: "RT", 0x8: "HR", 0x10: "AW", 0x20: "TAW", 0x40: "AP"}
HW_NAME = re.compile(r"^HwErrRec[0-9A-Fa-f]{4}$")
MAX_NODES = 4096

FV_HEADER = Layout("fv_header", [
    Field("zero_vector", "Zero vector", 16, "bytes"),
    Field("file_system_guid", "File system GUID", 16, "guid",
          description="fff12b8d-… (EFI_SYSTEM_NV_DATA_FV_GUID) for the NVRAM volume"),
    Field("fv_length", "Volume length", 8, "hex"),
    Field("signature", "Signature", 4, "sig", description='Must be "_FVH"'),
    Field("attributes", "Attributes", 4, "hex"),
    Field("header_length", "Header length", 2, "int"),
    Field("checksum", "Checksum", 2, "hex", description="The header's 16-bit words sum to 0"),
    Field("ext_header_offset", "Extended header offset", 2, "hex"),
    Field("reserved", "Reserved", 1, "hex"),
    Field("revision", "Revision", 1, "int"),
])
STORE_HEADER = Layout("variable_store_header", [
    Field("signature", "Signature", 16, "guid",
          description="gEfiAuthenticatedVariableGuid (aaf32c78-…) or gEfiVariableGuid (ddcf3616-…)"),
    Field("size", "Size", 4, "hex", description="Bytes from this header to the store's end"),
    Field("format", "Format", 1, "hex", description="0x5A: formatted"),
    Field("state", "State", 1, "hex", description="0xFE: healthy"),
    Field("reserved", "Reserved", 2, "hex"),
    Field("reserved1", "Reserved", 4, "hex"),
])
_COMMON = [
    Field("start_id", "Start ID", 2, "hex", description="0x55AA"),
    Field("state", "State", 1, "hex",
          description="0x7F header only, 0x3F added, 0x3E in delete transition, 0x3C/0x3D deleted"),
    Field("reserved", "Reserved", 1, "hex"),
    Field("attributes", "Attributes", 4, "hex", description="NV 1, BS 2, RT 4, HR 8, …"),
]
_TAIL = [
    Field("name_size", "Name size", 4, "int"),
    Field("data_size", "Data size", 4, "int"),
    Field("vendor_guid", "Vendor GUID", 16, "guid"),
]
VARIABLE_HEADER = Layout("variable_header", _COMMON + _TAIL)
AUTH_VARIABLE_HEADER = Layout("auth_variable_header", _COMMON + [
    Field("monotonic_count", "Monotonic count", 8, "int"),
    Field("timestamp", "Time stamp", 16, "bytes"),
    Field("pub_key_index", "Public key index", 4, "int"),
] + _TAIL)
assert VARIABLE_HEADER.size == 32 and AUTH_VARIABLE_HEADER.size == 60

ADDED, IN_DELETE, DELETED, HEADER_ONLY, INCOMPLETE = (
    "added", "in delete transition", "deleted", "header only", "incomplete header")


def state_name(state: int) -> str:
    if state & 0x80:
        return INCOMPLETE
    if state & 0x40:
        return HEADER_ONLY
    if not state & 0x02:
        return DELETED
    if not state & 0x01:
        return IN_DELETE
    return ADDED


def align4(n: int) -> int:
    return (n + 3) & ~3


@dataclass(slots=True)
class Variable:
    offset: int  # of its header, in the file
    header_size: int
    state: int
    attributes: int
    name_size: int
    data_size: int
    guid: uuid.UUID
    name: str
    complete: bool = True  # name and data lie inside the store

    @property
    def state_text(self) -> str:
        return state_name(self.state)

    @property
    def name_offset(self) -> int:
        return self.offset + self.header_size

    @property
    def data_offset(self) -> int:
        return self.name_offset + self.name_size

    @property
    def end(self) -> int:
        return self.data_offset + self.data_size

    @property
    def is_hw_error(self) -> bool:
        return self.guid == HW_ERROR_GUID and bool(HW_NAME.match(self.name))

    @property
    def live(self) -> bool:
        return self.state_text in (ADDED, IN_DELETE)


@dataclass
class VarStoreLayout:
    size: int
    fv_offset: int | None = None
    fv: dict = field(default_factory=dict)
    store_offset: int = 0
    store: dict = field(default_factory=dict)
    authenticated: bool = True
    store_end: int = 0  # first byte after the variable store
    free_offset: int = 0  # where the next variable would go
    fv_end: int = 0
    ftw_offset: int | None = None  # the FTW working block header, if found
    skipped: list[tuple[int, int]] = field(default_factory=list)  # damaged ranges resynced over
    torn_tail: tuple[int, int] | None = None  # not-erased bytes after the walk stopped (in skipped)
    variables: list[Variable] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def add(self, level: str, message: str, offset: int, length: int, code: str) -> None:
        self.findings.append(Finding(level, message, offset, length, code))

    @property
    def usable(self) -> bool:
        return self.store_end > 0

    @property
    def header_layout(self) -> Layout:
        return AUTH_VARIABLE_HEADER if self.authenticated else VARIABLE_HEADER

    def hw_errors(self) -> list[Variable]:
        return [v for v in self.variables if v.is_hw_error and v.complete]


def _guid(buf, offset: int) -> uuid.UUID:
    return uuid.UUID(bytes_le=bytes(buf[offset:offset + 16]))


# A candidate volume header: the NV data GUID at +16, then "_FVH" at +40 (or a damaged
# signature whose header's block map ends where a variable store header is). Matched by the
# regex engine in one linear pass, so no "_FVH" noise can hide a later real volume.
_CANDIDATE = re.compile(re.escape(NV_DATA_FV.bytes_le), re.DOTALL)
MAX_FV_TRIES = 4096  # unusable NV volume headers tried before giving up (said in the message)


def nv_volume_candidates(buf) -> Iterator[int]:
    """Offsets of every firmware volume header with the NV data GUID, in file order; one whose
    "_FVH" signature is damaged only when its block map leads to a variable store header (a
    damaged signature carved the records as raw bytes, their variables and the damage unsaid:
    the second fresh check)."""
    n = len(buf)
    for m in _CANDIDATE.finditer(buf):
        fv = m.start() - 16
        if fv < 0 or fv + FV_HEADER_MIN > n:
            continue
        if bytes(buf[fv + 40:fv + 44]) == FVH or _header_length_by_block_map(buf, fv, n) is not None:
            yield fv


def find_nv_volume(buf) -> int | None:
    """The offset of the first NVRAM firmware volume header ("_FVH" with the NV data GUID)."""
    return next(nv_volume_candidates(buf), None)


def parse(buf) -> VarStoreLayout:
    """The first usable NVRAM volume of ``buf``; volumes tried before it whose headers are
    unusable are reported as warnings. When none is usable, the first one's errors."""
    n = len(buf)
    rejected: list[VarStoreLayout] = []
    for fv in nv_volume_candidates(buf) if n >= FV_HEADER_MIN else ():
        if fv + FV_HEADER_MIN > n:
            continue
        lay = VarStoreLayout(n)
        _parse_volume(lay, buf, fv)
        if lay.usable:
            for bad in rejected:
                why = next(f for f in bad.findings if f.level == ERROR)
                lay.add(WARNING, f"the NVRAM volume header at 0x{bad.fv_offset:X} is not usable "
                                 f"({why.message}); the volume at 0x{fv:X} is read instead",
                        why.offset, why.length, "fv-skipped")
            return lay
        rejected.append(lay)
        if len(rejected) >= MAX_FV_TRIES:
            break
    if rejected:
        first = rejected[0]
        if len(rejected) > 1:
            first.add(WARNING, f"{len(rejected) - 1} more NVRAM volume headers were tried, none "
                            "usable", rejected[1].fv_offset, 56, "fv-skipped")
        if len(rejected) >= MAX_FV_TRIES:
            last = rejected[-1].fv_offset
            first.add(ERROR, f"stopped after {MAX_FV_TRIES} unusable NVRAM volume headers: the "
                             f"file after byte 0x{last:X} was not searched", last, 56,
                      "fv-signature")
        return first
    lay = VarStoreLayout(n)
    lay.add(ERROR, "no NVRAM firmware volume: no \"_FVH\" header with the NV data GUID "
                   f"{NV_DATA_FV} anywhere in the file", 0, min(n, 64), "fv-signature")
    return lay


def _parse_volume(lay: VarStoreLayout, buf, fv: int) -> None:
    n = lay.size
    lay.fv_offset = fv
    lay.fv = h = FV_HEADER.unpack(buf, fv)
    if fv:
        lay.add(NOTE, f"the NVRAM firmware volume starts at byte 0x{fv:X} of the image", fv, 56,
                "fv-located")
    if bytes(h["signature"]) != FVH:
        lay.add(ERROR, f"the volume signature is {bytes_text(bytes(h['signature']))}, not \"_FVH\": firmware "
                       "would not use this volume; read by its header's block map and variable store "
                       "header", fv + 40, 4, "fv-signature")
    hlen, fv_len = h["header_length"], h["fv_length"]
    lay.fv_end = fv + fv_len
    cut = fv_len > n - fv
    if cut:
        lay.add(ERROR, f"volume length 0x{fv_len:X} runs past the end of the file "
                       f"({n - fv} bytes from the volume start); read up to the file's end",
                fv + 32, 8, "fv-header")
        lay.fv_end = n
    elif fv_len < FV_HEADER_MIN + STORE_HEADER_SIZE:
        # shorter than its own header: the length is damaged, not the volume (an FvLength of 0
        # lost every record: the second fresh check)
        lay.add(ERROR, f"volume length 0x{fv_len:X} is shorter than the volume's own header; read "
                       "up to the file's end", fv + 32, 8, "fv-header")
        lay.fv_end = n
    if hlen < FV_HEADER_MIN or hlen & 1:
        # the block map ends the header: where its (0, 0) terminator ends, the store header
        # begins, which its signature GUID confirms (F7-17: a damaged HeaderLength of 0xFFFF lost
        # three intact HwErrRec records)
        mapped = _header_length_by_block_map(buf, fv, lay.fv_end)
        if mapped is None:
            lay.add(ERROR, f"header length {hlen} is not a valid firmware volume header length "
                           f"(even, at least {FV_HEADER_MIN})", fv + 48, 2, "fv-header")
            return
        lay.add(ERROR, f"header length {hlen} is not a valid firmware volume header length "
                       f"(even, at least {FV_HEADER_MIN}); the header's block map ends at byte "
                       f"0x{fv + mapped:X}, where the variable store header is: read from there",
                fv + 48, 2, "fv-header")
        hlen = mapped
    elif not _store_signature_at(buf, fv + hlen, lay.fv_end):
        # a length that is even and long enough, but no store header where it points (200 for
        # 72: the second fresh check lost every record); the block map says where it ends
        mapped = _header_length_by_block_map(buf, fv, lay.fv_end)
        if mapped is not None and mapped != hlen:
            lay.add(ERROR, f"header length {hlen} does not end the firmware volume header: no "
                           f"variable store header at byte 0x{fv + hlen:X}; the header's block map "
                           f"ends at byte 0x{fv + mapped:X}, where the variable store header is: "
                           "read from there", fv + 48, 2, "fv-header")
            hlen = mapped
    if fv + hlen + STORE_HEADER_SIZE > lay.fv_end:
        where = (f"the file ends {n - fv} bytes after the volume start" if cut
                 else f"the volume is {lay.fv_end - fv} bytes long")
        lay.add(ERROR, f"no room for a variable store header: {where}; its own header takes "
                       f"{hlen} bytes and the store header {STORE_HEADER_SIZE} more",
                fv + hlen if cut else fv + 32, 1 if cut else 8, "fv-header")
        return
    words = struct.unpack_from(f"<{hlen // 2}H", buf, fv)
    if sum(words) & 0xFFFF:
        lay.add(WARNING, f"the volume header checksum does not sum to 0 (sum 0x{sum(words) & 0xFFFF:04X})",
                fv + 50, 2, "fv-checksum")
    _store_header(lay, buf, fv + hlen)
    if lay.usable:
        _walk(lay, buf)
        _find_ftw(lay, buf)


MAX_BLOCK_MAP = 64  # block-map entries read looking for the terminator


def _store_signature_at(buf, at: int, end: int) -> bool:
    if at + 16 > end:
        return False
    return uuid.UUID(bytes_le=bytes(buf[at:at + 16])) in (VARIABLE_GUID, AUTH_VARIABLE_GUID)


def _header_length_by_block_map(buf, fv: int, end: int) -> int | None:
    """The volume header's length from its block map (entries of NumBlocks, Length up to a
    (0, 0) pair), when a variable store signature follows it; else None."""
    at = fv + 56
    for _ in range(MAX_BLOCK_MAP):
        if at + 8 + STORE_HEADER_SIZE > end:
            return None
        blocks, length = struct.unpack_from("<II", buf, at)
        at += 8
        if blocks == 0 and length == 0:
            return at - fv if _store_signature_at(buf, at, end) else None
    return None


def _store_header(lay: VarStoreLayout, buf, at: int) -> None:
    lay.store_offset = at
    lay.store = s = STORE_HEADER.unpack(buf, at)
    sig = uuid.UUID(bytes_le=bytes(s["signature"]))
    if sig not in (VARIABLE_GUID, AUTH_VARIABLE_GUID):
        lay.add(ERROR, f"variable store signature {sig} is neither gEfiVariableGuid nor "
                       "gEfiAuthenticatedVariableGuid", at, 16, "varstore-header")
        return
    lay.authenticated = sig == AUTH_VARIABLE_GUID
    if s["format"] != FORMATTED:
        lay.add(ERROR, f"variable store format is 0x{s['format']:02X}, not 0x5A (formatted)",
                at + 20, 1, "varstore-header")
        return
    if s["state"] != HEALTHY:
        lay.add(WARNING, f"variable store state is 0x{s['state']:02X}, not 0xFE (healthy)",
                at + 21, 1, "varstore-header")
    size = s["size"]
    end = at + size
    if size < STORE_HEADER_SIZE or end > lay.fv_end:
        # (a size smaller than the store's own header is damage too: read on to the volume's
        # end, as for one past it; "runs past" was said of a size of 0: the second fresh check)
        why = (f"is smaller than the store's own {STORE_HEADER_SIZE}-byte header" if size < STORE_HEADER_SIZE
               else f"runs past the firmware volume (which ends at 0x{lay.fv_end:X})")
        lay.add(ERROR, f"variable store size 0x{size:X} {why}; read up to the volume's end",
                at + 16, 4, "varstore-header")
        end = lay.fv_end
    lay.store_end = end


# States a variable header goes through (edk2 clears bits): header written, added, in delete
# transition, deleted; what a header found while resynchronising must hold.
_STATES = (0x7F, 0x3F, 0x3E, 0x3D, 0x3C)
_KNOWN_ATTRIBUTES = 0x7F
_HEADER_AT = re.compile(rb"\xaa\x55[\x7f\x3f\x3e\x3d\x3c]")
MAX_NAME = 1024  # bytes searched for a name's NUL when NameSize disagrees with it


def _walk(lay: VarStoreLayout, buf) -> None:
    """Every variable from the store header on. A header that is not valid, or a variable whose
    sizes run past the store or into the next header, does not end the walk while a valid
    header follows: the walk resynchronises on it and reports what was skipped (error)."""
    hl = lay.header_layout
    pos = align4(lay.store_offset + STORE_HEADER_SIZE)
    end = lay.store_end
    prev: Variable | None = None
    while pos + hl.size <= end:
        if struct.unpack_from("<H", buf, pos)[0] != START_ID:
            nxt = _resync(lay, buf, pos, prev)
            if nxt is None:
                break  # erased flash, or bytes with no valid header after them: the list ends
            pos = nxt
            continue
        h = hl.unpack(buf, pos)
        guid = uuid.UUID(bytes_le=bytes(h["vendor_guid"]))
        v = Variable(pos, hl.size, h["state"], h["attributes"], h["name_size"], h["data_size"],
                     guid, "")
        _fix_name_size(lay, buf, v, end)
        if v.name_offset + v.name_size > end or v.end > end:
            what = "NameSize" if v.name_offset + v.name_size > end else "DataSize"
            size_at = pos + hl.size - 24 + (0 if what == "NameSize" else 4)
            v.complete = False
            v.name = _name(buf, v.name_offset, min(v.name_size, max(end - v.name_offset, 0)))
            lay.variables.append(v)
            nxt = _next_header(lay, buf, pos + 2, end)
            tail = (f"the walk stops here (the bytes from 0x{pos:X} on are damaged)"
                    + _lost_text(buf, pos, end) if nxt is None else
                    f"skipped to the next valid variable header at 0x{nxt:X}"
                    + _lost_text(buf, pos, nxt))
            lay.add(ERROR, f"variable at 0x{pos:X}: {what} {h['name_size' if what == 'NameSize' else 'data_size']} "
                           f"runs past the store's end at 0x{end:X}; {tail}",
                    size_at, 4, "var-size-overrun")
            if nxt is None:
                lay.free_offset = end
                _damaged_tail(lay, buf, pos, end)
                return
            lay.skipped.append((pos, nxt))
            pos, prev = nxt, None
            continue
        v.name = _name(buf, v.name_offset, v.name_size)
        lay.variables.append(v)
        _check_variable(lay, buf, v)
        pos, prev = align4(v.end), v
    lay.free_offset = min(pos, end)
    span = _not_erased(buf, lay.free_offset, end)
    if span is None:
        return  # erased flash: the list ends here
    first, stop = span
    if first == lay.free_offset or _find(buf, b"CPER", first, stop) >= 0:
        start_id = struct.unpack_from("<H", buf, first)[0] if first + 2 <= end else 0
        head = (f"no valid variable header at 0x{first:X} (StartId 0x{start_id:04X}, not 0x55AA) nor "
                "after it: " if first == lay.free_offset else "")
        lay.add(ERROR, f"{head}bytes 0x{first:X}-0x{stop - 1:X} after the last valid variable are "
                       f"not erased (0xFF){_lost_text(buf, first, stop)}; new variables cannot go there",
                first, stop - first, "var-tail-not-erased")
        lay.skipped.append((first, stop))
        lay.torn_tail = (first, stop)
        return
    lay.add(WARNING, f"bytes after the last variable are not erased (0xFF) from 0x{first:X}: "
                     f"{bytes_text(bytes(buf[first:first + 4]))}; new variables cannot go there",
            first, end - first, "varstore-free-space")


def _damaged_tail(lay: VarStoreLayout, buf, start: int, end: int) -> None:
    """The walk ended inside a damaged variable with no valid header after it: its bytes up to
    the last one not erased are carved by the reader (a record there has lost its variable)."""
    span = _not_erased(buf, start, end)
    if span is not None:
        lay.skipped.append((start, span[1]))
        lay.torn_tail = (start, span[1])


_NOT_FF = re.compile(rb"[^\xff]")
_CHUNK = 1 << 20


def _not_erased(buf, start: int, end: int) -> tuple[int, int] | None:
    """(first, one past the last) byte in ``buf[start:end]`` that is not 0xFF, or None (one
    regex scan forward, then 1 MiB pieces from the end: no copy of the whole range)."""
    m = _NOT_FF.search(buf, start, end)
    if m is None:
        return None
    stop = end
    while stop > m.start():
        lo = max(m.start(), stop - _CHUNK)
        kept = len(bytes(buf[lo:stop]).rstrip(b"\xff"))
        if kept:
            return m.start(), lo + kept
        stop = lo
    return m.start(), m.start() + 1


def _find(buf, sub: bytes, start: int, stop: int) -> int:
    """``buf.find`` for bytes, bytearray and mmap alike (no copy of the range)."""
    if hasattr(buf, "find"):
        return buf.find(sub, start, stop)
    at = bytes(buf[start:stop]).find(sub)
    return at + start if at >= 0 else -1


def _plausible(lay: VarStoreLayout, buf, at: int, end: int) -> bool:
    """A valid variable header at ``at``: StartId, a state edk2 writes, known attributes, and a
    NUL-terminated UCS-2 name with the data inside the store."""
    hl = lay.header_layout
    if at % 4 or at + hl.size > end:
        return False
    start_id, state, _res, attrs = struct.unpack_from("<HBBI", buf, at)
    if start_id != START_ID or state not in _STATES or attrs & ~_KNOWN_ATTRIBUTES:
        return False
    name_size, data_size = struct.unpack_from("<II", buf, at + hl.size - 24)
    name_at = at + hl.size
    if not 4 <= name_size <= MAX_NAME or name_size & 1 or name_at + name_size + data_size > end:
        return False
    name = bytes(buf[name_at:name_at + name_size]).decode("utf-16-le", "replace")
    return name.find("\0") == len(name) - 1  # one NUL, at the end


def _next_header(lay: VarStoreLayout, buf, start: int, end: int) -> int | None:
    """The first valid variable header at or after ``start`` (one regex scan in C)."""
    for m in _HEADER_AT.finditer(buf, start, end):
        if _plausible(lay, buf, m.start(), end):
            return m.start()
    return None


def _resync(lay: VarStoreLayout, buf, pos: int, prev: Variable | None) -> int | None:
    """At ``pos`` (after ``prev``) there is no StartId: where the walk goes on when a valid
    header follows (None: the list ends here). A header inside ``prev``'s data means prev's DataSize is too large (its data is cut
    there); otherwise the bytes up to the next header are skipped. Both are errors."""
    end = lay.store_end
    nxt = _next_header(lay, buf, prev.name_offset if prev else pos, end)
    if nxt is None:
        return None
    if prev is not None and prev.data_offset <= nxt < prev.end:
        declared = prev.data_size
        prev.data_size = nxt - prev.data_offset
        lay.add(ERROR, f"variable {prev.name!r} at 0x{prev.offset:X}: DataSize {declared} runs into "
                       f"the valid variable header at 0x{nxt:X}; its data is read up to there "
                       f"({prev.data_size} bytes)", prev.offset + lay.header_layout.size - 20, 4,
                "var-data-size")
        return nxt
    nxt = max(nxt, pos)
    if nxt == pos:  # found only at or before where we are: look after it
        nxt = _next_header(lay, buf, pos + 4, end)
        if nxt is None:
            return None
    start_id = struct.unpack_from("<H", buf, pos)[0]
    lay.add(ERROR, f"no valid variable header at 0x{pos:X} (StartId 0x{start_id:04X}, not 0x55AA): "
                   f"skipped {nxt - pos} bytes to the next valid variable header at 0x{nxt:X}"
                   + _lost_text(buf, pos, nxt), pos, nxt - pos, "var-header-skipped")
    lay.skipped.append((pos, nxt))
    return nxt


def _ascii_name(raw: bytes) -> bool:
    """UCS-2 text of printable ASCII characters (what edk2 and Windows name variables with)."""
    return not raw[1::2].strip(b"\0") and all(0x20 <= c < 0x7F for c in raw[0::2])


def _lost_text(buf, start: int, stop: int) -> str:
    at = _find(buf, b"CPER", start, stop) - start
    return "" if at < 0 else (f"; they hold a CPER signature at 0x{start + at:X}: a hardware "
                              "error record whose variable is lost (the reader carves it out)")


def _fix_name_size(lay: VarStoreLayout, buf, v: Variable, end: int) -> None:
    """A NameSize that disagrees with the name's own UCS-2 NUL: the name is a NUL-terminated
    string (UEFI), so it and the data after it are read by the NUL; an error all the same (the
    header is damaged, and where the data begins is inferred)."""
    raw = bytes(buf[v.name_offset:min(v.name_offset + MAX_NAME, end)])
    if v.name_size >= 2 and raw[v.name_size - 2:v.name_size] == b"\0\0":
        return
    chars = raw[:len(raw) & ~1].decode("utf-16-le", "replace").find("\0")
    nul = 2 * chars if chars > 0 else None
    if nul is None or not _ascii_name(raw[:nul]):
        return  # no clean name before a NUL: NameSize stays (the name is reported as var-name)
    declared, v.name_size = v.name_size, nul + 2
    if v.end > end:
        v.name_size = declared  # the NUL does not give a variable that fits: keep the field
        return
    lay.add(ERROR, f"variable at 0x{v.offset:X}: NameSize {declared} disagrees with its name's "
                     f"UCS-2 NUL, which ends it at {v.name_size} bytes; the name and the data are "
                     "read from there", v.offset + lay.header_layout.size - 24, 4, "var-name-size")


def _name(buf, offset: int, size: int) -> str:
    raw = bytes(buf[offset:offset + (size & ~1)])
    return raw.decode("utf-16-le", "replace").split("\0", 1)[0]


def _check_variable(lay: VarStoreLayout, buf, v: Variable) -> None:
    raw = bytes(buf[v.name_offset:v.name_offset + v.name_size])
    if v.name_size < 2 or v.name_size & 1 or raw[-2:] != b"\0\0":
        lay.add(WARNING, f"variable at 0x{v.offset:X}: its name ({v.name_size} bytes) does not end "
                         "with a UCS-2 NUL", v.name_offset, max(v.name_size, 1), "var-name")
    state = v.state_text
    if state not in (ADDED, IN_DELETE, DELETED):
        lay.add(NOTE, f"variable {v.name!r} at 0x{v.offset:X}: state 0x{v.state:02X} ({state}): "
                      "its header was written but the variable never completed", v.offset + 2, 1,
                "var-state")
    if not v.is_hw_error:
        return
    if state == DELETED:
        lay.add(NOTE, f"{v.name} at 0x{v.offset:X} was deleted but its bytes remain (recoverable)",
                v.offset, v.end - v.offset, "var-deleted")
    if v.attributes != HW_ERROR_ATTRIBUTES:
        lay.add(WARNING, f"{v.name}: attributes 0x{v.attributes:08X} ({attribute_text(v.attributes)}), "
                         "not NV|BS|RT|HR (0x0000000F) as UEFI requires of a hardware error record",
                v.offset + 4, 4, "var-attributes")
    if v.data_size >= 24 and bytes(buf[v.data_offset:v.data_offset + 4]) == b"CPER":
        declared = struct.unpack_from("<I", buf, v.data_offset + 20)[0]
        if declared != v.data_size:
            lay.add(WARNING, f"{v.name}: the record declares {declared} bytes, the variable holds "
                             f"{v.data_size}", v.data_offset + 20, 4, "var-record-length")
    else:
        lay.add(WARNING, f"{v.name}: the data is not a CPER record (starts "
                         f"{bytes_text(bytes(buf[v.data_offset:v.data_offset + 4]))})",
                v.data_offset, max(min(v.data_size, 4), 1), "var-record-length")


def _find_ftw(lay: VarStoreLayout, buf) -> None:
    """The FTW working block header edk2 keeps after the store (OVMF: one block later)."""
    pos = lay.store_end
    limit = min(lay.fv_end, len(buf)) - 16
    while pos <= limit and pos - lay.store_end <= 0x10000:
        if _guid(buf, pos) == FTW_WORKING_GUID:
            lay.ftw_offset = pos
            return
        pos += 0x1000 - pos % 0x1000 if pos % 0x1000 else 0x1000


def attribute_text(attrs: int) -> str:
    return "|".join(n for bit, n in ATTRIBUTE_NAMES.items() if attrs & bit) or "none"


def variable_bytes(lay: VarStoreLayout, name: str, data: bytes, *, attributes: int = HW_ERROR_ATTRIBUTES,
                   guid: uuid.UUID = HW_ERROR_GUID) -> bytes:
    """One added variable as edk2 writes it, in the store's header layout, padded with 0xFF to
    the next 4-byte boundary."""
    encoded = (name + "\0").encode("utf-16-le")
    head = struct.pack("<HBBI", START_ID, 0x3F, 0, attributes)
    if lay.authenticated:
        head += struct.pack("<Q", 0) + bytes(16) + struct.pack("<I", 0)
    head += struct.pack("<II", len(encoded), len(data)) + guid.bytes_le
    blob = head + encoded + data
    return blob + b"\xff" * (align4(len(blob)) - len(blob))


# -- the located tree -------------------------------------------------------------------------
def container_record(buf, source: dict | None = None) -> DecodedRecord:
    return new_record(bytes(buf), "container", "varstore", "edk2 variable store",
                      source, _decode_tree)


def _decode_tree(rec: DecodedRecord, buf: bytes, n: int) -> None:
    lay = parse(buf)
    rec.extent = n
    root = rec.root
    if lay.fv_offset is not None:
        fv = lay.fv_offset
        hlen = lay.fv.get("header_length", 56)
        node = root.add(FieldNode("fv_header", "Firmware volume header", None, "_FVH", fv,
                                  max(min(hlen, n - fv), 56), kind="struct"))
        FV_HEADER.decode(buf, fv, n, node)
        bm = fv + 56
        for i in range(min(max((hlen - 56) // 8, 0), 64)):
            blocks, length = struct.unpack_from("<II", buf, bm + 8 * i)
            node.add(FieldNode(f"block_map_{i}", f"Block map {i}", blocks,
                               f"{blocks} × {length} bytes" if blocks else "end", bm + 8 * i, 8,
                               kind="struct"))
    if lay.store:
        node = root.add(FieldNode("store_header", "Variable store header", None,
                                  "authenticated" if lay.authenticated else "plain",
                                  lay.store_offset, STORE_HEADER_SIZE, kind="struct"))
        STORE_HEADER.decode(buf, lay.store_offset, n, node)
    if lay.usable:
        _variable_nodes(root, lay, buf, n)
    for f in lay.findings:
        rec.add_finding(f.level, f.message, f.offset, f.length, f.code)
    rec.summary = summary(lay)


def _variable_nodes(root: FieldNode, lay: VarStoreLayout, buf: bytes, n: int) -> None:
    first = align4(lay.store_offset + STORE_HEADER_SIZE)
    node = root.add(FieldNode("variables", "Variables", None, f"{len(lay.variables)} variables",
                              first, max(lay.free_offset - first, 0), kind="struct"))
    hl = lay.header_layout
    for i, v in enumerate(lay.variables[:MAX_NODES]):
        vn = node.add(FieldNode(f"variable_{i}", v.name or f"Variable {i}", v.name,
                                f"{v.state_text}, {attribute_text(v.attributes)}, {v.data_size} bytes",
                                v.offset, min(v.end, lay.store_end) - v.offset,
                                kind="struct", valid=v.complete))
        header = vn.add(FieldNode("header", "Header", None, hl.name, v.offset, hl.size, kind="struct"))
        hl.decode(buf, v.offset, n, header)
        if v.complete:
            vn.add(FieldNode("name", "Name", v.name, v.name, v.name_offset, v.name_size, kind="ascii"))
            if v.data_size:
                vn.add(FieldNode("data", "Data", None, f"{v.data_size} bytes", v.data_offset,
                                 v.data_size, kind="bytes"))
            pad = min(align4(v.end), lay.store_end) - v.end
            if pad > 0:  # the next header starts at a 4-byte boundary
                node.add(FieldNode(f"padding_{i}", "Alignment padding", None,
                                   f"{pad} bytes before the next header", v.end, pad,
                                   kind="bytes"))
    if lay.store_end > lay.free_offset:
        root.add(FieldNode("free", "Free space", None, f"{lay.store_end - lay.free_offset} bytes",
                           lay.free_offset, lay.store_end - lay.free_offset, kind="bytes"))
    if lay.ftw_offset is not None:
        root.add(FieldNode("ftw", "Fault-tolerant write working block", None,
                           "edk2 FTW (never written here)", lay.ftw_offset,
                           min(0x1000, n - lay.ftw_offset), kind="bytes"))


def summary(lay: VarStoreLayout) -> str:
    if not lay.usable:
        return "edk2 variable store that cannot be read"
    hw = lay.hw_errors()
    live = sum(v.live for v in hw)
    deleted = sum(v.state_text == DELETED for v in hw)
    other = len(hw) - live - deleted
    parts = [f"{live} live", f"{deleted} deleted"] + ([f"{other} never completed"] if other else [])
    first = align4(lay.store_offset + STORE_HEADER_SIZE)
    return (f"edk2 variable store: {len(lay.variables)} variables, {len(hw)} of them HwErrRec "
            f"({', '.join(parts)}); {lay.store_end - lay.free_offset} of "
            f"{lay.store_end - first} bytes of variable space free")
