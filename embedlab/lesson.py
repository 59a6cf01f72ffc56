"""Lesson files: the whole app state as JSON, to send to students or reopen later.

A lesson file is untrusted input: it is size-limited, must be a JSON object of
known keys, and every value goes through the same validator as a URL value
(so it is clamped or refused with a note, never trusted blindly).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from .errors import FileFormatError
from .urlstate import ParamError

FORMAT = "embedlab-lesson"
VERSION = 1
MAX_BYTES = 1_000_000

JSONValue = str | int | float | bool | list | None


def dump_lesson(values: Mapping[str, Any]) -> bytes:
    """Serialise the JSON-representable values (others, like uploaded tables, are skipped)."""
    keep = {}
    for k, v in sorted(values.items()):
        try:
            json.dumps(v)
        except (TypeError, ValueError):
            continue
        keep[k] = v
    doc = {"format": FORMAT, "version": VERSION, "state": keep}
    # ensure_ascii: any string (even one holding a lone surrogate) becomes valid ASCII JSON.
    return json.dumps(doc, ensure_ascii=True, indent=2).encode("ascii")


def load_lesson(
    data: bytes, parsers: Mapping[str, Callable[[str], Any] | None]
) -> tuple[dict[str, Any], list[str]]:
    """Parse a lesson file. ``parsers`` maps each known key to its validator (string in,
    value out, as for URL values). Returns (values, notes about what was skipped/changed)."""
    if len(data) == 0:
        raise FileFormatError("the lesson file is empty")
    if len(data) > MAX_BYTES:
        raise FileFormatError(f"the lesson file is {len(data):,} bytes; the limit is {MAX_BYTES:,}")
    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise FileFormatError(f"the lesson file is not UTF-8 text (byte {e.start})") from None
    except json.JSONDecodeError as e:
        raise FileFormatError(f"the lesson file is not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise FileFormatError(f'not an embedlab lesson file (expected "format": "{FORMAT}")')
    if doc.get("version") != VERSION:
        raise FileFormatError(f"lesson file version {doc.get('version')!r} is not supported (expected {VERSION})")
    state = doc.get("state")
    if not isinstance(state, dict):
        raise FileFormatError('the lesson file has no "state" object')
    values: dict[str, Any] = {}
    notes: list[str] = []
    for key, raw in state.items():
        if key not in parsers:
            notes.append(f"`{key[:40]}` is not a setting of this app; skipped")
            continue
        parse = parsers[key]
        if parse is None:
            notes.append(f"`{key[:40]}` cannot be restored from a file; skipped")
            continue
        if isinstance(raw, dict):
            text = json.dumps(raw)  # structured values (a feature grid) come as JSON text
        elif isinstance(raw, list):
            text = ",".join(map(str, raw))
        elif isinstance(raw, bool):
            text = "1" if raw else "0"
        else:
            text = str(raw)
        try:
            values[key] = parse(text)
        except ParamError as e:
            notes.append(f"`{key}`: {e}")
            if e.clamped is not None:
                values[key] = e.clamped
    return values, notes
