"""Parquet input: each row is an item, as a JSONL object is (columns as its keys).

Row n (counted from 1) of ``NAME.parquet`` gets the default id ``"NAME:n"``; a row that is not a
usable article is a `ReadError` naming the file and the row, and a file pyarrow cannot read is one
`ReadError` (naming the row reached, when some rows were read) that ends the file. A ``date32`` or
timestamp ``published`` column is read like an ISO string. The file is read in record batches, so a
large file never sits in memory; the Dask engine ships the same batches to its workers.

pyarrow is imported only when a Parquet file is read.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from rasd.doc import Article
from rasd.ingest.readers import ReadError, _Bad, _deliver, _item_article, _stem

if TYPE_CHECKING:
    import pyarrow as pa

PARQUET_SUFFIX = ".parquet"
BATCH_ROWS = 500  # rows per record batch read


def is_parquet(name: str) -> bool:
    """True for a file name ending in .parquet (any case), not the bare suffix."""
    return name.lower().endswith(PARQUET_SUFFIX) and len(name) > len(PARQUET_SUFFIX)


def parquet_batches(path: str, chunk: int = BATCH_ROWS) -> Iterator[tuple[int, pa.RecordBatch] | ReadError]:
    """(number of the batch's first row, record batch) for each batch of `chunk` rows; a read error ends the file."""
    import pyarrow.parquet as pq

    row = 1
    try:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk):
            yield row, batch
            row += batch.num_rows
    except Exception as e:  # pyarrow raises several kinds for a file that is not Parquet
        yield ReadError(path, row if row > 1 else None, f"cannot read Parquet: {e}")


def batch_items(batch: pa.RecordBatch, path: str, stem: str, first: int) -> Iterator[Article | ReadError]:
    """The rows of one record batch as articles (default id stem:row) or ReadErrors naming the row."""
    for n, obj in enumerate(batch.to_pylist(), first):
        try:
            art = _item_article(obj, path, f"{stem}:{n}")
        except _Bad as e:
            yield ReadError(path, n, e.message)
            continue
        yield from _deliver(art, path, n)


def iter_parquet(path: str, chunk: int = BATCH_ROWS) -> Iterator[Article | ReadError]:
    """Articles and ReadErrors of a Parquet file, row by row, in file order."""
    path = os.fspath(path)
    stem = _stem(path, PARQUET_SUFFIX)
    for item in parquet_batches(path, chunk):
        if isinstance(item, ReadError):
            yield item
        else:
            yield from batch_items(item[1], path, stem, item[0])
