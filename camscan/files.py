"""Reading a file the user named (config, scan document, import file): capped in size, every
failure one error type whose message starts with the path."""

from __future__ import annotations

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
