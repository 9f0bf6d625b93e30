"""Extraction and linking on a Dask distributed cluster (`--engine dask`), with the local engine's records.

Map. The client streams the inputs into partitions and keeps a bounded number of them in flight:
lines of a JSONL(.gz) file, record batches of a Parquet file, slices of a folder's file list, or
articles read from stdin. A worker reads its partition with the same reader functions as
`rasd.ingest.iter_articles` (same ids, same ReadErrors) and extracts each article with the same
pipeline. Results come back in input order, so errors print in the order the local engine prints
them. Lines and record batches travel with the task, so only folders need a filesystem the workers
share; nothing is ever downloaded by a worker.

Reduce. `link` clusters greedily over pairs scoring at least LINK_THRESHOLD and a merge only looks at
the two clusters it joins, so the events of one connected component of that link graph do not
depend on anything outside it (the argument of rasd.store.linking). The reduce step therefore
1. puts every mention into a cell (report kind, country, governorate, month); undated and
   governorate-less mentions get a None month or governorate;
2. computes, one task per cell, the link-graph edges between the cell and every cell that can hold a
   partner: same kind and country, the same governorate or either unknown, months at most
   `MONTH_REACH` apart (no two dates further apart than the widest tolerance fall further apart) or
   either undated. This is a necessary condition of `pair_score` not being None, so no edge is missed
   at a month boundary, for an undated mention or for a null governorate;
3. joins the edges into connected components in the client (mentions sharing an id are joined too),
   gives each component to the cell of its first member, and runs `link` on groups of whole components
   (each group in input order, so even tie-breaks between equal ids are the same);
4. concatenates and sorts the events by (event_date, id), as `link` does.
The result equals `link(all mentions)` record for record; tests/test_dask.py checks it on the samples,
on a generated corpus and on random mentions built around month boundaries.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import pickle
from array import array
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any

from rasd.doc import Article
from rasd.ingest.parquet import PARQUET_SUFFIX, batch_items, is_parquet, iter_parquet, parquet_batches
from rasd.ingest.readers import (
    SIDECAR_SUFFIX,
    SUPPORTED_SUFFIXES,
    ReadError,
    _jsonl_lines,
    _read_file,
    _read_stdin,
    _stem,
    _suffix_of,
    article_name,
    walk_files,
)
from rasd.link.merge import (
    LINK_THRESHOLD,
    TOLERANCE_DAYS,
    Key,
    candidate_pairs,
    key_of,
    key_score,
    link,
    link_family,
)

if TYPE_CHECKING:
    from distributed import Client

CHUNK = 500  # articles (JSONL lines, Parquet rows) per partition: about a second of work, little to ship
MAX_FILES = 64  # files per partition of a folder's file list
WINDOW = max(31, *TOLERANCE_DAYS.values())  # days: no two dated mentions further apart can link
MONTH_REACH = (WINDOW - 1) // 28 + 1  # months k apart are at least 28 * (k - 1) + 1 days apart
CONNECT_TIMEOUT = 30  # seconds to reach a scheduler
INSTALL_HINT = "the dask engine needs Dask: pip install 'rasd[dask]'"

Result = tuple[Article, list[dict] | None, str | None]  # article, its mentions, or repr() of the exception
Mention = dict[str, Any] | bytes  # bytes: the mention as compact UTF-8 JSON (see pack)
Item = ReadError | Result
Cell = tuple[str, str | None, str | None, int | None]  # link family, country, admin1, month (None: undated)


# --- partitions of the inputs --------------------------------------------------------------------

@dataclasses.dataclass
class Part:
    """One unit of work: `kind` is lines (JSONL), rows (Parquet), files or articles (stdin)."""

    kind: str
    label: str
    payload: Any
    first: int = 1  # line or row number of the first item
    stem: str = ""




def _list_folder(folder: str, seen: set[str]) -> Iterator[str | ReadError]:
    """The files `iter_articles` would read under `folder`, in its order (plus Parquet files)."""
    return walk_files(folder, seen, extra=is_parquet)


def _jsonl_parts(path: str, suffix: str, chunk: int) -> Iterator[Part | ReadError]:
    """Raw lines in partitions; a read error ends the file where `rasd.ingest` ends it."""
    import gzip
    import zlib

    stem = _stem(path, suffix)
    opener: Callable[..., IO[bytes]] = gzip.open if suffix == ".jsonl.gz" else open  # type: ignore[assignment]
    read = 0
    buf: list[bytes] = []
    try:
        with opener(path, "rb") as f:
            for raw in f:
                read += 1
                buf.append(raw)
                if len(buf) >= chunk:
                    yield Part("lines", path, buf, read - len(buf) + 1, stem)
                    buf = []
    except OSError as e:  # also gzip.BadGzipFile
        err = ReadError(path, read + 1 if read else None, f"cannot read: {e.strerror or e}")
    except (EOFError, zlib.error) as e:
        err = ReadError(path, read + 1, f"truncated or corrupt gzip file: {e}")
    else:
        err = None
    if buf:
        yield Part("lines", path, buf, read - len(buf) + 1, stem)
    if err is not None:
        yield err


def _parquet_parts(path: str, chunk: int) -> Iterator[Part | ReadError]:
    """Record batches of a Parquet file; rows are items as JSONL lines are (row n: default id stem:n)."""
    stem = _stem(path, PARQUET_SUFFIX)
    for item in parquet_batches(path, chunk):
        yield item if isinstance(item, ReadError) else Part("rows", path, item[1], item[0], stem)


def plan(paths: Iterable[str], chunk: int = CHUNK, workers: int = 1,
         stdin: IO[bytes] | None = None) -> Iterator[Part | ReadError]:
    """The inputs of `iter_articles(paths)` as partitions, in the same order (Parquet is read too)."""
    for path in paths:
        path = os.fspath(path)
        if path == "-":
            import sys

            buf: list[Article] = []
            for item in _read_stdin(stdin if stdin is not None else getattr(sys.stdin, "buffer", sys.stdin)):
                if isinstance(item, ReadError):
                    if buf:
                        yield Part("articles", "-", buf)
                        buf = []
                    yield item
                    continue
                buf.append(item)
                if len(buf) >= chunk:
                    yield Part("articles", "-", buf)
                    buf = []
            if buf:
                yield Part("articles", "-", buf)
            continue
        if os.path.isdir(path):
            files = list(_list_folder(path, set()))
        elif not os.path.exists(path):
            yield ReadError(path, None, "no such file or folder")
            continue
        else:
            suffix = _suffix_of(os.path.basename(path))
            if suffix == SIDECAR_SUFFIX:
                continue
            if suffix is None and not is_parquet(os.path.basename(path)):
                yield ReadError(path, None, "unsupported file type (expected one of "
                                + ", ".join(SUPPORTED_SUFFIXES) + ")")
                continue
            files = [path]
        yield from _file_parts(files, chunk, workers)


def _file_parts(files: list[str | ReadError], chunk: int, workers: int) -> Iterator[Part | ReadError]:
    """Big files stream in line/row partitions; the rest go as slices of the file list."""
    docs = sum(1 for f in files if isinstance(f, str) and _suffix_of(os.path.basename(f)) in (".txt", ".html",
                                                                                            ".htm", ".json"))
    per_part = max(1, min(MAX_FILES, -(-docs // (4 * max(1, workers)))))  # about four partitions per worker
    buf: list[str] = []

    def flush() -> Iterator[Part]:
        if buf:
            yield Part("files", buf[0], list(buf))
            buf.clear()

    for f in files:
        if isinstance(f, ReadError):
            yield from flush()
            yield f
            continue
        name = os.path.basename(f)
        suffix = _suffix_of(name)
        if is_parquet(name) or suffix in (".jsonl", ".jsonl.gz"):
            yield from flush()
            yield from _parquet_parts(f, chunk) if is_parquet(name) else _jsonl_parts(f, suffix or "", chunk)
            continue
        buf.append(f)
        if len(buf) >= per_part:
            yield from flush()
    yield from flush()


def _part_items(part: Part) -> Iterator[Article | ReadError]:
    """What `iter_articles` yields for the inputs of one partition."""
    if part.kind == "lines":
        yield from _jsonl_lines(part.payload, part.label, part.label, part.stem, part.first)
    elif part.kind == "rows":
        yield from batch_items(part.payload, part.label, part.stem, part.first)
    elif part.kind == "files":
        for path in part.payload:
            name = os.path.basename(path)
            if is_parquet(name):
                yield from iter_parquet(path)
            else:
                yield from _read_file(path, _suffix_of(name) or "")
    else:
        yield from part.payload


# --- the map step (runs on workers) -----------------------------------------------------------------

def pack(m: dict[str, Any]) -> bytes:
    """A mention as UTF-8 JSON: about a quarter of its size as Python dicts, and cheap to ship.

    The client holds every mention of a run until linking; packed, the mentions of the 31k-article
    corpus take about 10 MB instead of 42. JSON round-trips everything a mention holds (str, int,
    float by repr, lists, None), so unpacking gives back an equal record.
    """
    return json.dumps(m, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def unpack(m: Mention) -> dict[str, Any]:
    return json.loads(m) if isinstance(m, bytes) else m


def extract_part(part: Part, include_background: bool = False, keep_text: bool = False,
                 packed: bool = False) -> bytes:
    """Read and extract one partition; an article that fails carries its error's repr, as locally.

    The items come back pickled in one piece: Dask would otherwise walk the list item by item to
    serialise it, which costs more than the pickling itself.
    """
    from rasd.extract.events import mentions_of
    from rasd.pipeline import make_doc

    out: list[Item] = []
    for item in _part_items(part):
        if isinstance(item, ReadError):
            out.append(item)
            continue
        try:
            found, error = mentions_of(make_doc(item, acts_only=True), include_background=include_background), None
        except Exception as exc:  # one bad article must not sink the batch
            found, error = None, repr(exc)
        if packed and found:
            found = [pack(m) for m in found]  # type: ignore[misc]
        art = item if keep_text else Article(item.id, "", path=item.path)  # the client only names it
        out.append((art, found, error))
    return pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL)


def _setup_worker(places_csv: str | None, dask_worker: Any = None) -> None:
    """The client's user places on this worker (a remote worker has not got them), and lexicons built."""
    import tempfile

    from rasd.engines.local import _warm
    from rasd.geo.gazetteer import reset_gazetteer

    folder = dask_worker.local_directory if dask_worker is not None else tempfile.gettempdir()
    path = os.path.join(folder, "rasd-places.csv")  # the worker's scratch folder goes with it
    if places_csv is not None:
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(places_csv)
    elif os.path.exists(path):
        os.remove(path)
    os.environ["RASD_PLACES"] = path  # a missing file means: no user places, as in the client
    reset_gazetteer()
    _warm()


