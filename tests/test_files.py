"""One capped reader for the files a user names (config, scan document, import file): each
caller's own error type, the same messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from camscan.config import ConfigError, load_config
from camscan.document import DocumentError, load_document
from camscan.files import InputFileError, read_capped
from camscan.imports import ImportFileError, read_import


def test_read_capped_returns_the_bytes_up_to_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"12345")
    assert read_capped(path, 5) == b"12345"
    with pytest.raises(InputFileError, match=r"f: larger than 4 bytes$"):
        read_capped(path, 4)


@pytest.mark.parametrize(
    ("load", "error"),
    [(load_config, ConfigError), (load_document, DocumentError), (read_import, ImportFileError)],
)
def test_every_reader_fails_in_its_own_documented_way(
    tmp_path: Path, load: object, error: type[Exception]
) -> None:
    for bad in (tmp_path / "missing", Path("nul\0byte")):
        with pytest.raises(error, match=r": cannot read: "):
            load(bad)  # type: ignore[operator]
