"""Redfish ``LogEntry`` JSON from a BMC: one entry, a collection (``Members``), a list, or JSON
Lines. ``DiagnosticDataType`` "CPER" carries a whole record and "CPERSection" one section (a
72-byte descriptor then the body), both base64 in ``DiagnosticData``.

BMC output is not trusted: every value used is type-checked, a value of the wrong type is
reported with its JSON pointer (RFC 6901) and left out, and JSON that Python's parser cannot
hold (nesting deeper than its recursion limit, integers of thousands of digits) is reported
with the byte offset where it happens instead of raising.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from .base import Problem, RecordRef
from .eventxml import byte_offset_function
from .sniff import decode_text, text_codec
from .sniff import json_sniff as sniff  # noqa: F401 - the reader's sniff
from .winevent import parse_time

name = "redfish"
_KEYS = ('"DiagnosticData', '"@odata.', '"Members"', 'LogEntry')  # Redfish markers, anywhere
# A JSON document by its shape: "{" then a member name or "}", "[" then a value that is not a bare
# number (hex text such as "[0x43, ...]" or "{ 0x43, ...}" never matches); the head may end early.
_MEMBERS = re.compile(r'\s*:\s*\[')
_SPACE = re.compile(r'\s*')
_ENTRY_KEYS = ("@odata.id", "@odata.type", "EntryType", "Id", "Created", "Message", "Severity")
MAX_DEPTH = 200  # JSON nesting parsed; deeper values are read as null (a LogEntry needs ~5)
MAX_ENTRY_DEPTH = 16  # lists / Members nested inside each other that are walked for entries
MAX_INT_DIGITS = 40  # longer integer literals are kept as text (no 64-bit value is longer)
MAX_TEXT = 4096  # provenance strings are clipped to this many characters
MAX_LINE_PROBLEMS = 50  # JSON Lines: lines reported one by one before a summary
_LEVELS = ("note", "warning", "error")
MIN_RECORD_BYTES = 32  # DiagnosticData without a signature shorter than a header is no record
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.S)


class LongNumber(str):
    """An integer literal too long to be a value: kept as its text so parsing goes on."""


def _parse_int(text: str) -> int | LongNumber:
    return int(text) if len(text) <= MAX_INT_DIGITS else LongNumber(text)


class _Object(dict):
    """A JSON object that remembers the keys it was given more than once (the last value wins,
    as in every JSON parser; F7-16: a second "DiagnosticData" replaced the first silently)."""
    __slots__ = ("repeated",)


def _object(pairs: list) -> dict:
    obj = _Object(pairs)
    if len(obj) < len(pairs):
        seen: set = set()
        obj.repeated = list(dict.fromkeys(k for k, _ in pairs if k in seen or seen.add(k)))
    return obj


# one decoder for every document and line (json.loads makes a new one per call when given
# parse_int: most of the cost of a JSON Lines file of short lines)
_DECODER = json.JSONDecoder(parse_int=_parse_int, object_pairs_hook=_object)


def _loads(text: str):
    return _DECODER.decode(text)


class _Reader:
    def __init__(self, data: bytes, path: str, on_problem) -> None:
        self.path, self.on_problem = path, on_problem
        self.text = decode_text(data)
        self.byte_offset = byte_offset_function(data, self.text)
        self.counts: dict[str, int] = {}  # problems of one kind, listed up to MAX_LINE_PROBLEMS
        self.entry_problems, self.unlisted_level = 0, "note"
        if text_codec(data)[0] == "latin-1":  # JSON is UTF-8 (RFC 8259 §8.1); said, not silent (F7-16)
            try:
                bytes(data).decode("utf-8")
            except UnicodeDecodeError as exc:
                on_problem(Problem(path, exc.start, f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02X} "
                                                    "here); its text is read as Latin-1, so names and "
                                                    "messages may show wrong characters", "warning"))

    def limited(self, kind: str, message: str, level: str) -> None:
        n = self.counts[kind] = self.counts.get(kind, 0) + 1
        if n <= MAX_LINE_PROBLEMS:
            self.on_problem(Problem(self.path, None, message, level))

    def entry_problem(self, message: str, level: str) -> None:
        """A problem with one entry's values: the first MAX_LINE_PROBLEMS are listed, the rest
        counted (a file of 200,000 bad entries printed a line for each)."""
        self.entry_problems += 1
        if self.entry_problems <= MAX_LINE_PROBLEMS:
            self.problem(message, level)
        elif _LEVELS.index(level) > _LEVELS.index(self.unlisted_level):
            self.unlisted_level = level

    def summarise(self) -> None:
        for kind, n in self.counts.items():
            if n > MAX_LINE_PROBLEMS:
                self.problem(f"{n - MAX_LINE_PROBLEMS} more members {kind}", "note")
        if self.entry_problems > MAX_LINE_PROBLEMS:
            self.problem(f"{self.entry_problems - MAX_LINE_PROBLEMS} more problems with single entries are "
                         f"not listed (the first {MAX_LINE_PROBLEMS} are)", self.unlisted_level)

    def problem(self, message: str, level: str = "warning", pos: int | None = None) -> None:
        offset = self.byte_offset(pos) if pos is not None else None
        self.on_problem(Problem(self.path, offset, message, level))

    def documents(self) -> Iterator[tuple[object, str]]:
        """(document, label): the whole file, or each line of JSON Lines."""
        text = self.text
        try:
            yield _loads(text), ""
            return
        except RecursionError:
            first = ("deep", None)
            doc = self._without_deep_values(text)
            if doc is not None:
                yield doc, ""
                return
        except ValueError as exc:  # JSONDecodeError, or a number Python refuses
            first = ("invalid", exc)
        # JSON Lines needs lines that are whole objects: when too few could be, the text is one
        # document with a fault, and its (maybe 100,000) lines are not parsed one by one
        candidates = blank = count = 0
        for line in text.split("\n"):  # (counted, not kept: a file may hold a million lines)
            line = line.strip()
            count += 1
            blank += not line
            candidates += line[:1] == "{" and line[-1:] == "}"
        if not candidates or (first[0] == "invalid" and getattr(first[1], "msg", "") != "Extra data"
                              and 2 * candidates < count - blank):
            yield from self._recover(text, first)
            return
        parsed = []  # (line number, start, document or the error)
        start = 0
        failed = 0  # only the first MAX_LINE_PROBLEMS failures are kept (for their messages)
        for line_no, line in enumerate(text.split("\n"), 1):
            if line.strip():
                try:
                    parsed.append((line_no, start, _loads(line)))
                except RecursionError:
                    failed += 1
                    if failed <= MAX_LINE_PROBLEMS:
                        parsed.append((line_no, start, ("deep", None, line)))
                except ValueError as exc:
                    failed += 1
                    if failed <= MAX_LINE_PROBLEMS:
                        parsed.append((line_no, start, ("invalid", exc.with_traceback(None), line)))
            start += len(line) + 1
        objects = sum(isinstance(doc, dict) for _n, _s, doc in parsed)
        lines = len(parsed) - min(failed, MAX_LINE_PROBLEMS) + failed  # non-blank lines
        lines_mode = lines >= 2 and objects and (
            first[0] == "deep" or getattr(first[1], "msg", "") == "Extra data" or 2 * objects >= lines)
        if not lines_mode:  # one document with an error in it: keep what comes before the fault
            yield from self._recover(text, first)
            return
        for no, start, doc in parsed:
            if isinstance(doc, tuple):
                self._bad_json(doc[2], start, doc[:2], f"line {no}: ")
                continue
            yield doc, f"line {no} "
        if failed > MAX_LINE_PROBLEMS:
            self.problem(f"{failed - MAX_LINE_PROBLEMS} more lines are not valid JSON; skipped", "error")

    def _without_deep_values(self, text: str):
        """The document with every value nested deeper than ``MAX_DEPTH`` read as null (each
        reported with its byte range), or None when even that does not parse."""
        spans = _deep_spans(text, MAX_DEPTH)
        if not spans or spans[-1][1] is None:
            return None
        patched = []
        last = 0
        for i, (start, end) in enumerate(spans):
            patched += [text[last:start], f'"{_DEEP}{i}"']  # a marker string, found below
            last = end
        patched.append(text[last:])
        try:
            doc = _loads("".join(patched))
        except (RecursionError, ValueError):
            return None
        pointers = _replace_markers(doc)
        for i, (start, end) in enumerate(spans[:MAX_LINE_PROBLEMS]):
            a, b = self.byte_offset(start), self.byte_offset(end)
            where = _clip(pointers.get(i, ""))
            self.on_problem(Problem(self.path, a, f"{where + ': ' if where else ''}a JSON value nested more "
                                                  f"than {MAX_DEPTH} levels deep; read as null", "error",
                                    b - a))
        if len(spans) > MAX_LINE_PROBLEMS:
            self.problem(f"{len(spans) - MAX_LINE_PROBLEMS} more values nested too deep; read as null",
                         "error")
        return doc

    def _recover(self, text: str, first) -> Iterator[tuple[object, str]]:
        """One document with a fault: the document before trailing data, or each complete item
        of the top-level ``Members`` array before the fault (read one by one), so one syntax
        error does not lose the entries a BMC wrote before it."""
        kind, exc = first
        decoder = json.JSONDecoder(parse_int=_parse_int, object_pairs_hook=_object)
        if kind == "invalid" and getattr(exc, "msg", "") == "Extra data":
            try:
                doc, _end = decoder.raw_decode(text, len(text) - len(text.lstrip()))
            except (RecursionError, ValueError):
                doc = None
            if doc is not None:
                self.problem(f"not valid JSON: data after the JSON document (line {exc.lineno} column "
                             f"{exc.colno}); ignored", "error", exc.pos)
                yield doc, ""
                return
        at = None
        if isinstance(exc, json.JSONDecodeError):  # a top-level list of entries, or a collection
            top = _SPACE.match(text).end()
            at = top + 1 if text[top:top + 1] == "[" else _members_start(text)
        is_list = at is not None and text[at - 1] == "[" and at - 1 == _SPACE.match(text).end()
        items: list = []
        skipped: list[int] = []  # where a damaged item was left out (the next line's item read)
        pos = at
        while pos is not None:
            pos = _SPACE.match(text, pos).end()  # not a slice: items are read in linear time
            if text[pos:pos + 1] == "]":
                break
            try:
                item, pos = decoder.raw_decode(text, pos)
            except (RecursionError, ValueError):
                # a damaged member: go on at the next one that starts a line (a BMC writes one
                # member per line, or pretty-printed): "a good record beside a bad one is kept"
                pos = self._next_member(text, pos, len(skipped))
                if pos is None:
                    break
                skipped.append(pos)
                continue
            if skipped and not _member_like(item):  # a resync that met an object inside a member
                pos = self._next_member(text, pos - 1, len(skipped))
                if pos is None:
                    break
                continue
            items.append(item)
            pos = _SPACE.match(text, pos).end()
            if text[pos:pos + 1] != ",":
                if not skipped or text[pos:pos + 1] == "]":
                    break
                pos = self._next_member(text, pos, len(skipped))  # (after a resync: on to the next)
                if pos is None:
                    break
                continue
            pos += 1
        if not items:
            self._bad_json(text, 0, first, "")
            return
        where = "before it" if at < exc.pos else "in /Members"
        rest = (f"the damaged member{'s' if len(skipped) > 1 else ''} left out, read on at the next "
                f"member; kept {_entries_text(len(items))}") if skipped else \
            f"the rest is not read; kept {_entries_text(len(items))} {'before it' if is_list else where}"
        self.problem(f"not valid JSON: {exc.msg} (line {exc.lineno} column {exc.colno}); {rest}", "error",
                     exc.pos)
        yield (items if is_list else {"Members": items}), ""

    @staticmethod
    def _next_member(text: str, pos: int, tries: int) -> int | None:
        """Where the next member starts after a damaged one at ``pos``: an ``{`` that begins a
        line at the members' indentation. At most MAX_RESYNC of them are tried (each failed try
        reads at most up to its own fault), so hostile text stays linear."""
        if tries >= MAX_RESYNC:
            return None
        m = _MEMBER_LINE.search(text, pos + 1)
        return m.end() - 1 if m else None

    def _bad_json(self, text: str, start: int, first, label: str) -> None:
        kind, exc = first
        if kind == "deep":
            depth, pos = _nesting(text)
            self.problem(f"{label}JSON nested {depth} levels deep, more than the parser can hold "
                         "(the offset is where it passes 256 levels); not read", "error", start + pos)
        elif isinstance(exc, json.JSONDecodeError):
            place = f"column {exc.colno}" if label else f"line {exc.lineno} column {exc.colno}"
            self.problem(f"{label}not valid JSON: {exc.msg} ({place}); not read", "error", start + exc.pos)
        else:
            self.problem(f"{label}JSON cannot be read: {str(exc)[:200]}", "error", start)


def _member_like(item) -> bool:
    """A LogEntry (or a member a reader knows), not an object nested in one."""
    return isinstance(item, dict) and any(k.startswith("@odata") or k in ("DiagnosticData", "Id")
                                          for k in item)


MAX_RESYNC = 1000
_MEMBER_LINE = re.compile(r"\n[ \t]*\{")


def _entries_text(n: int) -> str:
    return f"{n} complete entr{'y' if n == 1 else 'ies'}"


def _members_start(text: str) -> int | None:
    """Character index just after the ``[`` of the top-level ``"Members": [``, found by one scan
    that skips strings, or None."""
    depth = 0
    for m in _TOKEN.finditer(text):
        c = m.group()
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        elif depth == 1 and c == '"Members"':
            after = _MEMBERS.match(text, m.end())
            if after:
                return after.end()
    return None


def _nesting(text: str, limit: int = 256) -> tuple[int, int]:
    """(deepest nesting, character index of the bracket that opens level ``limit + 1``, or the
    deepest level when shallower) by one linear scan that skips strings."""
    depth = deepest = where = 0
    for m in _TOKEN.finditer(text):
        c = m.group()[0]
        if c in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if depth <= limit + 1:
                    where = m.start()
        elif c in "]}":
            depth -= 1
    return deepest, where


_DEEP = "\\u0000whea-deep-"
_MARKER = re.compile("\0whea-deep-([0-9]{1,9})")


def _replace_markers(doc) -> dict[int, str]:
    """Set each marker string left by ``_without_deep_values`` to None; {marker: JSON pointer}."""
    found: dict[int, str] = {}
    stack: list[tuple[str, object]] = [("", doc)]
    while stack:
        pointer, node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            p = f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}"
            m = _MARKER.fullmatch(value) if isinstance(value, str) else None
            if m:
                found[int(m.group(1))] = p
                node[key] = None
            elif isinstance(value, dict | list):
                stack.append((p, value))
    return found


def _deep_spans(text: str, limit: int) -> list[tuple[int, int | None]]:
    """(start, end) character ranges of the values that open nesting level ``limit + 1``; end
    is None when the text ends inside one."""
    spans: list[tuple[int, int | None]] = []
    depth = 0
    for m in _TOKEN.finditer(text):
        c = m.group()[0]
        if c in "[{":
            depth += 1
            if depth == limit + 1:
                spans.append((m.start(), None))
        elif c in "]}":
            if depth == limit + 1 and spans:
                spans[-1] = (spans[-1][0], m.end())
            depth = max(depth - 1, 0)
    return spans


def read_bytes(data: bytes, path: str, on_problem) -> Iterator[RecordRef]:
    reader = _Reader(data, path, on_problem)
    found = 0
    member = 0
    for doc, label in reader.documents():
        for pointer, entry in _entries(doc, reader, label):
            ref = _entry_ref(entry, pointer, label, reader)
            if ref is not None:
                ref.source["member"] = member  # position among the file's log entries
                member += 1
                found += 1
                yield ref
    reader.summarise()
    if not found:
        redfish = any(k in reader.text for k in _KEYS)
        on_problem(Problem(path, None, "no LogEntry with CPER or CPERSection diagnostic data" if redfish else
                           "JSON with no Redfish LogEntry (no @odata, Members or DiagnosticData); not read",
                           "warning"))


def _entries(doc, reader: _Reader, label: str) -> Iterator[tuple[str, dict]]:
    """(JSON pointer, LogEntry object) for each entry, depth first in file order; walked with an
    explicit stack so no nesting can exhaust Python's recursion limit."""
    stack: list[tuple[str, object, int]] = [("", doc, 0)]
    while stack:
        pointer, node, depth = stack.pop()
        if isinstance(node, list) or (isinstance(node, dict) and isinstance(node.get("Members"), list)):
            if depth >= MAX_ENTRY_DEPTH:
                reader.problem(f"{label}{pointer or '/'}: collections nested more than {MAX_ENTRY_DEPTH} "
                               "deep; the rest is not read", "error")
                continue
            items = node if isinstance(node, list) else node["Members"]
            base = pointer if isinstance(node, list) else f"{pointer}/Members"
            children = []
            for i, item in enumerate(items):
                p = f"{base}/{i}"
                if isinstance(item, dict) and item and set(item) <= {"@odata.id"}:
                    reader.problem(f"{label}{p}: collection member {_clip(_text(item['@odata.id']))} is "
                                   "only a link; export the collection with $expand=. to include it")
                    continue
                children.append((p, item, depth + 1))
            stack.extend(reversed(children))
        elif not isinstance(node, dict):
            reader.entry_problem(f"{label}{pointer or '/'}: is {_describe(node)}, not a LogEntry object; "
                                 "ignored", "warning")
        else:
            if "Members" in node and node["Members"] is not None:
                reader.problem(f"{label}{pointer}/Members: is {_describe(node['Members'])}, not an array; "
                               "ignored")
            yield pointer, node


def _text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)[:80] if _small(value) else \
        f"<{type(value).__name__}>"


def _small(value) -> bool:
    return value is None or isinstance(value, bool | float) or (isinstance(value, int) and abs(value) < 1 << 64)


def _clip(text: str) -> str:
    return text if len(text) <= 120 else text[:117] + "…"


def _describe(value) -> str:
    if isinstance(value, LongNumber):
        return f"a {len(value.lstrip('-'))}-digit number"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, dict):  # (_Object too)
        return "an object"
    return {list: "an array", type(None): "null", str: "a string"}.get(type(value), type(value).__name__)


