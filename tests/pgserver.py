"""A throw-away PostgreSQL cluster for the tests (a real server, never a mock).

``cluster()`` starts one per test process (initdb + pg_ctl in a temporary folder, unix socket
only, no TCP port) and ``stop()`` ends it — at the session's end and, should the run die, from
atexit. As root the server runs as the ``postgres`` user Debian's package creates (initdb
refuses root). Without the server binaries (or psycopg) the PostgreSQL tests skip with the
reason — unless ``CI`` or ``WHEA_REQUIRE_POSTGRES`` is set: there a missing server fails.
"""

from __future__ import annotations

import atexit
import glob
import itertools
import os
import shutil
import subprocess
import tempfile

import pytest

_state: dict = {}
_names = itertools.count(1)


def required() -> bool:
    return bool(os.environ.get("WHEA_REQUIRE_POSTGRES") or os.environ.get("CI"))


def _unavailable(reason: str):
    if required():
        pytest.fail(f"PostgreSQL is required here (CI / WHEA_REQUIRE_POSTGRES) but {reason}")
    pytest.skip(f"no PostgreSQL test server: {reason} (Debian: apt-get install postgresql)")


def _bindir() -> str | None:
    found = shutil.which("initdb")
    if found:
        return os.path.dirname(os.path.realpath(found))
    for path in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True):
        return os.path.dirname(path)
    return None


def _as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


def cluster() -> str:
    """The base URL (database ``postgres``) of the running test cluster; starts it once."""
    if "url" in _state:
        return _state["url"]
    if "error" in _state:
        _unavailable(_state["error"])
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _state["error"] = "psycopg is not installed (pip install 'psycopg[binary]')"
        _unavailable(_state["error"])
    bindir = _bindir()
    if bindir is None:
        _state["error"] = "initdb was not found on PATH nor in /usr/lib/postgresql/*/bin"
        _unavailable(_state["error"])
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        _state["error"] = "running as root without runuser to start the server as postgres"
        _unavailable(_state["error"])
    base = tempfile.mkdtemp(prefix="whea-pg-")
    os.chmod(base, 0o755)
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    data, log = os.path.join(base, "data"), os.path.join(base, "server.log")
    _state["base"], _state["data"], _state["bindir"] = base, data, bindir
    atexit.register(stop)
    try:
        subprocess.run(_as_server_user([os.path.join(bindir, "initdb"), "-D", data, "-A", "trust",
                                        "-U", "postgres", "-E", "UTF8", "--no-sync"]),
                       check=True, capture_output=True, text=True, timeout=300)
        _password_role_first(data)
        subprocess.run(_as_server_user([
            os.path.join(bindir, "pg_ctl"), "-D", data, "-l", log, "-w", "-t", "120", "-o",
            f"-k {base} -c listen_addresses='' -c fsync=off -c max_connections=60", "start"]),
            check=True, capture_output=True, text=True, timeout=180)
    except (subprocess.SubprocessError, OSError) as exc:
        detail = getattr(exc, "stderr", "") or ""
        try:
            detail += open(log).read()[-2000:]
        except OSError:
            pass
        stop()
        _state["error"] = f"the server did not start ({exc}): {detail.strip()}"
        _unavailable(_state["error"])
    _state["url"] = f"postgresql://postgres@/postgres?host={base}"
    return _state["url"]


PASSWORD_ROLE = "whea_pw"  # the one role that must log in with a password (scram), not trust


def _password_role_first(data: str) -> None:
    """pg_hba.conf: the password role authenticates by password (first match wins), so a
    wrong password really fails; every other role keeps ``trust``."""
    hba = os.path.join(data, "pg_hba.conf")
    with open(hba, encoding="utf-8") as fh:
        rules = fh.read()
    with open(hba, "w", encoding="utf-8") as fh:
        fh.write(f"local all {PASSWORD_ROLE} scram-sha-256\n" + rules)


def password_database(password: str) -> str:
    """A fresh database owned by ``PASSWORD_ROLE`` (created once, with ``password``); its URL
    without the password: the caller puts the right or a wrong one in."""
    import psycopg
    from psycopg import sql

    base = cluster()
    name = f"t{os.getpid()}_{next(_names)}"
    with psycopg.connect(base, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s",
                            (PASSWORD_ROLE,)).fetchone():
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(PASSWORD_ROLE), sql.Literal(password)))
        conn.execute(f"CREATE DATABASE {name} OWNER {PASSWORD_ROLE}")
    return base.replace("postgresql://postgres@/postgres?", f"postgresql://{PASSWORD_ROLE}@/{name}?")


def new_database() -> str:
    """A fresh, empty database on the test cluster; its URL."""
    import psycopg

    base = cluster()
    name = f"t{os.getpid()}_{next(_names)}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return base.replace("/postgres?", f"/{name}?")


def stop() -> None:
    data, bindir = _state.pop("data", None), _state.get("bindir")
    _state.pop("url", None)
    if data and bindir and os.path.isdir(data):
        subprocess.run(_as_server_user([os.path.join(bindir, "pg_ctl"), "-D", data, "-m",
                                        "immediate", "-w", "stop"]),
                       capture_output=True, timeout=120)
    base = _state.pop("base", None)
    if base:
        shutil.rmtree(base, ignore_errors=True)
