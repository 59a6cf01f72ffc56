"""embedlab: see how language models turn text into vectors.

Works in a notebook as well as behind the Streamlit app; nothing here imports
streamlit. Everything below is the public API -- pages import from here.
"""

# This is the public API.
from .errors import (
    DataIntegrityError,
    EmbedlabError,
    FileFormatError,
    MissingTokenError,
    OfflineError,
    ResourceError,
)
from .embeddings import (
    METRICS,
    SOURCES,
    EmbeddingTable,
    glove_6b_50d,
    load_embeddings,
    normalise_word,
    random_embeddings,
)
from .corpus import Corpus, build_corpus, read_text, teaching_corpus
from .embedding_files import (
    EMBEDDING_TENSOR_NAMES,
    FORMATS,
    POSITION_TENSOR_NAMES,
    read_embedding_files,
    read_labels,
    choose_embedding_tensor,
    read_embedding_file,
    save_embeddings,
)
from .embedding_view import (
    TextLookup,
    lookup_figure,
    lookup_rows_table,
    lookup_similarity,
    lookup_vectors_table,
    shape_line,
    lookup_text,
    neighbors_figure,
    pytorch_snippet,
    table_summary,
    words_similarity,
)
from .hf_download import default_cache_dir, hf_cache_entry, load_hf_embeddings, tokenizer_labels
from .figures import cosine_similarity_matrix, heatmap, similarity_heatmap
from .memory import check_fits, estimate_bytes, format_bytes
from .palette import MARKER_COLOURS, PRESENTER_COLOURS, SPAN_COLOURS
from .presenter import presenter_figure
from . import urlstate
from .train import TrainConfig, Trainer
from .tokenizer import (
    ENCODING_INFO,
    ENCODINGS,
    Token,
    decode,
    get_encoding,
    parse_ids,
    sanitize_text,
    token_pieces,
    tokenize,
    vocabulary,
)
from .tokens_view import (
    TextStats,
    compare_encodings,
    compare_table,
    decoded_pieces_table,
    text_stats,
    token_spans_html,
    token_table,
    visible_text,
)

__version__ = "0.1.0"
