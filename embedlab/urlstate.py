"""Parsing values that arrive in a URL query string (untrusted input).

Each parser turns one string into a value or raises :class:`ParamError`. When a
safe correction exists (a number out of range), the error carries the
corrected value in ``clamped``, so the app can use it and say what it did.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .errors import EmbedlabError


class ParamError(EmbedlabError):
    def __init__(self, message: str, *, clamped: object = None):
        super().__init__(message)
        self.clamped = clamped


def text(max_len: int = 200_000) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if len(raw) > max_len:
            raise ParamError(f"text is {len(raw):,} characters; cut to {max_len:,}", clamped=raw[:max_len])
        return raw

    return parse


def choice(options: Sequence[str]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in options:
            shown = raw if len(raw) <= 40 else raw[:40] + "…"
            raise ParamError(f"{shown!r} is not one of {', '.join(options)}; using the default")
        return raw

    return parse


def integer(lo: int, hi: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            v = int(raw.strip())
        except ValueError:
            raise ParamError(f"{raw[:40]!r} is not a whole number; using the default") from None
        if v < lo or v > hi:
            c = min(max(v, lo), hi)
            raise ParamError(f"{v:,} is outside {lo:,}–{hi:,}; using {c:,}", clamped=c)
        return v

    return parse


def number(lo: float, hi: float) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        try:
            v = float(raw.strip())
        except ValueError:
            raise ParamError(f"{raw[:40]!r} is not a number; using the default") from None
        if not (v == v) or v in (float("inf"), float("-inf")):
            raise ParamError(f"{raw[:40]!r} is not a finite number; using the default")
        if v < lo or v > hi:
            c = min(max(v, lo), hi)
            raise ParamError(f"{v:g} is outside {lo:g}–{hi:g}; using {c:g}", clamped=c)
        return v

    return parse


def flag(raw: str) -> bool:
    low = raw.strip().lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off"):
        return False
    raise ParamError(f"{raw[:40]!r} is not 1 or 0; using the default")
