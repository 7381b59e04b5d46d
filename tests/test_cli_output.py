"""Issue #15: no traceback, nothing written over or lost, exit 0 clean / 1 an input or output
failed / 2 unusable arguments. Every case runs the real CLI in a subprocess on bytes made by
``whea generate``. A full disk is made two ways: /dev/full where this machine has it, and a
file-size limit (RLIMIT_FSIZE: a write past it fails with EFBIG), which works everywhere on
Linux. A closed pipe is a reader that exits before reading."""

from __future__ import annotations

import os
import resource
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LIMIT = 4096  # bytes a process may write to a file under the simulated full disk
HAVE_DEV_FULL = os.path.exists("/dev/full") and stat.S_ISCHR(os.stat("/dev/full").st_mode)


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(REPO))


def _small_disk() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))


def whea(*args, cwd: Path, stdout=subprocess.PIPE, full: bool = False, unbuffered: bool = True):
    env = _env()
    if not unbuffered:
        env.pop("PYTHONUNBUFFERED", None)
    else:
        env["PYTHONUNBUFFERED"] = "1"
    return subprocess.run([sys.executable, "-m", "whea_gui.cli", *map(str, args)], cwd=cwd,
                          stdout=stdout, stderr=subprocess.PIPE, env=env,
                          preexec_fn=_small_disk if full else None, timeout=300)


def clean(res) -> str:
    err = res.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err
    assert "Exception ignored" not in err, err
    return err


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("cliout")
    assert whea("generate", "--count", 200, "--seed", 3, "-o", "many.bin", cwd=d).returncode == 0
    assert whea("generate", "--count", 1, "-o", "one.bin", cwd=d).returncode == 0
    res = whea("decode", "--json", "many.bin", cwd=d)
    assert res.returncode == 0
    (d / "many.jsonl").write_bytes(res.stdout)
    return d


def _no_parts(folder: Path) -> None:
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".part")]


# -- 1. a full disk while writing an output file ---------------------------------------------
@pytest.mark.parametrize("cmd", [
    ["build", "many.jsonl", "-o", "OUT"],
    ["generate", "--count", 300, "-o", "OUT"],
    ["report", "many.bin", "-o", "OUT", "--format", "html", "-q"],
])
def test_full_disk_file_output_is_named_and_out_kept(work, cmd):
    out = work / "existing.out"
    out.write_bytes(b"keep me")
    res = whea(*[str(out) if a == "OUT" else a for a in cmd], cwd=work, full=True)
    err = clean(res)
    assert res.returncode == 1, err
    assert str(out) in err and "File too large" in err
    assert out.read_bytes() == b"keep me"  # the earlier OUT survives, nothing half-written
    _no_parts(work)


@pytest.mark.skipif(not HAVE_DEV_FULL, reason="no /dev/full device here")
@pytest.mark.parametrize("cmd", [
    ["build", "many.jsonl", "-o", "/dev/full"],
    ["generate", "--count", 5, "-o", "/dev/full"],
    ["report", "one.bin", "-o", "/dev/full", "--format", "html"],
])
def test_dev_full_as_output_file(work, cmd):
    res = whea(*cmd, cwd=work)
    err = clean(res)
    assert res.returncode == 1 and "/dev/full" in err, err
    assert "records →" not in err  # never reported as written


# -- 2. standard output that cannot be written -----------------------------------------------
STDOUT_COMMANDS = [
    ["decode", "many.bin"],
    ["decode", "--json", "many.bin"],
    ["timeline", "many.bin", "--json"],
    ["diff", "many.bin", "many.bin"],
    ["report", "many.bin", "-o", "-", "--format", "json", "-q"],
    ["build", "many.jsonl", "-o", "-"],
]


@pytest.mark.parametrize("unbuffered", [True, False])
@pytest.mark.parametrize("cmd", STDOUT_COMMANDS)
def test_full_disk_on_standard_output(work, cmd, unbuffered):
    with open(work / "stdout.txt", "wb") as fh:
        res = whea(*cmd, cwd=work, stdout=fh, full=True, unbuffered=unbuffered)
    err = clean(res)
    assert res.returncode == 1, err
    assert "standard output" in err and "File too large" in err, err
    assert "reading stopped" not in err  # the input is not blamed for the output's failure
    _no_parts(work)


@pytest.mark.skipif(not HAVE_DEV_FULL, reason="no /dev/full device here")
@pytest.mark.parametrize("cmd", [["timeline", "one.bin"], ["diff", "one.bin", "one.bin"],
                                 ["decode", "one.bin"],
                                 ["report", "one.bin", "-o", "-", "--format", "json"]])
def test_dev_full_as_standard_output(work, cmd):
    with open("/dev/full", "wb") as fh:
        res = whea(*cmd, cwd=work, stdout=fh)
    err = clean(res)
    assert res.returncode == 1 and "standard output" in err, err


@pytest.mark.parametrize("cmd", [["decode", "many.bin", "many.bin"], ["build", "many.jsonl", "-o", "-"],
                                 ["generate", "--count", 2000, "-o", "-"]])
def test_closed_pipe_is_quiet_and_not_success(work, cmd):
    r, w = os.pipe()
    os.close(r)  # the reader went away before reading anything (as `| head -0` does)
    try:
        res = whea(*cmd, cwd=work, stdout=w)
    finally:
        os.close(w)
    err = clean(res)
    assert res.returncode == 1
    assert "reading stopped" not in err and "Broken pipe" not in err, err


