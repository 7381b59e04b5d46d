"""Output safety for every sub-command, in one place: standard output whose write fails (a full
disk, a closed pipe) is reported as an output error, an output file is written beside its
target and renamed only when complete, and an output that is one of the inputs is refused."""

from __future__ import annotations

import io
import os
import sys
import tempfile

STDOUT_NAME = "standard output"


class OutputError(Exception):
    """Writing an output failed. Deliberately not an OSError, so that code catching an input's
    read errors cannot mistake it for one."""

    def __init__(self, name: str, exc: OSError) -> None:
        self.name, self.exc = name, exc
        super().__init__(f"{name}: cannot write ({exc.strerror or exc})")


class _Guarded:
    """A stream whose write/flush failures become OutputError (naming the output)."""

    def __init__(self, stream, name: str) -> None:
        self._stream, self._name = stream, name

    def write(self, data):
        try:
            raw = _raw_file(self._stream)
            if raw is None:
                return self._stream.write(data)
            # Unbuffered (python -u, PYTHONUNBUFFERED): a text stream over a raw file drops the
            # rest of a partial write silently, so write every byte here until done or failed.
            if isinstance(data, str):
                self._stream.flush()
                data_bytes = data.encode(self._stream.encoding, self._stream.errors or "strict")
            else:
                data_bytes = bytes(data)
            view = memoryview(data_bytes)
            while view:
                n = raw.write(view)
                if n is None:  # non-blocking and would block: try again
                    continue
                view = view[n:]
            return len(data)
        except OSError as exc:
            raise OutputError(self._name, exc) from exc

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            raise OutputError(self._name, exc) from exc

    @property
    def buffer(self):
        return _Guarded(self._stream.buffer, self._name)

    def __getattr__(self, attr):
        return getattr(self._stream, attr)


def _raw_file(stream):
    """The unbuffered FileIO under ``stream`` (text over raw, or raw itself), else None."""
    if isinstance(stream, io.FileIO):
        return stream
    inner = getattr(stream, "buffer", None)
    return inner if isinstance(inner, io.FileIO) else None


def guard_stdout() -> None:
    """Route every write to standard output through the guard (called once by main)."""
    if not isinstance(sys.stdout, _Guarded) and sys.stdout is not None:
        sys.stdout = _Guarded(sys.stdout, STDOUT_NAME)


def finish_stdout() -> None:
    """Flush standard output now, so a failure is seen while an exit status can still say so."""
    if sys.stdout is not None:
        sys.stdout.flush()


def silence_stdout() -> None:
    """After a failed standard output: point it at /dev/null so the interpreter's own flush at
    exit does not print a second error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.__stdout__.fileno())
        os.close(devnull)
    except (OSError, AttributeError, ValueError):
        pass


def is_broken_pipe(exc: BaseException) -> bool:
    inner = exc.exc if isinstance(exc, OutputError) else exc
    return isinstance(inner, BrokenPipeError)


def same_file_problem(output: str | None, inputs) -> str | None:
    """Why ``output`` must not be written: it is (a link to) one of ``inputs``. Else None."""
    if not output or output == "-" or not os.path.exists(output):
        return None
    for path in inputs:
        if not path or path == "-":
            continue
        try:
            if os.path.samefile(output, path):
                return (f"{output} is also the input {path}; writing it would replace the input "
                        "(name another output)")
        except OSError:
            continue
    return None


class AtomicOutput:
    """Standard output, or a temporary file beside OUT that becomes OUT on ``commit``.
    OUT that exists and is not a regular file (/dev/null, a FIFO, a device) is written directly.
    Every write error becomes an OutputError naming OUT; ``discard`` never raises."""

    direct = False

    def __init__(self, path: str) -> None:
        self.name = STDOUT_NAME if path == "-" else path
        self.path = os.path.realpath(path) if os.path.islink(path) else path  # write the target
        self.tmp = None
        try:
            if path == "-":
                self.fh = sys.stdout.buffer
            elif os.path.exists(self.path) and not os.path.isfile(self.path):
                self.fh = open(self.path, "wb")  # noqa: SIM115 - closed in commit/discard
                self.direct = True
            else:
                folder = os.path.dirname(os.path.abspath(self.path))
                fd, self.tmp = tempfile.mkstemp(prefix=f".{os.path.basename(self.path)}.",
                                                suffix=".part", dir=folder)
                self.fh = os.fdopen(fd, "wb")
                os.chmod(self.tmp, _mode_for(self.path))
        except OSError as exc:
            raise OutputError(self.name, exc) from exc

    def write(self, data: bytes) -> None:
        try:
            self.fh.write(data)
        except OSError as exc:
            raise OutputError(self.name, exc) from exc

    def commit(self) -> None:
        try:
            self.fh.flush()
            if self.tmp is not None:
                os.fsync(self.fh.fileno())
            if self.direct or self.tmp is not None:
                self.fh.close()
            if self.tmp is not None:
                os.replace(self.tmp, self.path)
                self.tmp = None
        except OSError as exc:
            self.discard()
            raise OutputError(self.name, exc) from exc

    def discard(self) -> None:
        if self.direct or self.tmp is not None:
            try:
                self.fh.close()
            except OSError:
                pass  # the unflushed bytes are being thrown away anyway
        if self.tmp is not None:
            try:
                os.unlink(self.tmp)
            except OSError:
                pass
            self.tmp = None


def _mode_for(path: str) -> int:
    """OUT's permissions: those it has now, else what a plain open() would give."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
