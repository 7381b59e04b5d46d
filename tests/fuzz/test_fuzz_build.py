"""Fuzz ``whea build`` with hostile JSON (issue #15).

A seeded mutator changes the ``whea decode --json`` output of every shared vector: types,
values (integer boundaries, hex and base64 lengths, GUIDs, year-1 timestamps), structure
(missing keys, containers swapped for numbers, a top-level array), nesting and encoding
(non-UTF-8 bytes, truncation, huge number literals). Each case is built in-process with
``build_line``: the only exception allowed out is ``BuildInputError`` (a message naming the
place), and memory stays bounded. A sample goes through the CLI: exit codes 0/1/2 only, no
traceback, no output file when nothing could be built, good lines still built beside bad ones.

``python tests/fuzz/test_fuzz_build.py [--legacy] [--cases N]`` prints the counts (``--legacy``
drives the old entry point, ``json.loads`` + ``build_record``, to measure the code before #15).
"""

from __future__ import annotations

import base64
import copy
import functools
import json
import os
import random
import subprocess
import sys
import tracemalloc
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT.parent / "shared" / "vectors"
SEED = int(os.environ.get("WHEA_FUZZ_SEED", "15"))
CASES = int(os.environ.get("WHEA_FUZZ_CASES", "3000"))
MAX_SIZE = 1 << 20  # a 1 MiB record cap keeps the cases fast; the checks scale with it
MEMORY_BOUND = 64 << 20  # tracemalloc peak of one case, far below what the old code took

HOSTILE = [None, True, False, 0, -1, 1.5, 1e14, 255, 256, 65535, 65536, 70000, 2**32 - 1, 2**32,
           3000000000, 2**63, 2**64 - 1, 2**64, 2**100, -2**63, "", "x", "0x10", "1e14", "-5",
           "0x" + "F" * 40, "not-a-guid", "00000000-0000-0000-0000-00000000000g", "\x00", "é",
           "\ud800", [], {}, [1, 2], {"a": 1}, "A" * 5000, "0001-01-01T00:00:00",
           "9999-12-31T23:59:59.999999", "2024-02-30T00:00:00", "1969-12-31T23:59:59+05:00",
           "10000-01-01T00:00:00", "QUJD", "QUJ", "!!!!", "cper", "whlg", "memory", "Fatal",
           "Fatal (1)", float("nan"), float("inf")]
BUILDER_KEYS = ["length", "kind", "header", "sections", "extra_bytes", "type", "revision",
                "signature_hex", "signature_end", "timestamp", "timestamp_raw", "timestamp_encoding",
                "timestamp_precise", "body_base64", "body_hex", "body_offset", "offset",
                "descriptor_offset", "section_count", "fields", "fields_type", "payload_base64",
                "payload_offset", "severity", "severity_name", "fru_text", "fru_text_hex",
                "creator_id", "platform_id_raw", "reserved_hex", "valid_bits", "flags", "record_id"]
DEEP = "\x00deep\x00"  # placeholder replaced by deeply nested brackets after serialising


@functools.lru_cache(maxsize=1)
def vector_records() -> list[tuple[str, bytes, str]]:
    """(name, record bytes, its decode --json line) for every record in the shared vectors."""
    from whea_gui.decode import decode_record, record_to_json
    from whea_gui.sources import iter_path
    from whea_gui.sources.base import SourceError
    out = []
    for path in sorted(p for p in VECTORS.rglob("*")
                       if p.is_file() and p.suffix in (".bin", ".cper", ".cperhex", ".evtx")):
        try:
            refs = list(iter_path(path))
        except SourceError:
            continue
        for ref in refs:
            obj = record_to_json(decode_record(ref.data, source=ref.source))
            out.append((f"{path.relative_to(VECTORS)}@{ref.source.get('offset')}", ref.data,
                        json.dumps(obj)))
    return out