class _Fields:
    """Typed reads of one LogEntry's members, reporting each wrong type with its JSON pointer."""

    def __init__(self, entry: dict, pointer: str, label: str, reader: _Reader, entry_name: str) -> None:
        self.entry, self.pointer, self.label, self.reader = entry, pointer, label, reader
        self.entry_name = entry_name

    def text(self, key: str, *, obj: dict | None = None, where: str = "", accept_int: bool = False
             ) -> str | None:
        obj = self.entry if obj is None else obj
        if key not in obj or obj[key] is None:
            return None
        value = obj[key]
        if accept_int and isinstance(value, int) and not isinstance(value, bool) and _small(value):
            return str(value)
        if isinstance(value, str) and not isinstance(value, LongNumber):
            if len(value) > MAX_TEXT:
                self.report(f"{where}/{key}", f"is {len(value)} characters long; clipped to {MAX_TEXT}",
                            "note")
                return value[:MAX_TEXT - 1] + "…"
            return value
        self.report(f"{where}/{key}", f"is {_describe(value)}, not a string; ignored")
        return None

    def report(self, rel: str, message: str, level: str = "warning") -> None:
        self.reader.entry_problem(f"{self.label}{self.pointer}{_escape_path(rel)} ({self.entry_name}): "
                                  f"{message}", level)


