"""A store URL's password never leaves the program: reports of every format, messages (ours and
the driver's), the window. Real server (tests/pgserver.py) with a role that logs in by
password (scram), so a wrong password really fails; real records (shared vectors)."""

from __future__ import annotations

import json
import os
from urllib.parse import quote

import pytest
from fleet_helpers import fill

from whea_gui.cli import main
from whea_gui.store import StoreError, engine_of, open_store, redact

PASSWORD = "s3cret!pw"
SECRETS = (PASSWORD, quote(PASSWORD, safe=""), "WRONG", "WRONGQ")


def _url(base: str, password: str) -> str:
    return base.replace("whea_pw@", f"whea_pw:{quote(password, safe='')}@", 1)


@pytest.fixture
def pw_store(pg_server, fleet):
    import pgserver
    base = pgserver.password_database(PASSWORD)
    return fill(_url(base, PASSWORD), fleet[:40]), base


def _clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, (secret, text[:400])


@pytest.mark.parametrize("fmt", ["html", "json", "jsonl", "md", "csv"])
def test_report_of_every_format_hides_the_password(pw_store, tmp_path, capsys, fmt):
    url, _base = pw_store
    out = tmp_path / f"fleet.{fmt}"
    assert main(["report", url, "-o", str(out), "-q"]) == 0
    text = out.read_text(encoding="utf-8")
    _clean(text)
    _clean(capsys.readouterr().err)
    assert "***@" in text.replace("\\", "") or fmt == "csv"  # named, password hidden
    if fmt == "json":
        assert json.loads(text)["inputs"] == [redact(url)]


def test_report_with_a_wrong_password_writes_nothing(pw_store, tmp_path, capsys):
    _url_ok, base = pw_store
    out = tmp_path / "x.html"
    for wrong in (_url(base, "WRONG"),                          # in the user part
                  base.replace("whea_pw@", "") + "&user=whea_pw&password=WRONGQ"):  # in the query
        assert main(["report", wrong, "-o", str(out)]) == 2
        err = capsys.readouterr().err
        _clean(err)
        assert "cannot connect" in err and "password authentication failed" in err
        assert "was not written" in err and "0 records" not in err
        assert not out.exists()


def test_upper_case_scheme_opens_and_driver_text_is_redacted(pw_store, capsys, tmp_path):
    url, base = pw_store
    upper = "POSTGRESQL" + url[len("postgresql"):]
    assert engine_of(upper) == "postgresql"
    with open_store(upper, readonly=True, create=False) as store:
        assert len(store) == 40
        _clean(store.path)
    assert main(["store", "stats", "--store", upper]) == 0
    _clean(capsys.readouterr().out)
    # an option libpq does not know: its message repeats the URL, password and all
    bad = url + "&sslmodex=1"
    with pytest.raises(StoreError) as info:
        open_store(bad, readonly=True, create=False)
    _clean(str(info.value))
    assert "sslmodex" in str(info.value)


def test_unknown_scheme_is_refused_not_a_sqlite_file(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    typo = f"postgresq://whea:{quote(PASSWORD, safe='')}@/whea"
    for argv in (["store", "stats", "--store", typo], ["store", "init", "--store", typo],
                 ["report", typo, "-o", "r.html"], ["timeline", typo]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        _clean(err)
        assert "unknown store engine 'postgresq'" in err and "postgresql:" in err, (argv, err)
        assert "no store here" not in err
    assert os.listdir(tmp_path) == []  # no SQLite file named after the typo, no report


def test_redact_messages():
    spec = "postgresql://u:p%40ss%21@/db?host=/x"
    assert redact(spec) == "postgresql://u:***@/db?host=/x"
    assert redact("failed for p@ss! and p%40ss%21", spec) == "failed for *** and ***"
    assert redact("host=/x password='a b' user=u") == "host=/x password=*** user=u"
    assert redact("postgresql:///db?user=u&password=zz&sslmode=off") == \
        "postgresql:///db?user=u&password=***&sslmode=off"
    assert redact("C:\\store.sqlite") == "C:\\store.sqlite"


def test_every_command_hides_a_wrong_password(pw_store, tmp_path, capsys):
    _ok, base = pw_store
    wrong = _url(base, "WRONG")
    for argv in (["timeline", wrong], ["timeline", "--store", wrong, "--json"],
                 ["metrics", wrong], ["export", str(tmp_path / "pq"), wrong],
                 ["store", "stats", "--store", wrong], ["store", "check", "--store", wrong],
                 ["store", "import", "--store", wrong, str(tmp_path)],
                 ["store", "list", "--store", wrong]):
        code = main(argv)
        out, err = capsys.readouterr()
        assert code == 2, (argv, err)
        _clean(out + err)
        assert "password authentication failed" in err, (argv, err)
    assert not (tmp_path / "pq").exists()