# -- the mutator ----------------------------------------------------------------------------------
def _paths(x, path=()):
    yield path
    if isinstance(x, dict):
        for k, v in x.items():
            yield from _paths(v, path + (k,))
    elif isinstance(x, list):
        for i, v in enumerate(x[:40]):
            yield from _paths(v, path + (i,))


def _get(x, path):
    for p in path:
        x = x[p]
    return x


def _set(x, path, value):
    if not path:
        return value
    _get(x, path[:-1])[path[-1]] = value
    return x


class Mutator:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def case(self, text: str) -> tuple[str, bytes]:
        """One hostile line from a decode --json line: (what was done, the bytes)."""
        r = self.r
        obj = json.loads(text)
        done = []
        for _ in range(r.choice([1, 1, 1, 2, 3])):
            op = r.choice(OBJECT_OPS)
            obj = op(self, obj)
            done.append(op.__name__)
        line = json.dumps(obj).encode("utf-8", "surrogatepass")
        if DEEP.encode() in line or b"\\u0000deep\\u0000" in line:
            d = r.choice([MAX_DEPTH_PLUS, 100, 1000, 100000])
            nest = (b"[" * d + b"]" * d) if r.random() < 0.5 else (b'{"a":' * d + b"1" + b"}" * d)
            line = line.replace(b'"\\u0000deep\\u0000"', nest, 1)
        if r.random() < 0.25:
            op = r.choice(TEXT_OPS)
            line = op(self, line)
            done.append(op.__name__)
        return "+".join(done), line

    # object mutations
    def replace_value(self, obj):
        path = self.r.choice(list(_paths(obj)))
        return _set(obj, path, copy.deepcopy(self.r.choice(HOSTILE)))

    def boundary_int(self, obj):
        paths = [p for p in _paths(obj) if p and isinstance(_get(obj, p), int)]
        if not paths:
            return obj
        p = self.r.choice(paths)
        v = _get(obj, p)
        k = self.r.choice([1, 2, 4, 8])
        new = self.r.choice([v + 1, v - 1, -v - 1, 2 ** (8 * k), 2 ** (8 * k) - 1, v * 2**32,
                             float(v), str(v), hex(v), 1e14, 3000000000, MAX_SIZE, MAX_SIZE + 1])
        return _set(obj, p, new)

    def mutate_string(self, obj):
        paths = [p for p in _paths(obj) if p and isinstance(_get(obj, p), str)]
        if not paths:
            return obj
        p = self.r.choice(paths)
        v = _get(obj, p)
        n = len(v)
        new = self.r.choice([v[:n // 2], v[:-1], v + "0", v + "00", v + "A", v[:1] + "g" + v[2:],
                             v.upper(), " " + v, v + "\u20ac", "", "0001" + v[4:], "10000" + v[4:],
                             v.replace("-", ""), "{" + v + "}", v * 3])
        return _set(obj, p, new)

    def edit_body_field(self, obj):
        """A decoded body field changed: written back through its located field."""
        paths = [p for p in _paths(obj) if len(p) > 3 and p[0] == "sections" and p[2] == "fields"
                 and not isinstance(_get(obj, p), (dict, list))]
        if not paths:
            return obj
        p = self.r.choice(paths)
        v = _get(obj, p)
        new = self.r.choice(HOSTILE + [v, str(v), "zz", "0x" + "f" * 20, -1, 2**64, "set",
                                       "1969-01-01T00:00:00", "2025-01-01T00:00:00"])
        return _set(obj, p, copy.deepcopy(new))

    def delete_key(self, obj):
        paths = [p for p in _paths(obj) if p and isinstance(_get(obj, p[:-1]), dict)]
        if paths:
            p = self.r.choice(paths)
            del _get(obj, p[:-1])[p[-1]]
        return obj

    def add_key(self, obj):
        dicts = [p for p in _paths(obj) if isinstance(_get(obj, p), dict)]
        if dicts:
            _get(obj, self.r.choice(dicts))[self.r.choice(BUILDER_KEYS)] = copy.deepcopy(
                self.r.choice(HOSTILE))
        return obj

    def retype_container(self, obj):
        paths = [p for p in _paths(obj) if isinstance(_get(obj, p), (dict, list))]
        if not paths:
            return obj
        p = self.r.choice(paths)
        return _set(obj, p, self.r.choice([5, "x", None, [], {}, [5], [None], {"0": 1}, True]))

    def top_level(self, obj):
        return self.r.choice([[obj], [obj, obj], 5, "cper", None, [], {}, 1e14, {"length": 3000000000},
                              {"length": 1e14}, {"sections": 5}, {"sections": [5]},
                              {"header": {"revision": 70000}}, {"header": {"signature_hex": "00" * 5}}])

    def many_sections(self, obj):
        secs = obj.get("sections") if isinstance(obj, dict) else None
        if isinstance(secs, list) and secs:
            k = self.r.choice([2, 10, 300])
            obj["sections"] = (secs * k)[:2000]
            if self.r.random() < 0.5:
                for s in obj["sections"]:
                    if isinstance(s, dict):
                        s.pop("descriptor_offset", None)
                        s.pop("body_offset", None)
        elif isinstance(obj, dict):
            obj.setdefault("header", {})
            if isinstance(obj["header"], dict):
                obj["header"]["section_count"] = self.r.choice([65535, 65536, 70000])
        return obj

    def deep_nesting(self, obj):
        paths = [p for p in _paths(obj)]
        return _set(obj, self.r.choice(paths), DEEP)

    def big_sizes(self, obj):
        if not isinstance(obj, dict):
            return obj
        size = self.r.choice([MAX_SIZE - 200, MAX_SIZE + 1, 3000000000, 2**32, 2**64, 10**14])
        target = self.r.choice(["length", "extra", "body", "payload", "offset"])
        if target == "length":
            obj["length"] = size
        elif target == "extra":
            obj["extra_bytes"] = [{"offset": size, "length": 4, "base64": "QUJDRA=="}]
        elif target == "body" and isinstance(obj.get("sections"), list) and obj["sections"] \
                and isinstance(obj["sections"][0], dict):
            n = self.r.choice([10, MAX_SIZE // 2, MAX_SIZE + 3])
            obj["sections"][0]["body_base64"] = base64.b64encode(bytes(n)).decode()
        elif target == "payload":
            obj["payload_offset"] = size
            obj["payload_base64"] = "QUJD"
        elif isinstance(obj.get("sections"), list) and obj["sections"] \
                and isinstance(obj["sections"][-1], dict):
            obj["sections"][-1][self.r.choice(["body_offset", "descriptor_offset", "offset",
                                               "length"])] = size
        return obj

    def timestamps(self, obj):
        h = obj.get("header") if isinstance(obj, dict) else None
        if isinstance(h, dict):
            h["timestamp"] = self.r.choice(["0001-01-01T00:00:00", "1969-12-31T23:59:59",
                                            "9999-12-31T23:59:59", "2025-13-01T00:00:00", 5, None,
                                            "2025-01-01T00:00:00+14:00", "0001-01-01"])
            h[self.r.choice(["timestamp_encoding", "timestamp_raw", "creator_id",
                             "timestamp_precise"])] = self.r.choice(
                ["unix", "bcd", "binary", "weird", "ff" * 8, "99" * 8, "00" * 7, 1,
                 "6ff4ac48-3d4d-41e8-8b8b-b5d5e7f1b6b6", "cf07c4bd-b789-4e18-b3c4-1f732cb57131"])
        return obj

    # text mutations
    def bad_utf8(self, line):
        i = self.r.randrange(len(line) + 1)
        return line[:i] + self.r.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xc0\xaf", b"\x80"]) + line[i:]

    def truncate(self, line):
        return line[:self.r.randrange(len(line) + 1)]

    def flip_byte(self, line):
        if not line:
            return line
        i = self.r.randrange(len(line))
        return line[:i] + bytes([self.r.randrange(256)]) + line[i + 1:]

    def bom_and_controls(self, line):
        return self.r.choice([b"\xef\xbb\xbf" + line, line.replace(b",", b",\x00", 1), b" \t" + line])

    def odd_numbers(self, line):
        for lit in (b": 0", b": 1", b": 2"):
            if lit in line:
                return line.replace(lit, b": " + self.r.choice(
                    [b"NaN", b"Infinity", b"-Infinity", b"9" * 20, b"9" * 400, b"9" * 5000, b"1e999",
                     b"-0", b"0.0"]), 1)
        return line

    def other_encoding(self, line):
        text = line.decode("utf-8", "replace").replace('"x"', '"\u00e9\u00e8"')
        return text.encode(self.r.choice(["utf-16", "latin-1", "utf-32"]), "replace")

    def duplicate_keys(self, line):
        return line.replace(b"{", b'{"length": 3000000000, ', 1) if self.r.random() < 0.5 \
            else line.replace(b"{", b'{"kind": 5, ', 1)


MAX_DEPTH_PLUS = 33
OBJECT_OPS = [Mutator.replace_value, Mutator.replace_value, Mutator.boundary_int,
              Mutator.boundary_int, Mutator.mutate_string, Mutator.mutate_string, Mutator.delete_key,
              Mutator.add_key, Mutator.edit_body_field, Mutator.edit_body_field, Mutator.retype_container, Mutator.top_level, Mutator.many_sections,
              Mutator.deep_nesting, Mutator.big_sizes, Mutator.timestamps]
TEXT_OPS = [Mutator.bad_utf8, Mutator.truncate, Mutator.flip_byte, Mutator.bom_and_controls,
            Mutator.odd_numbers, Mutator.other_encoding, Mutator.duplicate_keys]


def fuzz_cases(seed: int = SEED, count: int = CASES) -> list[tuple[str, str, bytes]]:
    """(vector, mutation, hostile line), the same for the same seed."""
    records = vector_records()
    m = Mutator(seed)
    out = []
    for _ in range(count):
        name, _, text = records[m.r.randrange(len(records))]
        what, line = m.case(text)
        out.append((name, what, line))
    return out


# -- running cases ----------------------------------------------------------------------------------
def current_builder(line: bytes, fix_up: bool):
    from whea_gui.compose.fromjson import build_line
    return build_line(line, fix_up=fix_up, max_size=MAX_SIZE)


def legacy_builder(line: bytes, fix_up: bool):
    """The entry point before #15: the CLI read UTF-8 text, json.loads, build_record."""
    from whea_gui.compose.fromjson import build_record
    return build_record(json.loads(line.decode("utf-8")), fix_up=fix_up)


def run_case(build, line: bytes, fix_up: bool, *, measure: bool = False):
    """("built" | "refused" | "escaped", detail, tracemalloc peak or 0)."""
    from whea_gui.compose.values import EditError
    if measure:
        tracemalloc.start()
    try:
        res = build(line, fix_up)
        outcome = ("built", len(res.data))
    except EditError as exc:
        outcome = ("refused", str(exc))
    except Exception as exc:  # noqa: BLE001 - what escapes is what the test counts
        outcome = ("escaped", f"{type(exc).__name__}: {str(exc)[:100]}")
    peak = 0
    if measure:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return outcome[0], outcome[1], peak


def campaign(build, cases, *, measure_every: int = 10):
    results = []
    for i, (name, what, line) in enumerate(cases):
        fix_up = i % 7 == 0
        results.append((name, what, line) + run_case(build, line, fix_up,
                                                     measure=i % measure_every == 0))
    return results


# -- the tests ----------------------------------------------------------------------------------
def test_unmutated_vectors_round_trip_through_the_line_builder():
    from whea_gui.compose.fromjson import build_line
    records = vector_records()
    assert len(records) > 700
    for name, data, text in records:
        res = build_line(text.encode(), max_size=MAX_SIZE)
        assert res.data == data, name
        assert res.warnings == [], name


def test_hostile_json_only_ever_gets_a_message():
    cases = fuzz_cases()
    results = campaign(current_builder, cases)
    outcome = Counter(r[3] for r in results)
    escaped = [(r[0], r[1], r[4]) for r in results if r[3] == "escaped"]
    assert not escaped, f"{len(escaped)} of {len(results)} escaped, e.g. {escaped[:5]}"
    # the mutator reaches both sides: most cases are refused, many still build
    assert outcome["refused"] > len(cases) // 5 and outcome["built"] > len(cases) // 10, outcome
    for _, _, line, kind, detail, peak in results:
        assert peak <= MEMORY_BOUND, (peak, line[:200])
        if kind == "refused":
            assert detail.startswith(("$", "not ", "nested", "the line", "laid out")) \
                or "on one line, more than" in detail, detail
        else:
            assert detail <= MAX_SIZE


def run_cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "whea_gui.cli", *args], cwd=ROOT, input=stdin,
                          capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_cli_sample_exit_codes_and_outputs(tmp_path):
    from whea_gui.decode import decode_buffer
    cases = [(n, w, line.replace(b"\n", b" ").replace(b"\r", b" "))
             for n, w, line in fuzz_cases(SEED + 1, 160)]
    results = [c + run_case(current_builder, c[2], False) for c in cases]
    # one file of 160 lines: the good lines are built, the bad ones named by line number
    jl = tmp_path / "mixed.jsonl"
    jl.write_bytes(b"\n".join(line for _, _, line in cases) + b"\n")
    out = tmp_path / "mixed.bin"
    res = run_cli("build", str(jl), "-o", str(out), "--max-size", str(MAX_SIZE))
    assert res.returncode in (0, 1) and b"Traceback" not in res.stderr, res.stderr[-2000:]
    assert b"internal error" not in res.stderr  # the CLI's last-resort catch never fired
    built = [r for r in results if r[3] == "built"]
    refused = [i for i, r in enumerate(results, 1) if r[3] == "refused"]
    assert refused and built
    assert res.returncode == 1
    for i in refused:
        assert f"line {i}: ".encode() in res.stderr
    assert out.stat().st_size == sum(r[4] for r in built)
    assert len(decode_buffer(out.read_bytes())) >= 1
    # a file whose every line fails: exit 1, and no output written
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"\n".join(cases[i - 1][2] for i in refused[:20]) + b"\n")
    res = run_cli("build", str(bad), "-o", str(tmp_path / "none.bin"), "--max-size", str(MAX_SIZE))
    assert res.returncode == 1 and b"Traceback" not in res.stderr
    assert not (tmp_path / "none.bin").exists()
    # an existing output is left as it was when nothing could be built
    keep = tmp_path / "keep.bin"
    keep.write_bytes(b"precious")
    res = run_cli("build", str(bad), "-o", str(keep), "--max-size", str(MAX_SIZE))
    assert res.returncode == 1 and keep.read_bytes() == b"precious"
    assert not list(tmp_path.glob(".keep.bin*")) and not list(tmp_path.glob("*.tmp"))


if __name__ == "__main__":  # counts for the report: tried / built / refused / escaped
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--legacy", action="store_true")
    ap.add_argument("--cases", type=int, default=CASES)
    ap.add_argument("--seed", type=int, default=SEED)
    a = ap.parse_args()
    if a.legacy:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))  # MemoryError, not an OOM kill
    rs = campaign(legacy_builder if a.legacy else current_builder, fuzz_cases(a.seed, a.cases),
                  measure_every=10**9)
    print(Counter(r[3] for r in rs))
    esc = Counter(r[4].split(":")[0] for r in rs if r[3] == "escaped")
    print("escaped by type:", dict(esc))
    ops = Counter(r[1] for r in rs if r[3] == "escaped")
    print("escaped by mutation:", dict(ops.most_common(12)))
