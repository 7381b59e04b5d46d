"""One storage interface, several engines.

Every store kind (the embedded SQLite file, a PostgreSQL server, the platform's own containers:
QEMU's ERST backing file and edk2 UEFI variable stores) offers the same PSHED calls and the
same ways of reading many records, so the CLI, the window, timelines and reports never ask which
engine they hold. ``open_store(spec)`` picks the engine from the spec:

- ``postgresql://…`` / ``postgres://…``  → PostgreSQL (``store.postgres``)
- ``erst:PATH``                          → a QEMU ``acpi-erst`` backing file (``store.erst``)
- ``uefi:PATH`` / ``varstore:PATH``      → an edk2 variable store, ``HwErrRec####`` (``store.varstore``)
- anything else                          → a path to the SQLite store (``store.store``)

Engines are imported only when a spec names them (psycopg must not be needed to open a file).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol, runtime_checkable

import numpy as np

from ..index.table import RecordTable
from .results import ReadResult, StoreError, WriteResult, WriteSummary


@runtime_checkable
class RecordStore(Protocol):
    """What every engine offers. Record ids are unsigned 64-bit; ``host`` '' means records
    stored without a host. Failures the caller can act on raise StoreError (StoreDamaged for
    damage, naming the store and the place)."""

    path: str        # the spec it was opened with (a file path or a URL without its password)
    readonly: bool

    # PSHED calls: NTSTATUS answers, never exceptions, for what the platform would refuse
    def write_error_record(self, record: bytes, flags: int = 0, *, source: dict | None = None,
                           replace: bool = True) -> WriteResult: ...
    def read_error_record(self, record_id: int, buffer_length: int | None = None, *,
                          host: str | None = None) -> ReadResult: ...
    def clear_error_record(self, record_id: int, flags: int = 0, *,
                           host: str | None = None) -> int: ...

    # many records
    def write_records(self, records: Iterable[tuple[bytes, dict | None]], *,
                      validate: str = "full", flags: int = 0, batch_size: int = 1000,
                      replace: bool = True,
                      on_result: Callable[[WriteResult, dict], None] | None = None
                      ) -> WriteSummary: ...
    def iter_records(self, chunk: int = 256) -> Iterator[tuple[int, bytes]]: ...
    def get(self, record_id: int, host: str | None = None) -> bytes | None: ...
    def record_ids(self) -> np.ndarray: ...
    def record_table(self) -> RecordTable: ...
    def hosts_of(self, record_id: int) -> list[str]: ...
    def damaged_rows(self, chunk: int = 2048) -> tuple[np.ndarray, list[tuple[str, int]]]: ...

    # housekeeping
    def usage(self) -> tuple[int, int]: ...                      # (records, bytes)
    def capacity(self) -> tuple[int | None, int | None]: ...     # (max bytes, max records)
    def stats(self) -> dict: ...
    def close(self) -> None: ...
    def __len__(self) -> int: ...
    def __enter__(self): ...
    def __exit__(self, *exc) -> None: ...


# scheme → "module:class", relative to this package; each class takes (target, **options)
_ENGINES: dict[str, str] = {
    "postgresql": "postgres:PostgresStore",
    "postgres": "postgres:PostgresStore",
    "erst": "erst:ErstStore",
    "uefi": "varstore:VarStore",
    "varstore": "varstore:VarStore",
}


_SERVER_ENGINES = ("postgresql", "postgres")
# ``word://``: a spec that means to name an engine (a typo must not become a SQLite file name)
_URL_LIKE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")


def engine_of(spec: str) -> str:
    """'sqlite', or the scheme (lower case) of an engine named in ``spec``. A Windows drive
    letter (``C:\\x``) and a path that merely contains a colon stay SQLite paths. A
    ``word://`` spec whose scheme no engine has raises StoreError naming the known schemes."""
    text = str(spec)
    scheme, sep, _rest = text.partition(":")
    if sep and len(scheme) > 1 and scheme.lower() in _ENGINES:
        return scheme.lower()
    url = _URL_LIKE.match(text)
    if url:
        raise StoreError(f"{redact(text)}: unknown store engine {url.group(1)!r}; a store spec "
                         "is a SQLite file path or starts with "
                         + ", ".join(f"{name}:" for name in _ENGINES))
    return "sqlite"


def is_server_spec(spec: str) -> bool:
    """Whether ``spec`` names a store on a server (``postgresql://…``, any letter case); never
    raises (an unknown ``word://`` scheme is not a server spec: ``open_store`` says why)."""
    scheme, sep, _rest = str(spec).partition(":")
    return bool(sep) and scheme.lower() in _SERVER_ENGINES


def open_store(spec, **options) -> RecordStore:
    """The store a spec names (see the module docstring); ``options`` as the engine's
    constructor takes them (``readonly``, ``create``, …; an engine ignores none silently)."""
    spec = str(spec)
    engine = engine_of(spec)
    if engine == "sqlite":
        from .store import Store
        return Store(spec, **options)
    module_name, _, class_name = _ENGINES[engine].partition(":")
    try:
        module = importlib.import_module(f"{__package__}.{module_name}")
    except ImportError as exc:
        raise StoreError(f"{redact(spec)}: the {engine} store needs {exc.name or exc}, "
                         "which is not installed") from exc
    target = spec if engine in _SERVER_ENGINES else spec.partition(":")[2]
    return getattr(module, class_name)(target, **options)


# the password of ``scheme://user:PASSWORD@…`` (greedy to the netloc's last @, as urlsplit)
_URL_PASSWORD = re.compile(r"(?i)(\b[a-z][a-z0-9+.\-]*://[^\s:/?#@'\"]*:)[^\s/?#'\"]*(@)")
# ``password=VALUE`` in a query string or a libpq keyword string (quoted or not)
_KEY_PASSWORD = re.compile(r"(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&;,'\")]*)")


def redact(text, *specs) -> str:
    """``text`` (a store spec, or any message, e.g. a driver's error text that repeats the
    spec) fit to print, store or write: every URL password (``user:***@``) and every
    ``password=`` value replaced by ``***``; also any literal copy (plain or %-decoded) of the
    passwords of ``specs``. The one redaction used wherever a spec leaves the program."""
    from urllib.parse import unquote, urlsplit

    out = str(text)
    secrets: set[str] = set()
    for spec in specs:
        spec = str(spec)
        try:
            password = urlsplit(spec).password
        except ValueError:
            password = None
        found = [password] if password else []
        found += [m.group(2).strip("'") for m in _KEY_PASSWORD.finditer(spec)]
        for value in found:
            if len(value) >= 3:  # a one-letter "password" would blank ordinary words
                secrets.update((value, unquote(value)))
    out = _URL_PASSWORD.sub(r"\1***\2", out)
    out = _KEY_PASSWORD.sub(lambda m: m.group(1) + "***", out)
    for secret in sorted(secrets, key=len, reverse=True):
        if secret and secret != "***":
            out = out.replace(secret, "***")
    return out
