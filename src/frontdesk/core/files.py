"""Reading text files people export from spreadsheets, and writing files so that a
crash never leaves half of one behind."""

from __future__ import annotations

import codecs
import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary sibling, then rename over ``path``; raises OSError."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as tmp:
            tmp.write(data)
        os.replace(tmp_name, path)
    finally:
        Path(tmp_name).unlink(missing_ok=True)


class NotUtf8Error(ValueError):
    """Where a file stops being UTF-8, in terms a person can find in an editor."""

    def __init__(self, byte: int, offset: int, line: int) -> None:
        super().__init__(f"byte 0x{byte:02X} at offset {offset} (line {line})")
        self.byte = byte
        self.offset = offset
        self.line = line


def decode_utf8(data: bytes) -> str:
    """UTF-8 text; a leading byte-order mark (spreadsheet CSV exports) is skipped but
    counted, so an error's offset is the offset in the file."""
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + bom
        raise NotUtf8Error(data[offset], offset, data.count(b"\n", 0, offset) + 1) from exc
