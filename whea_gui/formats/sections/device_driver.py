"""Sections written by device drivers through the WHEA device-driver error source.

A driver reports an error with ``WheaReportHwErrorDeviceDriver`` / ``WheaAddHwErrorReportSection-
DeviceDriver`` (WDK ntddk.h): the record gets creator DEFAULT_DEVICE_DRIVER_CREATOR_GUID, notify type
DEVICE_DRIVER_NOTIFY_TYPE_GUID and header flag DeviceDriver, and the section type GUID and body are
whatever the driver passes. The WDK documents only that envelope, not any driver's body.

Storport (storport.sys, for stornvme, storahci and other miniports) writes sections with an all-zero
type GUID whose body starts with the ASCII tag "STORPORT" (DecodeWheaRecord issue #4, issue #15;
MicrosoftDocs/feedback #4020 asks Microsoft to document it, still open). No public source gives its
layout, so this decoder claims only what the bytes show by themselves:

  * printable strings (ASCII, and UTF-16LE as Windows stores driver names), each a located node;
  * in a Storport body, the roles of strings read from their text: the first UTF-16 string that is a
    plain file-name-like word is the miniport driver; the ASCII string(s) after it are the device's
    identification strings (an 8-character vendor field and a model field, as in SCSI INQUIRY data);
  * every other byte stays raw, and a note says the layout is undocumented.

No status code is claimed: none is documented for these bodies.
"""

from __future__ import annotations

import re
from typing import Any

from ...core.fields import Field, Layout, layout_json, make_node
from ...core.model import NOTE
from ...core.sections import SectionContext, register_fallback
from ._kit import raw_node

DEVICE_DRIVER_CREATOR = "57217c8d-5e66-44fb-8033-9b74cacedf5b"
DEVICE_DRIVER_NOTIFY = "0033f803-2e70-4e88-992c-6f26daf3db7a"
STORPORT_TAG = b"STORPORT"
MIN_CHARS = 4  # a NUL-terminated (or UTF-16) run this long counts as a string
MIN_CHARS_UNTERMINATED = 6  # an ASCII run not followed by NUL must be longer (binary noise)
MAX_STRINGS = 64  # nodes per section; a hostile body cannot grow the tree without bound
_DRIVER_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]{1,31}")
_SCSI_VENDOR_CHARS = 8


def _applies(ctx: SectionContext) -> bool:
    """A section of a device-driver record (any type GUID without a decoder of its own), or one whose
    body carries the Storport tag."""
    header = ctx.record.header or {}
    creator = ctx.creator_id or header.get("creator_id") or ""
    if creator == DEVICE_DRIVER_CREATOR or header.get("notify_type") == DEVICE_DRIVER_NOTIFY:
        return True
    return bytes(ctx.data[ctx.offset:ctx.offset + len(STORPORT_TAG)]) == STORPORT_TAG


def find_strings(data: bytes, start: int, end: int) -> list[dict[str, Any]]:
    """Printable runs in ``data[start:end]``: {offset, length, text, encoding} (record offsets).

    UTF-16LE runs are looked for first at each position, so an ASCII run stops where one begins
    (bytes that read both ways are taken as UTF-16: Windows stores names that way).
    """
    out: list[dict[str, Any]] = []
    i = start
    while i < end and len(out) < MAX_STRINGS:
        n16 = _utf16_run(data, i, end)
        if n16 >= MIN_CHARS:
            text = bytes(data[i:i + 2 * n16]).decode("utf-16-le")
            out.append({"offset": i, "length": 2 * n16, "text": text, "encoding": "utf-16le"})
            i += 2 * n16
            continue
        j = i
        while j < end and 0x20 <= data[j] < 0x7F and (j == i or _utf16_run(data, j, end) < MIN_CHARS):
            j += 1
        terminated = j < end and data[j] == 0
        if j - i >= (MIN_CHARS if terminated else MIN_CHARS_UNTERMINATED) or (
                j - i >= MIN_CHARS and j == end):
            out.append({"offset": i, "length": j - i, "text": bytes(data[i:j]).decode("ascii"),
                        "encoding": "ascii"})
            i = j
        else:
            i = max(j, i + 1)
    return out


def _utf16_run(data: bytes, i: int, end: int) -> int:
    n = 0
    while i + 1 < end and 0x20 <= data[i] < 0x7F and data[i + 1] == 0:
        n += 1
        i += 2
        if n >= 256:
            break
    return n