def _escape_path(rel: str) -> str:
    """``~`` → ``~0`` in each segment of a pointer written here (RFC 6901)."""
    return "/".join(p.replace("~", "~0") for p in rel.split("/"))


def _entry_ref(entry: dict, pointer: str, label: str, reader: _Reader) -> RecordRef | None:
    raw_id = entry.get("Id")
    entry_name = f"LogEntry {_clip(raw_id)}" if isinstance(raw_id, str) and not isinstance(
        raw_id, LongNumber) else "LogEntry"
    f = _Fields(entry, pointer, label, reader, entry_name)
    for key in getattr(entry, "repeated", None) or ():
        if key in _ENTRY_KEYS or key in ("DiagnosticData", "DiagnosticDataType", "Id"):
            f.report(f"/{key}", "is given more than once in this entry; the last value is used")
    dtype = entry.get("DiagnosticDataType")
    raw = entry.get("DiagnosticData")
    if dtype is None:
        if raw is not None:
            if _b64_head(raw) == b"CPER":  # the record names itself; a BMC that omits the type
                f.report("/DiagnosticDataType", "is missing; DiagnosticData starts with the CPER signature, "
                         "so it is read as a whole record")
                dtype = "CPER"
            else:
                f.report("/DiagnosticDataType", "is missing and DiagnosticData is not a CPER record; skipped")
                return None
        elif pointer or any(k in entry for k in _ENTRY_KEYS):  # e.g. a SEL text entry
            reader.limited("without DiagnosticData", f"{label}{pointer or '/'} ({entry_name}): has no "
                           "DiagnosticData (not a CPER entry); skipped", "note")
        if dtype is None:
            return None
    if not isinstance(dtype, str) or isinstance(dtype, LongNumber):
        f.report("/DiagnosticDataType", f"is {_describe(dtype)}, not a string; the entry is not read", "error")
        return None
    if dtype not in ("CPER", "CPERSection"):
        reader.limited("of another DiagnosticDataType", f"{label}{pointer}/DiagnosticDataType ({entry_name}): "
                       f"is {_clip(dtype)!r}, not CPER or CPERSection; skipped", "note")
        return None
    entry_id = f.text("Id", accept_int=True)
    if raw is None:
        where = f.text("AdditionalDataURI")
        f.report("/DiagnosticData", "no DiagnosticData in the file" + (f" (it is at {_clip(where)})" if where
                                                                        else ""))
        return None
    if not isinstance(raw, str) or isinstance(raw, LongNumber):
        f.report("/DiagnosticData", f"is {_describe(raw)}, not base64 text; the entry is not read", "error")
        return None
    if not raw.strip():
        f.report("/DiagnosticData", "is empty; the entry is not read", "error")
        return None
    try:
        data = base64.b64decode("".join(raw.split()), validate=True)
    except (binascii.Error, ValueError):
        f.report("/DiagnosticData", "DiagnosticData is not valid base64; skipped", "error")
        return None
    if dtype == "CPER" and len(data) < MIN_RECORD_BYTES and data[:4] != b"CPER":
        f.report("/DiagnosticData", f"holds {len(data)} byte(s) and no CPER signature: too few for a "
                                    "record; skipped", "error")
        return None
    odata_id = f.text("@odata.id") or ""
    links = entry.get("Links")
    origin = None
    if isinstance(links, dict):
        origin = _origin(links, "/Links", f)
    elif links is not None:
        f.report("/Links", f"is {_describe(links)}, not an object; ignored")
    if origin is None:
        origin = _origin(entry, "", f)
    src = {"path": reader.path, "offset": 0, "kind": name,
           "format": "section" if dtype == "CPERSection" else "cper",
           "entry_id": entry_id, "created": _created(f), "origin_of_condition": origin,
           "message": f.text("Message"), "odata_id": odata_id or None, "host": host_of(odata_id),
           "diagnostic_data_type": dtype, "json_pointer": pointer or "/"}
    if label:
        src["line"] = int(label.split()[1])
    return RecordRef(data, src)


