"""How big is an embedding matrix? Vocabulary × width → parameters and memory.

Every preset states only published facts. Where a number is not published
(GPT-4's embedding width, its total size) it is ``None`` and shown as unknown,
never guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from .errors import EmbedlabError
from .memory import format_bytes
from .palette import MARKER_COLOURS

#: Bytes per parameter for the storage formats people compare.
DTYPE_BYTES: dict[str, float] = {"float32": 4, "float16": 2, "int8": 1}


@dataclass(frozen=True)
class ModelPreset:
    name: str
    vocab_size: int | None
    width: int | None  # embedding dimension
    total_params: int | None  # whole model, where published
    note: str = ""

    @property
    def embedding_params(self) -> int | None:
        if self.vocab_size is None or self.width is None:
            return None
        return self.vocab_size * self.width

    @property
    def embedding_share(self) -> float | None:
        e = self.embedding_params
        return None if e is None or not self.total_params else e / self.total_params


# Totals: GPT-2 parameter counts as loaded from the released checkpoints (tied input/output
# embeddings, counted once); GPT-3 from Brown et al. 2020; Llama from the released checkpoints.
PRESETS: tuple[ModelPreset, ...] = (
    ModelPreset("GPT-2 small", 50_257, 768, 124_439_808, "OpenAI 2019; input and output embeddings tied"),
    ModelPreset("GPT-2 medium", 50_257, 1_024, 354_823_168, "OpenAI 2019"),
    ModelPreset("GPT-2 large", 50_257, 1_280, 774_030_080, "OpenAI 2019"),
    ModelPreset("GPT-2 XL", 50_257, 1_600, 1_557_611_200, "OpenAI 2019"),
    ModelPreset("GPT-3 175B", 50_257, 12_288, 175_000_000_000, "Brown et al. 2020 (175B is the published total)"),
    ModelPreset("Llama 2 7B", 32_000, 4_096, 6_738_415_616, "Meta 2023; separate output matrix of the same size"),
    ModelPreset("Llama 3 8B", 128_256, 4_096, 8_030_261_248, "Meta 2024; separate output matrix of the same size"),
    ModelPreset("GPT-4 (cl100k_base vocabulary)", 100_277, None, None,
                "vocabulary is public (cl100k_base); embedding width and total size are not published"),
)

#: Vocabulary sizes of the three tiktoken encodings (pick any width for them).
ENCODING_VOCAB: dict[str, int] = {"gpt2": 50_257, "cl100k_base": 100_277, "o200k_base": 200_019}


def embedding_size(vocab_size: int, width: int) -> dict[str, int | float]:
    """Parameters and bytes of a ``vocab_size`` × ``width`` embedding matrix."""
    for name, v in (("vocab_size", vocab_size), ("width", width)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise EmbedlabError(f"{name} must be a whole number ≥ 1, got {v!r}")
    params = vocab_size * width
    return {"parameters": params, **{f"bytes_{d}": params * b for d, b in DTYPE_BYTES.items()}}


def presets_table(presets: Sequence[ModelPreset] = PRESETS) -> pd.DataFrame:
    """One row per preset; unknown facts say "unknown (not published)"."""
    unknown = "unknown (not published)"
    rows = []
    for p in presets:
        e = p.embedding_params
        rows.append({
            "model": p.name,
            "vocabulary": f"{p.vocab_size:,}" if p.vocab_size else unknown,
            "width": f"{p.width:,}" if p.width else unknown,
            "embedding parameters": f"{e:,}" if e else unknown,
            "float32": format_bytes(e * 4) if e else unknown,
            "float16": format_bytes(e * 2) if e else unknown,
            "int8": format_bytes(e) if e else unknown,
            "model parameters": f"{p.total_params:,}" if p.total_params else unknown,
            "embedding share": f"{p.embedding_share:.1%}" if p.embedding_share is not None else unknown,
            "source": p.note,
        })
    return pd.DataFrame(rows)


def share_figure(presets: Sequence[ModelPreset] = PRESETS) -> go.Figure:
    """Bar chart: the share of each model's parameters its (input) embedding matrix takes."""
    known = [p for p in presets if p.embedding_share is not None]
    fig = go.Figure(go.Bar(
        x=[p.embedding_share * 100 for p in known],
        y=[p.name for p in known],
        orientation="h",
        marker_color=MARKER_COLOURS[0],
        text=[f"{p.embedding_share:.1%}" for p in known],
        textposition="outside",
        hovertemplate="%{y}: %{x:.2f}% of all parameters<extra></extra>",
    ))
    fig.update_layout(
        title="Share of the model's parameters in the input embedding matrix",
        xaxis_title="% of all parameters", yaxis={"autorange": "reversed"},
        margin={"l": 10, "r": 40, "t": 50, "b": 40}, height=360,
    )
    return fig
