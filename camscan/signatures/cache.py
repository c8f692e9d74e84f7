"""A per-user cache of validated signature data, so that a scan does not re-validate ~140 YAML
files (about 1.5 s of CPU) every time it starts.

An entry is keyed by the SHA-256 of every input file's path and bytes, camscan's version, the
source of the schema that validated them, Python's and pydantic's versions: any edit, added
or removed file or upgrade makes a new key, so a stale entry is never used. Only data that
validated without a problem is stored; a failing load is never cached, so errors and their
line numbers always come from a real validation.

Entries are pickles. Because unpickling can run code, a file is read only when it and its
directory belong to this user and nobody else may write them (``sudo`` keeping a user's
``$HOME`` must not let that user's files run as root). Any problem with the cache (unwritable,
foreign, corrupt) falls back to validating, silently: the cache only ever saves time.

Location: ``$CAMSCAN_CACHE_DIR``, else ``$XDG_CACHE_HOME/camscan``, else
``~/.cache/camscan``; ``CAMSCAN_CACHE_DIR=off`` disables it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

_FORMAT = 1  # bump when the shape of a cached entry changes
_KEEP = 8  # entries kept per kind


def cache_dir() -> Path | None:
    """Where entries live, or None when caching is off."""
    given = os.environ.get("CAMSCAN_CACHE_DIR")
    if given:
        return None if given.lower() == "off" else Path(given)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "camscan"
    home = os.environ.get("HOME")
    return Path(home) / ".cache" / "camscan" if home else None


def _code_fingerprint() -> bytes:
    """What decides the shape of cached objects: versions and the schema's own source."""
    import pydantic

    from camscan import __version__

    h = hashlib.sha256(f"{_FORMAT}|{__version__}|{sys.version}|{pydantic.VERSION}".encode())
    here = Path(__file__).resolve().parent
    for name in ("schema.py", "payloads.py", "loader.py"):
        with contextlib.suppress(OSError):
            h.update((here / name).read_bytes())
    with contextlib.suppress(OSError):
        h.update((here.parent / "models.py").read_bytes())
    return h.digest()


def key_for(kind: str, files: Iterable[Path]) -> str | None:
    """The entry name for ``files`` (in the given order), or None when one is unreadable."""
    h = hashlib.sha256(_code_fingerprint())
    h.update(kind.encode())
    try:
        for path in files:
            data = path.read_bytes()
            h.update(f"\0{path.resolve()}\0{len(data)}\0".encode())
            h.update(data)
    except (OSError, ValueError):
        return None
    return f"{kind}-{h.hexdigest()[:32]}.pickle"


def _owned(item: Path, kind: int) -> bool:
    """``item`` is of ``kind`` (stat.S_IFREG/S_IFDIR), this user's, writable by nobody else."""
    try:
        st = item.lstat()
    except OSError:
        return False
    return (
        stat.S_IFMT(st.st_mode) == kind
        and st.st_uid == os.geteuid()
        and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


def _read(path: Path) -> object | None:
    if not _owned(path.parent, stat.S_IFDIR):
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        # Checked on the open file itself, so a file swapped in after a check is never read.
        st = os.fstat(fh.fileno())
        if (
            not stat.S_ISREG(st.st_mode)
            or st.st_uid != os.geteuid()
            or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
        ):
            return None
        try:
            value: object = pickle.load(fh)
        except Exception:  # corrupt or written by an incompatible version: validate instead
            return None
    return value


def _write(directory: Path, name: str, value: object) -> None:
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _owned(directory, stat.S_IFDIR):  # never write into someone else's directory
            return
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, directory / name)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        # Keep the newest few per kind (several checkouts or --signatures sets may alternate).
        entries = sorted(
            directory.glob(name.split("-", 1)[0] + "-*.pickle"),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for old in entries[_KEEP:]:
            with contextlib.suppress(OSError):
                old.unlink()
    except Exception:  # a read-only home or a full disk only costs the next start time
        return


def cached(kind: str, files: Iterable[Path], build: Callable[[], T]) -> T:
    """``build()``'s result for these exact ``files``, from the cache when it has it.

    ``build`` raises for invalid input; such results are never stored. ``kind`` names the
    entry (letters and digits), e.g. ``families``.
    """
    directory = cache_dir()
    name = key_for(kind, files) if directory is not None else None
    if directory is None or name is None:
        return build()
    hit = _read(directory / name)
    if isinstance(hit, tuple) and len(hit) == 2 and hit[0] == name:
        return hit[1]  # type: ignore[no-any-return]
    value = build()
    _write(directory, name, (name, value))
    return value
