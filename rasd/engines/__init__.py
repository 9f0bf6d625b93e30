"""How extraction runs: in this process, in local worker processes, or on a Dask cluster.

Whatever the engine, the records are the same: each article is extracted on its own and the
cross-article linking runs once over all mentions (it sorts them, so arrival order is moot).
"""
