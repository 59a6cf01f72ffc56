"""What the Tokens page shows, computed without Streamlit: spans, tables, counts.

``token_spans_html`` is the only place token text meets HTML, so it is the
only place that escapes it: every piece goes through ``html.escape`` before it
is wrapped in markup (the page also renders it with ``st.html``, which
sanitises, as a second wall).
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from .palette import presenter_span_colours, span_colour
from .tokenizer import Token, tokenize

#: Above this many tokens the span view shows only the first ones (and says so);
#: counts and tables still cover the whole text.
MAX_SPANS = 3000

_WHITESPACE_SHOWN = {" ": "·", "\t": "→", "\r": "␍", "\n": "↵"}


def visible_text(s: str) -> str:
    """``s`` with whitespace and invisible characters made visible (plain text, not HTML).

    Spaces become ``·``, tabs ``→``, newlines ``↵``; other control and format
    characters (NUL, ZERO WIDTH JOINER, …) become ``⟨U+200D⟩``.
    """
    out = []
    for ch in s:
        if ch in _WHITESPACE_SHOWN:
            out.append(_WHITESPACE_SHOWN[ch])
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"):
            out.append(f"⟨U+{ord(ch):04X}⟩")
        else:
            out.append(ch)
    return "".join(out)


def token_spans_html(
    tokens: Sequence[Token],
    *,
    show_ids: bool = False,
    max_tokens: int = MAX_SPANS,
    large: bool = False,
    focus: int | None = None,
    presenter: bool = False,
) -> str:
    """Coloured token spans as an HTML fragment (safe: every token piece is escaped).

    Hovering a span shows its position, ID and bytes (``title``). Colours cycle
    through a colour-blind-safe palette by position, so neighbours differ.
    ``focus`` (a position) gets a thick outline: the token highlighted in every view.
    ``presenter=True`` uses larger type and the maps' strong palette
    (:data:`~embedlab.palette.PRESENTER_COLOURS`) with black or white text, whichever
    contrasts more, for a projector.
    """
    size = "2rem" if presenter else ("1.6rem" if large else "1.05rem")
    parts = [
        f'<div class="el-spans" style="font-family:ui-monospace,Menlo,Consolas,monospace;'
        f'font-size:{size};line-height:2.3;white-space:normal;word-break:break-all">'
    ]
    for pos, tok in enumerate(tokens[:max_tokens]):
        label = html.escape(visible_text(tok.text))
        tip = html.escape(f"#{pos} · ID {tok.id} · bytes {tok.hex}" + (" · special token" if tok.special else ""))
        if pos == focus:
            border = "3px solid #000;outline:3px solid #E69F00"
        elif tok.special:
            border = "2px dashed #000"
        elif tok.is_partial:
            border = "2px dotted #000" if presenter else "1px dotted #333"
        else:
            border = "2px solid #000" if presenter else "1px solid rgba(0,0,0,.15)"
        bg, fg = presenter_span_colours(pos) if presenter else (span_colour(pos), "#000000")
        body = label
        if show_ids:
            sub = fg if presenter else "#222"
            body = (f'{label}<sub style="font-size:.6em;color:{sub};margin-left:2px">{tok.id}</sub>')
        parts.append(
            f'<span class="el-tok" data-id="{tok.id}" title="{tip}" '
            f'style="background:{bg};color:{fg};border:{border};border-radius:4px;'
            f'padding:1px 2px;margin:0 1px">{body}</span>'
        )
        if tok.text.endswith("\n"):
            parts.append("<br>")
    if len(tokens) > max_tokens:
        parts.append(
            f'<div style="margin-top:.5rem;font-style:italic">Showing the first {max_tokens:,} of '
            f"{len(tokens):,} tokens; the counts and the table cover all of them.</div>"
        )
    parts.append("</div>")
    return "".join(parts)


def token_table(tokens: Sequence[Token], *, max_rows: int | None = None) -> pd.DataFrame:
    """One row per token: position, visible token text, ID, bytes as hex, and whether the
    piece is only part of a character."""
    rows = tokens if max_rows is None else tokens[:max_rows]
    return pd.DataFrame(
        {
            "position": range(len(rows)),
            "token": [visible_text(t.text) for t in rows],
            "id": [t.id for t in rows],
            "bytes (hex)": [t.hex for t in rows],
            "partial UTF-8": [t.is_partial for t in rows],
        }
    )


@dataclass(frozen=True)
class TextStats:
    characters: int
    utf8_bytes: int
    tokens: int

    @property
    def chars_per_token(self) -> float:
        return self.characters / self.tokens if self.tokens else 0.0


def text_stats(text: str, tokens: Sequence[Token]) -> TextStats:
    """Counts shown above the spans: characters, UTF-8 bytes, tokens."""
    return TextStats(
        characters=len(text),
        utf8_bytes=sum(len(t.bytes) for t in tokens),
        tokens=len(tokens),
    )


def compare_encodings(
    text: str, encodings: Sequence[str], *, allow_special: bool = False
) -> dict[str, list[Token]]:
    """The same text under each encoding (for the side-by-side view)."""
    return {name: tokenize(text, name, allow_special=allow_special) for name in encodings}


def compare_table(text: str, by_encoding: dict[str, list[Token]]) -> pd.DataFrame:
    """Token count and characters per token for each encoding."""
    return pd.DataFrame(
        {
            "encoding": list(by_encoding),
            "tokens": [len(t) for t in by_encoding.values()],
            "characters per token": [
                round(len(text) / len(t), 2) if t else 0.0 for t in by_encoding.values()
            ],
        }
    )


def decoded_pieces_table(ids: Sequence[int], pieces: Sequence[bytes]) -> pd.DataFrame:
    """For the "Decode IDs" box: each ID with its piece."""
    return pd.DataFrame(
        {
            "id": list(ids),
            "piece": [visible_text(p.decode("utf-8", errors="backslashreplace")) for p in pieces],
            "bytes (hex)": [p.hex(" ") for p in pieces],
        }
    )