def _b64_head(raw) -> bytes:
    """The first 4 decoded bytes of base64 text (b"" when it is not base64 text)."""
    if not isinstance(raw, str) or isinstance(raw, LongNumber):
        return b""
    try:
        return base64.b64decode("".join(raw[:64].split())[:8], validate=True)[:4]
    except (binascii.Error, ValueError):
        return b""


def _created(f: _Fields) -> str | None:
    """``Created`` as written; a time that is not a real date is kept as text and named."""
    created = f.text("Created")
    _utc, issue = parse_time(created)
    if issue:
        f.report("/Created", issue.removeprefix("TimeCreated "))
    return created


def _origin(obj: dict, where: str, f: _Fields) -> str | None:
    """``OriginOfCondition`` is a link object ``{"@odata.id": ...}``; some BMCs write the URI."""
    value = obj.get("OriginOfCondition")
    if isinstance(value, dict):
        return f.text("@odata.id", obj=value, where=f"{where}/OriginOfCondition")
    return f.text("OriginOfCondition", obj=obj, where=where)


def host_of(odata_id: str) -> str | None:
    """The BMC host when ``@odata.id`` is a full URL, else the owning resource
    (``Systems/1``, ``Managers/bmc``, ``Chassis/1``) from the path."""
    if not odata_id or not isinstance(odata_id, str):
        return None
    try:
        parts = urlsplit(odata_id)
        netloc = parts.netloc
    except ValueError:  # e.g. an invalid IPv6 literal in the authority
        return None
    if netloc:
        return netloc
    segs = [s for s in parts.path.split("/") if s]
    if len(segs) >= 4 and segs[0] == "redfish":
        return f"{segs[2]}/{segs[3]}"
    return None