@register_fallback(_applies)
def decode_device_driver(ctx: SectionContext) -> dict[str, Any]:
    body, end = ctx.offset, ctx.end
    storport = bytes(ctx.data[body:body + len(STORPORT_TAG)]) == STORPORT_TAG
    strings = find_strings(ctx.data, body, end)
    roles = _storport_roles(strings) if storport else {}
    found = []
    pos = body
    for k, s in enumerate(strings):
        if s["offset"] > pos:
            _gap(ctx, pos, s["offset"])
        found.append(_string(ctx, k, s, roles.get(k, "")))
        pos = s["offset"] + s["length"]
    if pos < end:
        _gap(ctx, pos, end)
    named = {role: strings[k]["text"].strip() for role in _NAMED for k, r in roles.items()
             if r == role}
    # every key is computed from the strings found: the WDK documents no field of the body
    fields = layout_json(_BODY, {}, extra={"producer": "Storport" if storport else None,
                                           "strings": found, **named})
    covered = sum(s["length"] for s in strings)
    what = "Storport" if storport else "device-driver"
    ctx.finding(NOTE, f"the layout of this {what} section is not publicly documented: "
                      f"{len(strings)} printable string(s) are shown where they lie"
                      + (" (their roles read from their text)" if roles else "")
                      + f"; the other {ctx.length - covered} bytes are shown raw and not interpreted",
                code="undocumented-layout")
    _describe(ctx, fields, storport)
    return fields


_NOT_DOCUMENTED = "A printable run of bytes; what it means is not documented"
_BODY = Layout("device_driver_body", [])  # no documented field
_NAMED = ("driver", "device_vendor", "device_model")  # roles published as keys of their own


def string_layout(name: str, label: str, length: int, description: str) -> Layout:
    """A string found in the body: one field of its own length, where it lies."""
    return Layout(name, [Field(name, label, length, "ascii", description=description)])


def _string(ctx: SectionContext, k: int, s: dict[str, Any], role: str) -> dict[str, Any]:
    """The located node of string ``k`` and its JSON (offset from the body start)."""
    label = _ROLE_LABEL.get(role, f"String ({'UTF-16LE' if s['encoding'] != 'ascii' else 'ASCII'})")
    layout = string_layout(role or f"string_{k}", label, s["length"],
                           _ROLE_HELP.get(role, _NOT_DOCUMENTED))
    name = layout.fields[0].name
    text = s["text"]
    values, _count = layout.decode(ctx.data, s["offset"], ctx.end, ctx.node, {
        name: lambda f, _raw, off: make_node(f, text, off, display=repr(text))})
    return layout_json(layout, values, keys={name: "text"}, convert={name: lambda _raw: text},
                       extra={"offset": s["offset"] - ctx.offset, "length": s["length"],
                              "encoding": s["encoding"], **({"role": role} if role else {})},
                       order=("offset", "length", "text", "encoding"))
_ROLE_LABEL = {"tag": "Tag", "driver": "Driver (miniport)", "device_vendor": "Device vendor",
               "device_model": "Device model"}
_ROLE_HELP = {
    "tag": "The ASCII tag Storport writes at the start of its sections",
    "driver": "Read from the text: the first UTF-16 string, shaped like a driver file name",
    "device_vendor": "Read from the text: an ASCII string of the 8-character vendor field",
    "device_model": "Read from the text: the ASCII device identification string after the driver",
}


def _storport_roles(strings: list[dict]) -> dict[int, str]:
    roles: dict[int, str] = {}
    if strings and strings[0]["encoding"] == "ascii" and strings[0]["text"].startswith(
            STORPORT_TAG.decode()):
        roles[0] = "tag"
    driver = next((k for k, s in enumerate(strings) if s["encoding"] == "utf-16le"
                   and _DRIVER_NAME.fullmatch(s["text"])), None)
    if driver is None:
        return roles
    roles[driver] = "driver"
    after = [k for k in range(driver + 1, len(strings)) if strings[k]["encoding"] == "ascii"
             and strings[k]["text"].strip()][:2]
    if len(after) == 2 and strings[after[0]]["length"] <= _SCSI_VENDOR_CHARS:
        roles[after[0]], roles[after[1]] = "device_vendor", "device_model"
    elif after:
        roles[after[0]] = "device_model"
    return roles


def _gap(ctx: SectionContext, start: int, stop: int) -> None:
    raw_node(ctx.node, ctx, f"bytes_{start - ctx.offset}", f"Bytes {start - ctx.offset}-"
             f"{stop - ctx.offset - 1} (undocumented)", start, stop - start, description=_NOT_DOCUMENTED)


def _describe(ctx: SectionContext, f: dict, storport: bool) -> None:
    sec = ctx.section
    loc = {k: f[k] for k in ("driver", "device_vendor", "device_model") if f.get(k)}
    sec.location = loc
    if storport:
        sec.component = "storage"
        text = "Storport device-driver error report"
        if "driver" in loc:
            text += f" by driver {loc['driver']}"
        model = " ".join(loc[k] for k in ("device_vendor", "device_model") if k in loc)
        if model:
            text += f" for device {model}"
        sec.summary = text + " (the rest of the section is undocumented)"
        return
    shown = ", ".join(repr(s["text"].strip()) for s in f["strings"][:3])
    sec.summary = "Device-driver error data in an undocumented layout" + (
        f"; strings: {shown}" if shown else "")
