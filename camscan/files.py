"""Files the user names: reading one (config, scan document, import file) capped in size, every
failure one error type whose message starts with the path; writing a report atomically."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path


class InputFileError(ValueError):
    """A named file that cannot be read or is over its size cap; callers re-raise it as their
    own documented error type."""


def read_capped(path: Path, limit: int) -> bytes:
    """The bytes of ``path``, at most ``limit``. Raises :class:`InputFileError`
    ("PATH: cannot read: REASON", also for a NUL byte in the path, or "PATH: larger than
    LIMIT bytes") rather than reading an unbounded file into memory."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        reason = getattr(exc, "strerror", None) or exc
        raise InputFileError(f"{path}: cannot read: {reason}") from exc
    if len(data) > limit:
        raise InputFileError(f"{path}: larger than {limit} bytes")
    return data


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so readers see the old file or the new one, never half.

    The directory must exist (a mistyped ``-o`` path is an error, not a new directory tree).
    A path that exists and is not a regular file (``/dev/null``, a FIFO, a terminal) is written
    to in place: replacing it would put a regular file where the device was.
    """
    if path.exists() and not path.is_file():
        with path.open("w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        return
    if not path.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, "no such directory", str(path.parent))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
