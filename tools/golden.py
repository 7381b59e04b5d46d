"""Golden outputs of ``whea decode --json`` (and ``--tree``) over every shared vector.

    python tools/golden.py update        # rewrite tests/golden/decode_json.sha256
    python tools/golden.py dump DIR      # write each vector's JSON Lines into DIR (for diffs)
    python tools/golden.py check         # exit 1 and list the vectors whose output changed

A refactor must leave every digest unchanged. An intended change of output: dump at the old
commit and at the new one, ``diff -r`` the two folders, read every difference, then ``update``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VECTORS = ROOT.parent / "shared" / "vectors"
GOLDEN = ROOT / "tests" / "golden" / "decode_json.sha256"
SKIP_SUFFIXES = {".json", ".md"}


def vector_files() -> list[Path]:
    return sorted(p for p in VECTORS.rglob("*") if p.is_file() and p.suffix not in SKIP_SUFFIXES
                  and not p.name.startswith("LICENSE"))


def vector_output(path: Path) -> str:
    """The JSON Lines ``whea decode --json`` and ``--json --tree`` print for one vector.

    Paths in ``source`` are made relative to the vectors folder so the digest does not depend
    on where the checkout lives; problems are listed too (what stderr would say).
    """
    from whea_gui.decode import decode_record, record_to_json
    from whea_gui.sources import iter_path

    rel = str(path.relative_to(VECTORS))
    lines: list[str] = []

    def on_problem(pr) -> None:
        lines.append("problem: " + str(pr).replace(str(path), rel))

    for ref in iter_path(str(path), on_problem=on_problem):
        rec = decode_record(ref.data, source=ref.source)
        for with_tree in (False, True):
            obj = record_to_json(rec, with_tree=with_tree)
            text = json.dumps(obj, sort_keys=True)
            lines.append(text.replace(json.dumps(str(path))[1:-1], rel))
    return "\n".join(lines) + "\n"


def digests() -> dict[str, str]:
    return {str(p.relative_to(VECTORS)): hashlib.sha256(vector_output(p).encode()).hexdigest()
            for p in vector_files()}


def read_golden() -> dict[str, str]:
    out = {}
    for line in GOLDEN.read_text().splitlines():
        name, digest = line.rsplit("\t", 1)
        out[name] = digest
    return out


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "check"
    if cmd == "update":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text("".join(f"{k}\t{v}\n" for k, v in sorted(digests().items())))
        return 0
    if cmd == "dump":
        out = Path(argv[1])
        for p in vector_files():
            dest = out / p.relative_to(VECTORS)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.with_suffix(dest.suffix + ".jsonl").write_text(vector_output(p))
        return 0
    if cmd == "check":
        want, got = read_golden(), digests()
        changed = sorted(k for k in want.keys() | got.keys() if want.get(k) != got.get(k))
        for k in changed:
            print(k)
        return 1 if changed else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
