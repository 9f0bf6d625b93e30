"""Event coreference across articles: the same incident told by several outlets is one event.

Two mentions from different articles are one event when nothing contradicts it and enough
agrees: the same report kind, the same governorate (or one unknown), dates within the
tolerance of their precision (an undated report joins a dated one), a compatible type and
at least one shared actor. Clusters grow greedily from the best-scoring pairs, processed in
an order that does not depend on input order, so A then B gives what B then A gives.

Merge rules (also in the README): deaths follow ACLED's conservative rule per side (the
smallest figure among the sources that give that side; a side only one source breaks out is
taken from it); the fatality total is the sum over sides, or the smallest bare total of the
sources without a breakdown when that is higher; arrested and injured take the largest figure
(the later, official count usually completes an early partial one); every disagreement is kept
in `conflicts` with the rule applied.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
from typing import Any

TOLERANCE_DAYS = {1: 1, 2: 7, 3: 31}
COMPATIBLE = {
    frozenset({"Battles", "Strategic developments"}),  # a raid told as arrests by one outlet
    frozenset({"Battles", "Violence against civilians"}),
    frozenset({"Battles", "Explosions/Remote violence"}),
}
LINK_THRESHOLD = 3.0


def _day(s: str | None) -> dt.date | None:
    return dt.date.fromisoformat(s) if s else None


def _km(a: dict, b: dict) -> float | None:
    if a.get("latitude") is None or b.get("latitude") is None:
        return None
    p1, p2 = math.radians(a["latitude"]), math.radians(b["latitude"])
    dl = math.radians(b["longitude"] - a["longitude"])
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def _articles(e: dict) -> set[str]:
    return {s["article_id"] for s in e["sources"]}


def pair_score(a: dict, b: dict) -> float | None:
    """A score for 'same incident', or None when something rules it out."""
    if _articles(a) & _articles(b):
        return None  # two incidents of one article were already told apart by segmentation
    if a["report_kind"] != b["report_kind"] or a.get("country") != b.get("country"):
        return None
    if a.get("admin1") and b.get("admin1") and a["admin1"] != b["admin1"]:
        return None
    score = 0.0
    da, db = _day(a.get("event_date")), _day(b.get("event_date"))
    if da and db:
        tol = max(TOLERANCE_DAYS.get(a.get("time_precision") or 3, 31), TOLERANCE_DAYS.get(
            b.get("time_precision") or 3, 31))
        gap = abs((da - db).days)
        if gap > tol:
            return None
        score += 2.0 if gap == 0 else 1.0
    if a["event_type"] == b["event_type"]:
        score += 1.5 + (0.5 if a["sub_event_type"] == b["sub_event_type"] else 0.0)
    elif frozenset({a["event_type"], b["event_type"]}) not in COMPATIBLE:
        return None
    ka = {x["key"] for x in a["actors"]} - {"civilians", "unidentified"}
    kb = {x["key"] for x in b["actors"]} - {"civilians", "unidentified"}
    if ka and kb:
        if not ka & kb:
            return None
        score += 1.0 * len(ka & kb)
    if a.get("admin1") and a.get("admin1") == b.get("admin1"):
        score += 1.0
    d = _km(a, b)
    if d is not None:
        if d > 50 and (a.get("geo_precision") or 3) <= 2 and (b.get("geo_precision") or 3) <= 2:
            return None
        score += 1.0 if d <= 10 else 0.0
    for f in ("arrested", "fatalities"):
        if a.get(f) is not None and a.get(f) == b.get(f):
            score += 0.5
    return score


@dataclasses.dataclass(frozen=True)
class Constraints:
    """Analysts' decisions that override the scores: pairs of mention ids that must / cannot be one event.

    A must-link pair is joined before any scored pair (unless a cannot-link pair already separates the
    two clusters, or they share an article, which one event cannot hold twice); no scored join ever
    puts a cannot-link pair together. Pairs naming mentions absent from the input are ignored.
    """

    must: frozenset[frozenset[str]] = frozenset()
    cannot: frozenset[frozenset[str]] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.must or self.cannot)


def link(mentions: list[dict[str, Any]], constraints: Constraints | None = None) -> list[dict[str, Any]]:
    """Cluster mentions into events and merge each cluster into one record."""
    out = [merge(group) for group in cluster(mentions, constraints)]
    out.sort(key=lambda e: (e.get("event_date") or "9999", e["id"]))
    return out


def cluster(mentions: list[dict[str, Any]], constraints: Constraints | None = None) -> list[list[dict[str, Any]]]:
    """The groups of mentions `link` merges into events (each sorted by mention id)."""
    ms = sorted(mentions, key=lambda m: m["id"])
    n = len(ms)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    cannot: dict[str, set[str]] = {}
    if constraints:
        for pair in constraints.cannot:
            if len(pair) == 2:
                a, b = sorted(pair)
                cannot.setdefault(a, set()).add(b)
                cannot.setdefault(b, set()).add(a)

    def separated(ri: int, rj: int) -> bool:
        ids = {ms[y]["id"] for y in members[rj]}
        return any(cannot.get(ms[x]["id"], set()) & ids for x in members[ri])

    if constraints:
        pos = {m["id"]: i for i, m in enumerate(ms)}
        for a, b in sorted(tuple(sorted(p)) for p in constraints.must if len(p) == 2):
            if a not in pos or b not in pos:
                continue
            ri, rj = find(pos[a]), find(pos[b])
            if ri == rj or separated(ri, rj):
                continue
            if set().union(*(_articles(ms[x]) for x in members[ri])) & set().union(
                    *(_articles(ms[y]) for y in members[rj])):
                continue  # one event cannot hold two incidents of one article
            parent[rj] = ri
            members[ri].extend(members.pop(rj))

    pairs = []
    # candidates: same kind and governorate bucket keeps this near-linear on real corpora
    buckets: dict[tuple, list[int]] = {}
    for i, m in enumerate(ms):
        buckets.setdefault((m["report_kind"], m.get("country")), []).append(i)
    for idx in buckets.values():
        for x in range(len(idx)):
            for y in range(x + 1, len(idx)):
                i, j = idx[x], idx[y]
                s = pair_score(ms[i], ms[j])
                if s is not None and s >= LINK_THRESHOLD:
                    pairs.append((-s, ms[i]["id"], ms[j]["id"], i, j))
    pairs.sort()
    for _s, _a, _b, i, j in pairs:
        ri, rj = find(i), find(j)
        if ri == rj:
            continue
        # every pair across the two clusters must be linkable (no chaining A~B~C with A!~C)
        if not all(pair_score(ms[x], ms[y]) is not None for x in members[ri] for y in members[rj]):
            continue
        if cannot and separated(ri, rj):
            continue
        parent[rj] = ri
        members[ri].extend(members.pop(rj))
    return [[ms[i] for i in sorted(group)] for group in members.values()]


def _specificity(m: dict) -> tuple:
    return (m.get("time_precision") or 9) * -1, -(m.get("geo_precision") or 9), m["confidence"]


def merge(group: list[dict[str, Any]]) -> dict[str, Any]:
    if len(group) == 1:
        e = dict(group[0])
        e.setdefault("conflicts", [])
        return e
    best = max(group, key=lambda m: (m.get("event_date") is not None, _specificity(m)))
    e = dict(best)
    e["id"] = "rasd-" + hashlib.sha1("|".join(sorted(m["id"] for m in group)).encode()).hexdigest()[:12]
    for f in ("event_date", "date_end", "time_precision"):
        e[f] = best.get(f)
    geo_best = min(group, key=lambda m: (m.get("geo_precision") or 9, -m["confidence"]))
    for f in ("admin1", "admin2", "admin3", "location", "location_ar", "latitude", "longitude", "geo_precision"):
        e[f] = geo_best.get(f)
    e["sources"] = sorted({s["article_id"]: s for m in group for s in m["sources"]}.values(),
                          key=lambda s: s["article_id"])
    # one side per actor: the side most sources give it, the more confident source breaking ties
    votes: dict[str, dict[int, float]] = {}
    first: dict[tuple[str, int], dict] = {}
    for m in group:
        for a in m["actors"]:
            votes.setdefault(a["key"], {}).setdefault(a["side"], 0.0)
            votes[a["key"]][a["side"]] += 1 + m["confidence"] / 10
            first.setdefault((a["key"], a["side"]), a)
    actors = [first[(k, max(v, key=lambda s: (v[s], -s)))] for k, v in votes.items()]
    e["actors"] = sorted(actors, key=lambda a: (a["side"], a["role"] != "primary", a["key"]))
    e["seized"] = sorted({s for m in group for s in m.get("seized") or []})
    conflicts = []
    for f in ("arrested", "injured"):
        vals = {m["sources"][0]["article_id"]: m.get(f) for m in group if m.get(f) is not None}
        if len(set(vals.values())) > 1:
            conflicts.append({"field": f, "values": vals, "rule": "largest figure of a source (repeats)"})
        e[f] = max(vals.values()) if vals else None
    # deaths, ACLED's way: where several sources give a side's toll, the most conservative one;
    # a side only one source breaks out is taken from it (more specific, not in disagreement)
    killed: dict[str, int | None] = {"side1": None, "side2": None, "civilians": None}
    for side in killed:
        vals = [m["killed"][side] for m in group if (m.get("killed") or {}).get(side) is not None]
        killed[side] = min(vals) if vals else None
    by_side = sum(v for v in killed.values() if v)
    # totals of sources that give no breakdown: the most conservative one
    bare = [m["fatalities"] for m in group if m.get("fatalities") is not None and not m.get("killed")]
    fvals = {m["sources"][0]["article_id"]: m.get("fatalities") for m in group if m.get("fatalities") is not None}
    if len(set(fvals.values())) > 1:
        conflicts.append({"field": "fatalities", "values": fvals,
                          "rule": "per side the most conservative figure of the sources that give it, summed; "
                                  "a bare total counts only if higher than that sum (its smallest value)"})
    e["killed"] = killed if any(v is not None for v in killed.values()) else None
    totals = [by_side] + ([min(bare)] if bare else [])
    e["fatalities"] = max(totals) if (bare or any(v is not None for v in killed.values())) else None
    e["evidence"] = [ev for m in group for ev in m["evidence"]]
    e["confidence"] = round(min(0.99, max(m["confidence"] for m in group) + 0.03 * (len(group) - 1)), 2)
    e["conflicts"] = conflicts
    from rasd.extract.notes import make_notes

    e["notes"] = make_notes(e)
    return e