def _client_places() -> str | None:
    from rasd.geo.gazetteer import user_places_path

    path = user_places_path()
    try:
        return path.read_text("utf-8")
    except OSError:
        return None


@contextmanager
def connect(scheduler: str | None = None, workers: int | None = None) -> Iterator[Client]:
    """A client of the given scheduler, else of a LocalCluster on 127.0.0.1 (processes, one thread each)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise RuntimeError(INSTALL_HINT) from exc
    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            import click

            raise click.ClickException(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
        with client:
            client.run(_setup_worker, _client_places())
            yield client
        return
    n = workers or os.cpu_count() or 1
    # no dashboard; the scheduler's small HTTP server (health checks) on a free port of 127.0.0.1, not 8787
    with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
                      worker_dashboard_address=None, silence_logs=logging.ERROR,
                      scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"}) as cluster, \
            Client(cluster) as client:
        client.run(_setup_worker, _client_places())
        yield client


def n_workers(client: Client) -> int:
    return max(1, len(client.scheduler_info().get("workers", {})))


def run_parts(client: Client, parts: Iterable[Part | ReadError], include_background: bool = False,
              keep_text: bool = False, window: int | None = None, packed: bool = False) -> Iterator[Item]:
    """Items of every partition, in input order, with at most `window` partitions in flight.

    A partition goes to a worker with `scatter` and the task refers to it: the same data as a task
    argument would sit in the scheduler's graph, which (in a LocalCluster, in this process) leaves
    about its size of unreturned memory behind every time.
    """
    window = window or 2 * n_workers(client) + 2
    pending: deque[Any] = deque()
    in_flight = 0

    def head() -> Iterator[Item]:
        nonlocal in_flight
        x = pending.popleft()
        if isinstance(x, ReadError):
            yield x
            return
        in_flight -= 1
        yield from pickle.loads(x.result())
        x.release()

    for p in parts:
        if isinstance(p, ReadError):
            pending.append(p)
        else:
            data = client.scatter(p, hash=False)
            pending.append(client.submit(extract_part, data, include_background, keep_text, packed, pure=False))
            del data  # the task holds it now; it goes when the task's result is released
            in_flight += 1
        while pending and (isinstance(pending[0], ReadError) or in_flight > window):
            yield from head()
    while pending:
        yield from head()


def results(client: Client, paths: Iterable[str], include_background: bool = False, keep_text: bool = False,
            chunk: int = CHUNK, packed: bool = False) -> Iterator[Item]:
    """ReadErrors and (article, mentions, error) for the inputs, in `iter_articles` order (mentions packed)."""
    yield from run_parts(client, plan(paths, chunk, n_workers(client)), include_background, keep_text,
                         packed=packed)


# --- the reduce step ------------------------------------------------------------------------------

def cell_of(m: dict[str, Any]) -> Cell:
    d = m.get("event_date")
    month = int(d[:4]) * 12 + int(d[5:7]) - 1 if d else None
    return link_family(m["report_kind"]), m.get("country"), m.get("admin1") or None, month


def _cell_order(c: Cell) -> tuple:
    return c[0], c[1] or "", c[2] is None, c[2] or "", c[3] is None, c[3] or 0


def could_pair(a: Cell, b: Cell) -> bool:
    """A necessary condition for two mentions of these cells to have a pair_score."""
    if a[0] != b[0] or a[1] != b[1]:
        return False
    if a[2] is not None and b[2] is not None and a[2] != b[2]:
        return False
    return a[3] is None or b[3] is None or abs(a[3] - b[3]) <= MONTH_REACH


def neighbours(cells: Iterable[Cell]) -> dict[Cell, list[Cell]]:
    """For each cell, the cells after it (in `_cell_order`) that could hold a partner."""
    by_kc: dict[tuple, list[Cell]] = defaultdict(list)
    for c in sorted(set(cells), key=_cell_order):
        by_kc[c[:2]].append(c)
    out: dict[Cell, list[Cell]] = {}
    for group in by_kc.values():
        for i, c in enumerate(group):
            out[c] = [d for d in group[i + 1:] if could_pair(c, d)]
    return out


def _linked(a: Key, b: Key) -> bool:
    s = key_score(a, b)  # symmetric, so the order link would call it in does not matter
    return s is not None and s >= LINK_THRESHOLD


def cell_edges(home: list[tuple[int, Key]], others: list[list[tuple[int, Key]]]) -> list[tuple[int, int]]:
    """Link-graph edges inside `home` and from it to the other cells (indices of the input order).

    Cells travel as the mentions' link keys (what pair_score reads), a small fraction of a mention;
    only the pairs `candidate_pairs` lets through (dates within the widest tolerance) are scored.
    """
    items = home + [x for other in others for x in other]
    keys = [k for _, k in items]
    return [(items[x][0], items[y][0]) for x, y in candidate_pairs(keys)
            if x < len(home) and _linked(keys[x], keys[y])]


EdgeBatch = tuple[list[tuple[Cell, list[Cell]]], dict[Cell, list[tuple[int, Key]]]]


def edge_batches(order: list[Cell], near: dict[Cell, list[Cell]], by_cell: dict[Cell, list[tuple[int, Key]]],
                 parts: int) -> list[EdgeBatch]:
    """Runs of consecutive cells (about `parts`, even in mentions) with the keys of every cell they reach.

    A task per cell would cost more in scheduling and in fetching neighbours between workers than the
    scoring itself; consecutive cells (same governorate, adjacent months) share most neighbours.
    """
    total = sum(len(by_cell[c]) for c in order)
    target = max(1, -(-total // max(1, parts)))
    out: list[EdgeBatch] = []
    run: list[tuple[Cell, list[Cell]]] = []
    size = 0
    for c in order:
        if len(by_cell[c]) > 1 or near[c]:
            run.append((c, near[c]))
            size += len(by_cell[c])
        if run and size >= target:
            out.append((run, {d: by_cell[d] for cell, ns in run for d in (cell, *ns)}))
            run, size = [], 0
    if run:
        out.append((run, {d: by_cell[d] for cell, ns in run for d in (cell, *ns)}))
    return out


def batch_edges(batch: EdgeBatch) -> array:
    """cell_edges for every cell of a batch, flat (i0, j0, i1, j1, ...) in an array that ships as one block."""
    run, keys = batch
    return array("q", (i for c, ns in run for e in cell_edges(keys[c], [keys[d] for d in ns]) for i in e))


def _pairs(flat: array) -> Iterator[tuple[int, int]]:
    return zip(flat[::2], flat[1::2], strict=True)


def components(ids: list[str], edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected components of the link graph (mentions sharing an id joined too), each in input order."""
    parent = list(range(len(ids)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    first: dict[str, int] = {}
    for i, mid in enumerate(ids):
        union(first.setdefault(mid, i), i)
    for i, j in edges:
        union(i, j)
    comps: dict[int, list[int]] = defaultdict(list)
    for i in range(len(ids)):
        comps[find(i)].append(i)
    return list(comps.values())


def reduce_plan(ids: list[str], cells: list[Cell], edges: Iterable[tuple[int, int]],
                parts: int) -> list[list[int]]:
    """Components grouped by the cell (governorate, month) of their first member, into about `parts` groups."""
    by_cell: dict[Cell, list[list[int]]] = defaultdict(list)
    for comp in components(ids, edges):
        by_cell[cells[comp[0]]].append(comp)
    target = max(1, -(-len(ids) // max(1, parts)))
    groups: list[list[int]] = []
    cur: list[int] = []
    for c in sorted(by_cell, key=_cell_order):
        for comp in by_cell[c]:
            cur.extend(comp)
        if len(cur) >= target:
            groups.append(sorted(cur))
            cur = []
    if cur:
        groups.append(sorted(cur))
    return groups


def _sort_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    events.sort(key=lambda e: (e.get("event_date") or "9999", e["id"]))
    return events


def link_group(ms: list[Mention]) -> bytes:
    """`link` over whole components (the same events as in a link of everything), pickled in one piece."""
    return pickle.dumps(link([unpack(m) for m in ms]), protocol=pickle.HIGHEST_PROTOCOL)


def link_partitioned(mentions: list[Mention], client: Client | None = None,
                     parts: int | None = None) -> list[dict[str, Any]]:
    """`link(mentions)` as a reduce partitioned by governorate and month, on the cluster when given one.

    Mentions may be packed (bytes); only their ids, cells and link keys are unpacked here, the
    whole records only inside each group's link task.
    """
    if not mentions:
        return []
    ids: list[str] = []
    cell_list: list[Cell] = []
    keys: list[Key] = []
    for m in mentions:
        d = unpack(m)
        ids.append(d["id"])
        cell_list.append(cell_of(d))
        keys.append(key_of(d))
    cells: dict[Cell, list[int]] = defaultdict(list)
    for i, c in enumerate(cell_list):
        cells[c].append(i)
    near = neighbours(cells)
    parts = parts or 4 * (n_workers(client) if client is not None else 1)
    by_cell = {c: [(i, keys[i]) for i in idx] for c, idx in cells.items()}
    del keys
    if client is None:
        edges = [e for b in edge_batches(sorted(cells, key=_cell_order), near, by_cell, parts)
                 for e in _pairs(batch_edges(b))]
        groups = reduce_plan(ids, cell_list, edges, parts)
        return _sort_events([e for g in groups for e in pickle.loads(link_group([mentions[i] for i in g]))])
    batches = edge_batches(sorted(cells, key=_cell_order), near, by_cell, parts)
    futures = [client.submit(batch_edges, d, pure=False) for d in client.scatter(batches, hash=False)]
    del batches, by_cell
    edges = [e for f in futures for e in _pairs(f.result())]
    del futures
    groups = reduce_plan(ids, cell_list, edges, parts)
    data = client.scatter([[mentions[i] for i in g] for g in groups], hash=False)  # not in the graph: see run_parts
    linked = [client.submit(link_group, d, pure=False) for d in data]
    return _sort_events([e for f in linked for e in pickle.loads(f.result())])


# --- the commands' entry points ----------------------------------------------------------------------

def check_options(engine: str, scheduler: str | None, workers: int | None, jobs: int = 1) -> None:
    """Options that mean nothing for the chosen engine are mistakes, not silently ignored."""
    import click

    if engine != "dask" and (scheduler or workers):
        raise click.UsageError("--scheduler and --workers need --engine dask")
    if engine == "dask" and jobs > 1:
        raise click.UsageError("--jobs is for --engine local; the dask engine takes --workers N or --scheduler")
    if engine == "dask" and scheduler and workers:
        raise click.UsageError("give --scheduler (an existing cluster) or --workers (a local one), not both")
    if engine == "dask" and scheduler and not scheduler.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
        raise click.UsageError(f"--scheduler {scheduler!r}: expected tcp://HOST:PORT")
    if engine == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise click.UsageError(INSTALL_HINT) from None


def extract_events(batch: Any, include_background: bool, do_link: bool, scheduler: str | None = None,
                   workers: int | None = None, report: Callable[[str], None] = print,
                   chunk: int = CHUNK) -> list[dict[str, Any]]:
    """`rasd extract --engine dask`: the batch's events (or mentions), counting reads and failures in it."""
    with connect(scheduler, workers) as client:
        mentions: list[Mention] = []  # packed until linking: see pack
        for item in results(client, batch.paths, include_background, chunk=chunk, packed=True):
            if isinstance(item, ReadError):
                _count(batch, item, report)
                continue
            batch.read += 1
            art, found, error = item
            if error is not None:
                batch.failed += 1
                report(f"rasd: {article_name(art)}: extraction failed: {error}")
            else:
                mentions.extend(found or [])
        return link_partitioned(mentions, client) if do_link else [unpack(m) for m in mentions]


def _count(batch: Any, item: ReadError, report: Callable[[str], None]) -> None:
    """Count and print a ReadError as `rasd.cli.common.Batch.articles` does (a repaired item is read after it)."""
    if hasattr(batch, "report"):
        batch.report(item, report)
        return
    batch.failed += 1
    report(f"rasd: {item}")


class RemoteError(Exception):
    """An extraction error from a worker; its repr is the original exception's, as ArticleWriter prints it."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __repr__(self) -> str:
        return self.text


class Prefetched:
    """`rasd ingest --engine dask`: articles extracted on the cluster, handed to ArticleWriter in input order.

    Iterating yields the batch's articles (counting ReadErrors in the batch, as Batch.articles does);
    `extractor` gives ArticleWriter the mentions the cluster found for the article it is writing. If
    the writer renamed the article (its URL is a stored article's), it is extracted here again.
    """

    def __init__(self, batch: Any, scheduler: str | None = None, workers: int | None = None,
                 report: Callable[[str], None] = print, chunk: int = CHUNK) -> None:
        self.batch = batch
        self.scheduler = scheduler
        self.workers = workers
        self.report = report
        self.chunk = chunk
        self._current: Result | None = None

    def __iter__(self) -> Iterator[Article]:
        with connect(self.scheduler, self.workers) as client:
            for item in results(client, self.batch.paths, True, keep_text=True, chunk=self.chunk):
                if isinstance(item, ReadError):
                    _count(self.batch, item, self.report)
                    continue
                self.batch.read += 1
                self._current = item
                yield item[0]
                self._current = None

    def extractor(self, art: Article) -> list[dict[str, Any]]:
        cur = self._current
        if cur is None or cur[0].id != art.id or cur[0].text != art.text:
            from rasd.store.articles import default_extractor

            return default_extractor(art)
        if cur[2] is not None:
            raise RemoteError(cur[2])
        return cur[1] or []
