"""The app's pages, in menu order. app.py builds navigation from this list."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PageInfo:
    path: str  # relative to the repo root
    title: str
    icon: str
    url_path: str  # "" for the home page


PAGES: tuple[PageInfo, ...] = (
    PageInfo("pages/home.py", "Home: guided tour", "🏠", ""),
    PageInfo("pages/tokens.py", "Tokens", "🔤", "tokens"),
    PageInfo("pages/embeddings.py", "Embeddings", "🧬", "embeddings"),
    PageInfo("pages/map.py", "Map", "🗺️", "map"),
    PageInfo("pages/onehot.py", "One-hot vs dense", "🧮", "one-hot"),
    PageInfo("pages/features.py", "Features", "🎛️", "features"),
    PageInfo("pages/train.py", "Train", "🏋️", "train"),
    PageInfo("pages/positions.py", "Into the model: positions", "📍", "positions"),
    PageInfo("pages/model_sizes.py", "Model sizes", "📏", "model-sizes"),
)


@functools.cache
def available() -> tuple[PageInfo, ...]:
    """Pages whose file exists (pages land one issue at a time). Looked up once per
    server: every run of every session asks, and the files do not come and go."""
    return tuple(p for p in PAGES if (ROOT / p.path).exists())