# -- 3. writing over an input ------------------------------------------------------------------
def test_build_refuses_output_that_is_its_input(work):
    src = work / "in.jsonl"
    src.write_bytes((work / "many.jsonl").read_bytes())
    before = src.read_bytes()
    res = whea("build", src, "-o", src, cwd=work)
    err = clean(res)
    assert res.returncode == 2 and "is also the input" in err
    assert src.read_bytes() == before


def test_report_refuses_output_that_is_its_input(work, tmp_path):
    rec = tmp_path / "gx.bin"
    rec.write_bytes((work / "one.bin").read_bytes())
    link = tmp_path / "link.bin"
    link.symlink_to(rec)
    for out in (rec, link):
        res = whea("report", rec, "-o", out, "--format", "json", cwd=work)
        assert res.returncode == 2 and "is also the input" in clean(res)
    assert rec.read_bytes() == (work / "one.bin").read_bytes()


@pytest.mark.parametrize("cmd", [["list"], ["stats"], ["read", "0"], ["export", "-o", "x.bin"],
                                 ["check"]])
@pytest.mark.parametrize("kind", ["empty", "missing", "not-a-store"])
def test_read_only_store_commands_never_create_a_store(tmp_path, work, cmd, kind):
    path = tmp_path / "EMPTY"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "not-a-store":
        path.write_bytes((work / "one.bin").read_bytes())
    before = path.read_bytes() if path.exists() else None
    res = whea("store", "--store", path, *cmd, cwd=tmp_path)
    err = clean(res)
    if kind == "not-a-store" and cmd == ["check"]:
        assert res.returncode != 0  # check may salvage from a damaged file into a NEW one
    else:
        assert res.returncode == 2, err
        assert str(path) in err
    assert (path.read_bytes() if path.exists() else None) == before
    assert not (tmp_path / "x.bin").exists()


# -- 4. messages ------------------------------------------------------------------------------
def test_huge_integer_in_build_line(tmp_path):
    src = tmp_path / "big.jsonl"
    src.write_text('{"header": ' + "7" * 100_000 + "}\n")
    res = whea("build", src, "-o", tmp_path / "x.bin", cwd=tmp_path)
    err = clean(res)
    assert res.returncode == 1
    assert "line 1: not usable JSON: a number with more than 4300 digits at column 12" in err
    assert "set_int_max_str_digits" not in err
    assert not (tmp_path / "x.bin").exists()


def test_option_text_that_is_not_utf8(tmp_path):
    res = subprocess.run([sys.executable, "-m", "whea_gui.cli", "generate", "--hosts",
                          b"\xff\xfe", "-o", "x.bin"], cwd=tmp_path, capture_output=True,
                         env=_env(), timeout=120)
    err = clean(res)
    assert res.returncode == 2
    assert "--hosts" in err and "not valid UTF-8" in err and "surrogates" not in err


# -- 5. --sections with a GUID ----------------------------------------------------------------
def test_generate_sections_by_guid(tmp_path):
    listing = whea("generate", "--list", cwd=tmp_path).stdout.decode().splitlines()
    key, guid = listing[0].split()[:2]
    a = whea("generate", "--sections", guid, "--count", 3, "-o", "a.bin", cwd=tmp_path)
    b = whea("generate", "--sections", key, "--count", 3, "-o", "b.bin", cwd=tmp_path)
    assert a.returncode == b.returncode == 0
    assert (tmp_path / "a.bin").read_bytes() == (tmp_path / "b.bin").read_bytes()
    res = whea("generate", "--sections", "12345678-1234-1234-1234-123456789abc", "-o", "c.bin",
               cwd=tmp_path)
    err = clean(res)
    assert res.returncode == 2 and "no body" in err and "--list" in err
    assert not (tmp_path / "c.bin").exists()


# -- 6. a damaged store in timeline and report ------------------------------------------------
@pytest.fixture(scope="module")
def store103(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("store103")
    assert whea("generate", "--count", 103, "-o", "r.bin", cwd=d).returncode == 0
    assert whea("store", "--store", "s.sqlite", "import", "r.bin", cwd=d).returncode == 0
    return d / "s.sqlite"


def _damaged_copy(store: Path, dest: Path, *, tail: bool) -> Path:
    data = bytearray(store.read_bytes())
    if tail:
        data[-8192:] = b"\xaa" * 8192
    else:
        data[:100] = b"\xaa" * 100
    dest.write_bytes(bytes(data))
    return dest


@pytest.mark.parametrize("tail", [True, False])
def test_damaged_store_gives_exit_1(store103, tmp_path, tail):
    bad = _damaged_copy(store103, tmp_path / "bad.sqlite", tail=tail)
    t = whea("timeline", bad, cwd=tmp_path)
    r = whea("report", bad, "-o", tmp_path / "r.html", "-q", cwd=tmp_path)
    for res in (t, r):
        err = clean(res)
        assert res.returncode == 1, err
        assert "damaged" in err and str(bad) in err
    good = whea("timeline", store103, cwd=tmp_path)
    assert good.returncode == 0 and b"103 records" in good.stdout


# -- 7. exit codes: a missing input is an unusable argument, and the help says so --------------
@pytest.mark.parametrize("cmd", [["decode", "MISSING"], ["timeline", "MISSING"],
                                 ["report", "MISSING", "-o", "r.html", "-q"],
                                 ["build", "MISSING", "-o", "x.bin"], ["diff", "MISSING", "MISSING"]])
def test_missing_input_is_exit_2_and_documented(tmp_path, cmd):
    res = whea(*cmd, cwd=tmp_path)
    err = clean(res)
    assert res.returncode == 2 and "MISSING" in err
    helptext = whea(cmd[0], "--help", cwd=tmp_path).stdout.decode()
    assert "2  unusable arguments" in helptext
    assert "missing" in helptext.split("exit status:")[1]
