"""Error types shared by every embedlab module.

All of them subclass ``ValueError`` so callers that only know "bad input" can
catch that, while the UI can tell the kinds apart and word its message.
"""

from __future__ import annotations


class EmbedlabError(ValueError):
    """Base class: bad input that the caller can fix (the message says how)."""


class ResourceError(EmbedlabError):
    """A request that would not fit in memory; raised *before* allocating."""

    def __init__(self, message: str, *, needed_bytes: int | None = None, available_bytes: int | None = None):
        super().__init__(message)
        self.needed_bytes = needed_bytes
        self.available_bytes = available_bytes


class FileFormatError(EmbedlabError):
    """A file (or upload) that cannot be parsed; the message names the line/row and why."""


class OfflineError(EmbedlabError):
    """Something needs the network (e.g. a Hugging Face download) and it is not reachable."""


class DataIntegrityError(EmbedlabError):
    """A local data file whose sha256 does not match the pinned value."""


class MissingTokenError(EmbedlabError, KeyError):
    """A token/word that has no row in an embedding table ("no vector")."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""
