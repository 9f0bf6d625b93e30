"""Readers: files, folders and stdin into `Article`s, with `ReadError`s for bad items."""

from rasd.ingest.readers import (
    SUPPORTED_SUFFIXES,
    ReadError,
    iter_articles,
    read_published,
)

__all__ = ["SUPPORTED_SUFFIXES", "ReadError", "iter_articles", "read_published"]
