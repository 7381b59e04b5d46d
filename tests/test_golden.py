"""``whea decode --json`` output is a public interface: every vector's output is pinned.

An intended change: ``python tools/golden.py dump`` at the old and new commit, read the diff,
then ``python tools/golden.py update`` (see the tool's docstring).
"""

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "golden_tool", Path(__file__).resolve().parents[1] / "tools" / "golden.py")
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)

FILES = golden.vector_files()
WANT = golden.read_golden()


def test_every_vector_is_pinned():
    assert len(FILES) > 700
    assert sorted(str(p.relative_to(golden.VECTORS)) for p in FILES) == sorted(WANT)


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(golden.VECTORS)) for p in FILES])
def test_decode_json_output_unchanged(path):
    import hashlib
    got = hashlib.sha256(golden.vector_output(path).encode()).hexdigest()
    assert got == WANT[str(path.relative_to(golden.VECTORS))], \
        "decode --json output changed; see tools/golden.py for how to review and update"
