"""The guided tour: the article's pipeline as six steps, each with a
"predict, then reveal" question whose answer is *computed*, not written down.

text → tokens → IDs → lookup → map → training → model input. The page
(pages/home.py) draws the widgets; everything it shows comes from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from .embeddings import EmbeddingTable, random_embeddings
from .errors import EmbedlabError
from .figures import cosine_similarity_matrix, heatmap
from .tokenizer import tokenize


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    lesson: str  # markdown
    question: str
    choices: tuple[str, ...]
    page: str | None  # deep link to the full page
    page_label: str = ""


STEPS: tuple[Step, ...] = (
    Step("tokens", "1 · Text becomes tokens",
         "A model cannot read letters. A **tokenizer** cuts the text into pieces from a fixed vocabulary: "
         "common words are one piece, rare words several.",
         "How many GPT-2 tokens is the word “unbelievably”?", ("1", "2", "3", "4"),
         "pages/tokens.py", "Tokens page"),
    Step("ids", "2 · Tokens become IDs",
         "Each token is swapped for its **ID**: its row number in the vocabulary. IDs are just positions in "
         "a list, so they carry **no meaning**: nothing about 3797 says “cat”.",
         "“ cat” is ID 3797 and “ dog” is 3290: a gap of 507. “ car” is 1097. "
         "Does the smaller gap tell you cat is more like dog?",
         ("Yes: closer IDs mean closer meaning", "No: IDs are arbitrary numbers"),
         "pages/tokens.py", "Tokens page"),
    Step("lookup", "3 · IDs look up vectors",
         "The **embedding layer** is a matrix with one row per token. Each ID simply *selects its row*: "
         "the article's `nn.Embedding(6, 3)` with seed 123 turns `input_ids = [2, 3, 5, 1]` into 4 rows.",
         "For input_ids [2, 3, 5, 1], which row of the matrix comes out first?",
         ("Row 0", "Row 1", "Row 2", "Row 5"),
         "pages/embeddings.py", "Embeddings page"),
    Step("map", "4 · Similar words, nearby vectors",
         "Trained vectors put words used in similar ways close together. Here are the words of your text "
         "among their nearest neighbours in GloVe, squashed to 2-D.",
         "In GloVe, which is closer to “cat”?", ("dog", "car"),
         "pages/map.py", "Map page"),
    Step("training", "5 · Training moves the rows",
         "A new embedding matrix is random. Training (next-word prediction, backpropagation) nudges only the "
         "rows of the tokens in each batch; over time cat and dog drift together and apple drifts away.",
         "Before any training (a random table), how similar are “cat” and “dog”?",
         ("Very similar: cosine near 1", "No more than any two random words: cosine near 0"),
         "pages/train.py", "Train page"),
    Step("input", "6 · Into the model",
         "The model adds a **position** vector to each token vector, so word order is visible. "
         "The sums are what the transformer layers receive.",
         "In “my dog saw your dog”, does “ dog” get the same input vector both times?",
         ("Yes, same token", "No, different positions"),
         "pages/positions.py", "Positions page"),
)


def step_index(key_or_index: str | int) -> int:
    if isinstance(key_or_index, int):
        if not 0 <= key_or_index < len(STEPS):
            raise EmbedlabError(f"step {key_or_index} does not exist; steps are 0 to {len(STEPS) - 1}")
        return key_or_index
    for i, s in enumerate(STEPS):
        if s.key == key_or_index:
            return i
    raise EmbedlabError(f"unknown step {key_or_index!r}; steps are {', '.join(s.key for s in STEPS)}")


@dataclass(frozen=True)
class Reveal:
    correct: str
    explanation: str  # markdown with the computed numbers


def _cos(table: EmbeddingTable, a: str, b: str) -> float:
    return float(cosine_similarity_matrix(np.stack([table.vector(a), table.vector(b)]))[0, 1])


def reveal(step: str, *, glove: EmbeddingTable, random_table: EmbeddingTable | None = None) -> Reveal:
    """The answer to ``step``'s question, with the numbers that prove it."""
    if step == "tokens":
        toks = tokenize("unbelievably", "gpt2")
        pieces = " + ".join(f"“{t.text}” ({t.id})" for t in toks)
        return Reveal(str(len(toks)), f"GPT-2 cuts it into **{len(toks)}** tokens: {pieces}.")
    if step == "ids":
        ids = {w: tokenize(w, "gpt2")[0].id for w in (" cat", " dog", " car", " apple")}
        return Reveal(
            STEPS[1].choices[1],
            f"IDs come from the order in which the tokenizer learned its pieces: “ cat” {ids[' cat']}, "
            f"“ dog” {ids[' dog']}, “ car” {ids[' car']}, “ apple” {ids[' apple']}. Their differences mean "
            "nothing; that is why the model needs vectors.",
        )
    if step == "lookup":
        t = article_table()
        row = ", ".join(f"{v:.4f}" for v in t.vectors[2])
        return Reveal("Row 2", f"The first ID is 2, so row 2 comes out first: [{row}]. "
                      "The input tensor's order decides the output order; the IDs' values pick the rows.")
    if step == "map":
        d, c = _cos(glove, "cat", "dog"), _cos(glove, "cat", "car")
        return Reveal("dog", f"GloVe cosine similarity: cat–dog **{d:.3f}**, cat–car **{c:.3f}**.")
    if step == "training":
        rt = random_table if random_table is not None else random_embeddings(vocab_size=None, dim=50, seed=123, encoding="gpt2")
        ids = {w: tokenize(" " + w, "gpt2")[0].id for w in ("cat", "dog", "apple")}
        v = rt.lookup([ids["cat"], ids["dog"], ids["apple"]])
        sims = cosine_similarity_matrix(v)
        # How big is "chance"? The spread of cosines between random rows of this table.
        sample = rt.lookup(np.random.default_rng(0).choice(len(rt), size=200, replace=False))
        spread = float(np.std(cosine_similarity_matrix(sample)[np.triu_indices(200, 1)]))
        g_d, g_a = _cos(glove, "cat", "dog"), _cos(glove, "cat", "apple")
        return Reveal(
            STEPS[4].choices[1],
            f"In a random {len(rt):,} × {rt.dim} table: cat–dog **{sims[0, 1]:.3f}**, cat–apple "
            f"**{sims[0, 2]:.3f}**: noise, since any two random rows differ by about ±{spread:.2f}. "
            f"After training (GloVe): cat–dog **{g_d:.3f}**, cat–apple **{g_a:.3f}**.",
        )
    if step == "input":
        from .positions import input_embeddings, sinusoidal

        toks = tokenize("my dog saw your dog", "gpt2")
        ids = [t.id for t in toks]
        rt = random_table if random_table is not None else random_embeddings(dim=64, seed=123, encoding="gpt2")
        x = input_embeddings(rt.lookup(ids), sinusoidal(len(ids), rt.dim))
        cos = float(cosine_similarity_matrix(x[[1, 4]])[0, 1])
        same_token = bool(np.array_equal(rt.lookup([ids[1]]), rt.lookup([ids[4]])))
        return Reveal(
            STEPS[5].choices[1],
            f"Same token (ID {ids[1]}, {'identical' if same_token else 'different'} token vectors), but position "
            f"1 and position 4 add different position vectors: the two inputs have cosine {cos:.3f}, not 1.",
        )
    raise EmbedlabError(f"unknown step {step!r}")


def article_table() -> EmbeddingTable:
    """The article's example: ``torch.manual_seed(123); nn.Embedding(6, 3)``."""
    return random_embeddings(vocab_size=6, dim=3, seed=123)


ARTICLE_IDS: tuple[int, ...] = (2, 3, 5, 1)


def lookup_figure(weights: np.ndarray, ids: Sequence[int], *, row_labels: Sequence[str] | None = None,
                  focus: int | None = None, title: str = "") -> go.Figure:
    """The embedding matrix as a heatmap with the rows that ``ids`` select outlined (and ``focus`` thicker)."""
    w = np.asarray(weights)
    labels = list(row_labels) if row_labels is not None else [f"row {i}" for i in range(len(w))]
    fig = heatmap(w, row_labels=labels, highlight_rows=sorted(set(ids)), title=title, show_values=w.size <= 60,
                  row_name="row")
    if focus is not None:
        fig.add_shape(type="rect", xref="paper", yref="y", x0=0, x1=1, y0=focus - 0.5, y1=focus + 0.5,
                      line={"color": "#E69F00", "width": 6}, fillcolor="rgba(0,0,0,0)")
    return fig
