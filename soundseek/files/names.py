"""File names that are not valid UTF-8, made storable without losing a byte.

Old sample CDs and archives hold names in Latin-1 or Shift-JIS. Python hands them over as
surrogate escapes (os.fsdecode: b"bad_\\xff.wav" -> "bad_\\udcff.wav"), which LanceDB, SQLite
and UTF-8 output all refuse. A relative path in the index therefore stores each such byte as
the text `\\xff` (any other lone surrogate, possible on Windows, as `\\udXXX`), and a real
backslash as `\\\\` only where it would otherwise read as one of those escapes. Every valid
UTF-8 name without such a backslash is stored exactly as it is, and `decode(encode(n)) == n`
for every name, so the index key maps back to the exact file.
"""

from __future__ import annotations

import os
import re

# What `decode` reads as an escape: an escaped backslash, a byte 0x80-0xff, a lone surrogate.
_ESCAPE = re.compile(r"\\(\\|x[89a-f][0-9a-f]|ud[89a-f][0-9a-f]{2})")
_AMBIGUOUS_AFTER = re.compile(r"\\|x[89a-f][0-9a-f]|ud[89a-f][0-9a-f]{2}|[\ud800-\udfff]")


def encode(name: str) -> str:
    """The storable (valid UTF-8, printable) form of a name or `/`-separated path."""
    if "\\" not in name and is_utf8(name):
        return name
    out = []
    for i, ch in enumerate(name):
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append(f"\\u{code:04x}")
        elif ch == "\\" and _AMBIGUOUS_AFTER.match(name, i + 1):
            out.append("\\\\")
        else:
            out.append(ch)
    return "".join(out)


def decode(stored: str) -> str:
    """The name as the operating system spells it (surrogate escapes where bytes are not
    UTF-8): what open(), os.stat() and os.fsencode() take."""
    if "\\" not in stored:
        return stored
    return _ESCAPE.sub(_unescape, stored)


def readable(name: str) -> str:
    """A name's words for search and UCS parsing: bytes that are not UTF-8 read as Windows-1252
    (what most old sample CDs used: b"Kl\xe4nge" -> "Klänge"); other lone surrogates
    dropped."""
    if is_utf8(name):
        return name
    return "".join(_readable_char(ch) for ch in name)


def _readable_char(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:
        return bytes([code - 0xDC00]).decode("cp1252", "ignore")
    return "" if 0xD800 <= code <= 0xDFFF else ch


def _unescape(match: re.Match[str]) -> str:
    body = match[1]
    if body == "\\":
        return "\\"
    if body[0] == "x":
        return chr(0xDC00 + int(body[1:], 16))
    return chr(int(body[1:], 16))


def is_utf8(name: str) -> bool:
    """Whether the text can be stored and printed as UTF-8 as it is."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def name_max(folder: str) -> int:
    """The longest file name (in bytes) the folder's file system takes."""
    try:
        return int(os.pathconf(folder or ".", "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):  # no pathconf (Windows), or no answer
        return 255


def cut_to_bytes(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-8 bytes, never inside a character."""
    if limit <= 0:
        return ""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore").rstrip()
