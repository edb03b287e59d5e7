"""Turn bytes into text, or explain precisely why that is impossible."""

from __future__ import annotations

import codecs
import io
import re
import tokenize

from advisor.records import record

BINARY_SNIFF_BYTES = 8192
_CODING_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=]", re.MULTILINE)


@record
class TextFailure:
    message: str
    line: int = 1
    column: int = 1


def looks_binary(data: bytes) -> bool:
    """Text files do not contain NUL bytes; git uses the same test."""
    return b"\x00" in data[:BINARY_SNIFF_BYTES]


def position_of_offset(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and character column of a byte offset."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = data.count(b"\n", 0, offset) + 1
    prefix = data[line_start:offset].decode("utf-8", errors="replace")
    return line, len(prefix) + 1


def decode_python(data: bytes) -> str | TextFailure:
    """Decode Python source as the interpreter would (PEP 263 coding cookie, BOM)."""
    if looks_binary(data):
        return TextFailure("binary file (contains NUL bytes), not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        if _CODING_COOKIE.search(b"\n".join(data.splitlines()[:2])):
            return TextFailure(f"invalid encoding declaration: {exc.msg}", exc.lineno or 1)
        encoding = "utf-8"  # no cookie: the bytes themselves are bad; say where
    return _decode(data, encoding)


def decoding_failure(data: bytes) -> TextFailure | None:
    """Why `decode_python` fails, or None; without decoding what needs no decoding to know.
    Every skipped file is checked (31 MB in the standard library): ASCII bytes with no coding
    cookie in their first two lines are UTF-8 source, as the interpreter reads it."""
    if data.isascii() and not looks_binary(data) and b"coding" not in data[: _two_lines(data)]:
        return None
    text = decode_python(data)
    return text if isinstance(text, TextFailure) else None


def _two_lines(data: bytes) -> int:
    """Where the first two lines end: what `tokenize.detect_encoding` reads for a cookie."""
    first = data.find(b"\n")
    second = data.find(b"\n", first + 1) if first >= 0 else -1
    return len(data) if second < 0 else second


def decode_text(data: bytes) -> str | TextFailure:
    """Decode a YAML/JSON document: UTF-8 (with or without BOM), or UTF-16/32 with a BOM."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return _decode(data, "utf-32")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode(data, "utf-16")
    if looks_binary(data):
        return TextFailure("binary file (contains NUL bytes)")
    return _decode(data, "utf-8-sig")


def _decode(data: bytes, encoding: str) -> str | TextFailure:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line, column = position_of_offset(data, exc.start)
        return TextFailure(
            f"cannot decode as {encoding}: byte 0x{data[exc.start]:02x} is not valid here",
            line,
            column,
        )
    except LookupError:
        return TextFailure(f"unknown encoding {encoding!r}")
