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

import bisect
import dataclasses
import datetime as dt
import functools
import hashlib
import math
from collections.abc import Iterator
from typing import Any, NamedTuple

from rasd.extract.events_types import rare_sub_events, types

TOLERANCE_DAYS = {1: 1, 2: 7, 3: 31}
COMPATIBLE = {
    frozenset({"Battles", "Strategic developments"}),  # a raid told as arrests by one outlet
    frozenset({"Battles", "Violence against civilians"}),
    frozenset({"Battles", "Explosions/Remote violence"}),
    frozenset({"Riots", "Protests"}),  # one outlet's riot is another's protest
}
LINK_THRESHOLD = 3.0
RECALL_DAYS = 31  # an undated recall ("the attack on Douma") points to an incident at most this long before its article


def link_family(kind: str) -> str:
    """Report kinds that can be one event: a recalled mention meets the incidents it may refer to
    (and other recalls); a tally meets only tallies."""
    return "aggregate" if kind == "aggregate" else "event"


FAMILY_KINDS = {"event": ("incident", "background"), "aggregate": ("aggregate",)}


class Key(NamedTuple):
    """What pair_score reads of a mention, computed once per mention instead of once per pair."""

    articles: frozenset[str]
    kind: str
    country: str | None
    admin1: str | None
    day: int | None  # proleptic ordinal of event_date
    tol: int  # days of date tolerance of its time precision
    event_type: str
    sub_event_type: str
    actors: frozenset[str]  # keys, without civilians and unidentified
    lat: float | None  # degrees, as stored
    lon: float | None
    rlat: float  # radians(lat), cos(radians(lat)): the per-mention half of the haversine
    coslat: float
    geo_precision: int
    arrested: int | None
    fatalities: int | None
    end: int | None  # proleptic ordinal of date_end: a tally is its period, so its last day matters
    pub: int | None  # ordinal of its earliest source's publication: nothing reported can come after it
    injured: int | None = None


_GENERIC_ACTORS = frozenset({"civilians", "unidentified"})
MAX_TOLERANCE = max(TOLERANCE_DAYS.values())


def key_of(m: dict) -> Key:
    d = m.get("event_date")
    lat, lon = m.get("latitude"), m.get("longitude")
    rlat = math.radians(lat) if lat is not None else 0.0
    return Key(frozenset(s["article_id"] for s in m["sources"]), m["report_kind"], m.get("country"),
               m.get("admin1") or None, dt.date.fromisoformat(d).toordinal() if d else None,
               TOLERANCE_DAYS.get(m.get("time_precision") or 3, 31), m["event_type"], m["sub_event_type"],
               frozenset(x["key"] for x in m["actors"]) - _GENERIC_ACTORS, lat, lon, rlat, math.cos(rlat),
               m.get("geo_precision") or 3, m.get("arrested"), m.get("fatalities"),
               dt.date.fromisoformat(m["date_end"]).toordinal() if m.get("date_end") else None,
               _first_pub(m), m.get("injured"))


def _first_pub(m: dict) -> int | None:
    pubs = [s.get("published") for s in m.get("sources") or [] if s.get("published")]
    try:
        return min(dt.date.fromisoformat(p[:10]).toordinal() for p in pubs) if pubs else None
    except ValueError:
        return None  # a publication date the store could not read says nothing


def _km(a: Key, b: Key) -> float | None:
    if a.lat is None or b.lat is None:
        return None
    dl = math.radians(b.lon - a.lon)
    h = math.sin((b.rlat - a.rlat) / 2) ** 2 + a.coslat * b.coslat * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


_REPORT_SLACK = 1  # days: a report dated the day before its event is a time-zone slip, not a prophecy


def _reported_before(a: Key, b: Key) -> bool:
    """a's article came out before b's event happened (more than a day before its first day)."""
    return a.pub is not None and b.day is not None and a.pub < b.day - _REPORT_SLACK


UNDATED_DAYS = 7  # an undated mention is of the days just before its article


def _undated_apart(a: Key, b: Key) -> bool:
    """a gives no date: it meets b only when b's date (or, b undated too, b's publication) lies
    within UNDATED_DAYS of a's publication, so no chain of undated mentions spans months."""
    if a.day is not None or a.pub is None:
        return False
    if b.day is not None:
        return not a.pub - UNDATED_DAYS <= b.day <= a.pub + _REPORT_SLACK
    return b.pub is not None and abs(a.pub - b.pub) > UNDATED_DAYS


def _other_period(a: Key, b: Key) -> bool:
    """Two tallies count different periods: their last days, or their first days, differ by more than
    a day (a first day known only to the month compares by the month's tolerance)."""
    if a.end is not None and b.end is not None and abs(a.end - b.end) > 1:
        return True
    if a.day is None or b.day is None:
        return False
    return abs(a.day - b.day) > (1 if max(a.tol, b.tol) < TOLERANCE_DAYS[3] else TOLERANCE_DAYS[3])


def pair_score(a: dict, b: dict) -> float | None:
    """A score for 'same incident', or None when something rules it out."""
    return key_score(key_of(a), key_of(b))


def key_score(a: Key, b: Key) -> float | None:
    """pair_score on precomputed keys."""
    if a.country != b.country:
        return None
    if a.admin1 and b.admin1 and a.admin1 != b.admin1:
        return None
    if not a.articles.isdisjoint(b.articles):
        return None  # two incidents of one article were already told apart by segmentation
    if a.kind != b.kind:
        if link_family(a.kind) != link_family(b.kind):
            return None
        return _recall_score(b, a) if a.kind == "background" else _recall_score(a, b)
    gap = abs(a.day - b.day) if a.day is not None and b.day is not None else None
    if gap is not None and gap > max(a.tol, b.tol, RARE_DAYS):
        return None  # beyond the tolerance and too far apart for a re-post (the cheap test first)
    if a.event_type != b.event_type and frozenset({a.event_type, b.event_type}) not in COMPATIBLE:
        return None
    d = _km(a, b)
    same_spot = d is not None and d <= SAME_SPOT_KM and max(a.geo_precision, b.geo_precision) <= 2
    figure = _same_figure(a, b)
    # a story re-posted days later (dated by its "اليوم") keeps its spot, its figures and its kind of act
    family = _one_family(a, b)
    rare = a.sub_event_type == b.sub_event_type and a.sub_event_type in rare_sub_events()
    repost = gap is not None and same_spot and (gap <= REPOST_DAYS and figure and family or gap <= RARE_DAYS and rare)
    # one spot, and the days may be one (one of them known only to the week): another outlet's wording
    one_fight = same_spot and family and (figure or repost or gap is not None and gap <= 1 and (
        gap == 0 or max(a.tol, b.tol) > 1))
    if not repost and (_reported_before(a, b) or _reported_before(b, a)):
        return None  # an article published before an event happened does not report it
    if _undated_apart(a, b) or _undated_apart(b, a):
        return None
    score = 0.0
    if gap is not None:
        if gap > max(a.tol, b.tol) and not repost:
            return None
        score += 2.0 if gap == 0 else 1.0 if gap <= max(a.tol, b.tol) else 0.0
    if a.kind == "aggregate" and _other_period(a, b):
        return None  # tallies of one campaign over different days are different tallies (194 by Tuesday, 541 by Monday)
    if a.event_type == b.event_type:
        score += 1.5 + (0.5 if a.sub_event_type == b.sub_event_type else 0.0)
    elif frozenset({a.event_type, b.event_type}) not in COMPATIBLE:
        return None
    if a.actors and b.actors:
        shared = len(a.actors & b.actors)
        if not shared and not (a.day is not None and a.day == b.day and a.admin1 and a.admin1 == b.admin1) \
                and not one_fight:
            return None  # other groups on another day or in an unknown place: another incident
        # outlets name different groups for one fight (the army vs the security forces): on the same
        # day in the same governorate that weighs against, it does not rule out
        score += 1.0 * shared if shared else -1.0
    if a.admin1 and a.admin1 == b.admin1:
        score += 1.0
    if d is not None:
        if d > 50 and a.geo_precision <= 2 and b.geo_precision <= 2:
            return None
        # one spot on the same day (as far as known) or with the same toll, told as one kind of act
        # (clashes and shelling, a raid and arrests): outlets that word one fight differently
        score += 2.0 if one_fight else 1.0 if d <= 10 else 0.0
    return score + _figures_score(((a.arrested, b.arrested), (a.fatalities, b.fatalities), (a.injured, b.injured)))


def _recall_score(inc: Key, rec: Key) -> float | None:
    """An incident and an article that recalls an event (`background`), in one country and governorate
    (key_score): the recall points to it when the place is the same or contains it, the kind of act is
    of its family, and the dates agree; an undated recall points only to an incident before its article
    (within RECALL_DAYS) at one spot or, for a rare kind of act (a chemical attack), in one governorate."""
    if not (inc.event_type == rec.event_type or _one_family(inc, rec)):
        return None
    if _reported_before(inc, rec) or _reported_before(rec, inc):
        return None  # one of the two articles came out before the other's event: not the same one
    d = _km(inc, rec)
    if d is not None and d > 50 and rec.geo_precision <= 2:
        return None
    score = 1.5 + (0.5 if inc.sub_event_type == rec.sub_event_type else 0.0)
    if rec.day is not None:
        if inc.day is None:
            return None
        gap = abs(inc.day - rec.day)
        if gap > max(inc.tol, rec.tol):
            return None
        score += 2.0 if gap == 0 else 1.0
    else:
        if inc.day is None or rec.pub is None or not rec.pub - RECALL_DAYS <= inc.day <= rec.pub + _REPORT_SLACK:
            return None
        spot = d is not None and d <= SAME_SPOT_KM * 5 and max(inc.geo_precision, rec.geo_precision) <= 2
        rare = inc.sub_event_type == rec.sub_event_type and inc.sub_event_type in rare_sub_events() and (
            inc.admin1 is not None and inc.admin1 == rec.admin1)
        if not (spot or rare):
            return None
    if inc.actors and rec.actors:
        shared = len(inc.actors & rec.actors)
        score += 1.0 * shared if shared else -1.0
    if inc.admin1 and inc.admin1 == rec.admin1:
        score += 1.0
    if d is not None:
        score += 1.0 if d <= 10 else 0.0
    return score + _figures_score(((inc.fatalities, rec.fatalities), (inc.injured, rec.injured)))


def _figures_score(pairs: tuple[tuple[int | None, int | None], ...]) -> float:
    """What equal figures add to a pair's score: a large toll tells one incident more than a small one."""
    return sum(1.0 if x >= STRONG_FIGURE else 0.5 for x, y in pairs if x is not None and x == y)


SAME_SPOT_KM = 2.0  # two mentions placed this close (town or neighbourhood named) are at one spot
REPOST_DAYS = 14  # a story re-posted later: same spot, same figure, up to this many days apart
RARE_DAYS = 31  # a rare act (types.json rare_sub_events) at one spot: its follow-ups for a month are it
STRONG_FIGURE = 3  # a toll this large, equal in both, tells one incident


@functools.cache
def _families() -> dict[str, frozenset[int]]:
    """Sub-event type -> the families (types.json sub_event_families) it belongs to."""
    out: dict[str, set[int]] = {}
    for i, fam in enumerate(types().get("sub_event_families", [])):
        for sub in fam:
            out.setdefault(sub, set()).add(i)
    return {k: frozenset(v) for k, v in out.items()}


RARE_KM = 10.0  # two tellings of a rare act this close (the town and the district around it) are one


def _one_rare_act(a: Key, b: Key) -> bool:
    """The incidents two clusters make are one rare act (a chemical attack): the same kind in one
    governorate, within RARE_KM and RARE_DAYS, and no article in both. Its follow-up stories, each
    dated on its own day, would otherwise split it for good: complete linkage compares every member,
    and one follow-up dated ten days later is "published before" another's day."""
    if a.sub_event_type != b.sub_event_type or a.admin1 is None or a.admin1 != b.admin1:
        return False
    d = _km(a, b)
    return d is not None and d <= RARE_KM and a.day is not None and b.day is not None \
        and abs(a.day - b.day) <= RARE_DAYS and a.articles.isdisjoint(b.articles)


def _one_family(a: Key, b: Key) -> bool:
    if a.sub_event_type == b.sub_event_type:
        return True
    fam = _families()
    return bool(fam.get(a.sub_event_type, frozenset()) & fam.get(b.sub_event_type, frozenset()))


def _same_figure(a: Key, b: Key) -> bool:
    """Both give the same toll of at least STRONG_FIGURE killed, injured or arrested."""
    return any(x is not None and x == y and x >= STRONG_FIGURE
               for x, y in ((a.fatalities, b.fatalities), (a.injured, b.injured), (a.arrested, b.arrested)))


def candidate_pairs(keys: list[Key]) -> Iterator[tuple[int, int]]:
    """Index pairs (i < j) that key_score could accept: every other pair it refuses on sight.

    Blocks by report kind and country, then by governorate (an unknown one meets every named one),
    then by date (dated mentions further apart than the widest tolerance never pair; an undated one
    stands at its publication, since it meets only dates within RECALL_DAYS before it; one without
    a publication either meets every date). A necessary condition only, so linking over these pairs equals linking over
    all pairs, at a cost near-linear in the corpus instead of quadratic.
    """
    blocks: dict[tuple, dict[str | None, list[int]]] = {}
    for i, k in enumerate(keys):
        blocks.setdefault((link_family(k.kind), k.country), {}).setdefault(k.admin1, []).append(i)
    for by_admin in blocks.values():
        unknown = by_admin.get(None, [])
        for admin1, idx in by_admin.items():
            yield from _dated_pairs(keys, idx, None)
            if admin1 is not None and unknown:
                yield from _dated_pairs(keys, idx, unknown)


def _dated_pairs(keys: list[Key], xs: list[int], ys: list[int] | None) -> Iterator[tuple[int, int]]:
    """Pairs within xs (ys None) or across xs and ys whose dates are within MAX_TOLERANCE or missing."""
    def when(k: Key) -> int | None:
        # an undated mention meets only dates near its publication (_undated_apart, _recall_score)
        return k.day if k.day is not None else k.pub

    def split(idx: list[int]) -> tuple[list[tuple[int, int]], list[int]]:
        return sorted((when(keys[i]), i) for i in idx if when(keys[i]) is not None), [
            i for i in idx if when(keys[i]) is None]

    def pair(i: int, j: int) -> tuple[int, int]:
        return (i, j) if i < j else (j, i)

    dx, ux = split(xs)
    if ys is None:
        for p, (d, i) in enumerate(dx):
            for e, j in dx[p + 1:]:
                if e - d > MAX_TOLERANCE:
                    break
                yield pair(i, j)
        for q, i in enumerate(ux):
            for _, j in dx:
                yield pair(i, j)
            for j in ux[q + 1:]:
                yield pair(i, j)
        return
    dy, uy = split(ys)
    days_y = [d for d, _ in dy]
    for d, i in dx:
        lo = bisect.bisect_left(days_y, d - MAX_TOLERANCE)
        hi = bisect.bisect_right(days_y, d + MAX_TOLERANCE)
        for _, j in dy[lo:hi]:
            yield pair(i, j)
        for j in uy:
            yield pair(i, j)
    for i in ux:
        for j in ys:
            yield pair(i, j)


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

    keys = [key_of(m) for m in ms]
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
            if set().union(*(keys[x].articles for x in members[ri])) & set().union(
                    *(keys[y].articles for y in members[rj])):
                continue  # one event cannot hold two incidents of one article
            parent[rj] = ri
            members[ri].extend(members.pop(rj))

    pairs = []
    compatible: set[int] = set()  # i * n + j (i < j) for every pair key_score does not rule out
    for i, j in candidate_pairs(keys):
        s = key_score(keys[i], keys[j])
        if s is not None:
            compatible.add(i * n + j)
            if s >= LINK_THRESHOLD:
                # recalls join last: the incidents' own clusters come out as they would without them
                recall = keys[i].kind == "background" or keys[j].kind == "background"
                pairs.append((recall, -s, ms[i]["id"], ms[j]["id"], i, j))
    pairs.sort()
    told_key: dict[tuple[int, ...], Key] = {}  # a cluster's reports -> the key of the incident they make

    def linkable(ri: int, rj: int) -> bool:
        """Every pair across the two clusters can link (no chaining A~B~C with A!~C)."""
        return all((x * n + y if x < y else y * n + x) in compatible for x in members[ri] for y in members[rj])

    def incident_key(root: int) -> Key:
        reports = tuple(sorted(x for x in members[root] if keys[x].kind != "background"))
        k = told_key.get(reports)
        if k is None:
            k = told_key[reports] = key_of(_merge_reports([ms[x] for x in reports]))
        return k

    for _r, _s, _a, _b, i, j in pairs:
        ri, rj = find(i), find(j)
        if ri == rj:
            continue
        if _r:
            # a recall points to the incident the reports make, whose day and place are the merged
            # record's (not to each report: one dated a day off must not keep the recall out); two
            # reported incidents are never joined through a recall
            told_i = any(keys[x].kind != "background" for x in members[ri])
            told_j = any(keys[y].kind != "background" for y in members[rj])
            if told_i and told_j:
                continue
            if told_i or told_j:
                inc, recalls = (ri, members[rj]) if told_i else (rj, members[ri])
                k = incident_key(inc)
                if any(key_score(k, keys[x]) is None for x in recalls):
                    continue
            elif not linkable(ri, rj):
                continue
        # two tellings of one rare act are judged on the incidents the two clusters make
        elif not linkable(ri, rj) and not (keys[i].sub_event_type == keys[j].sub_event_type in rare_sub_events()
                                           and _one_rare_act(incident_key(ri), incident_key(rj))):
            continue
        if cannot and separated(ri, rj):
            continue
        parent[rj] = ri
        members[ri].extend(members.pop(rj))
    return [[ms[i] for i in sorted(group)] for group in members.values()]


def _type_rank(event_type: str) -> int:
    """Where a type stands in the merge order (data/types.json): the fighting before its shelling."""
    order = types()["merge_order"]
    return order.index(event_type) if event_type in order else len(order)


def _specificity(m: dict) -> tuple:
    return (m.get("time_precision") or 9) * -1, -(m.get("geo_precision") or 9), m["confidence"]


def merge(group: list[dict[str, Any]]) -> dict[str, Any]:
    """One record of a cluster: the incident its reports tell, with the articles that only recall
    it (`background` members) as sources of kind "mentions"; their figures, dates and places are
    not the incident's."""
    reports = [m for m in group if m["report_kind"] != "background"]
    if reports and len(reports) < len(group):
        recalls = [m for m in group if m["report_kind"] == "background"]
        e = _merge_reports(reports)
        e["id"] = _cluster_id(group)
        e["sources"] = sorted(e["sources"] + [{**s, "kind": "mentions"} for m in recalls for s in m["sources"]],
                              key=lambda s: s["article_id"])
        e["evidence"] = e["evidence"] + [ev for m in recalls for ev in m["evidence"] if ev["field"] in _RECALL_EVIDENCE]
        return e
    return _merge_reports(group)


_RECALL_EVIDENCE = ("report_kind", "event_type", "sub_event_type", "location")  # the words that recall it


def without_recalls(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records of a run without the recalled events that matched no incident (`background` ones):
    what `rasd extract` writes unless asked for them."""
    return [e for e in events if e["report_kind"] != "background"]


def _cluster_id(group: list[dict[str, Any]]) -> str:
    return "rasd-" + hashlib.sha1("|".join(sorted(m["id"] for m in group)).encode()).hexdigest()[:12]


def _merge_reports(group: list[dict[str, Any]]) -> dict[str, Any]:
    if len(group) == 1:
        e = dict(group[0])
        e.setdefault("conflicts", [])
        return e
    # an incident happens before its first report: a re-post's later "today" does not date it
    pubs = {m["id"]: _first_pub(m) for m in group}
    first_pub = min((p for p in pubs.values() if p is not None), default=None)
    possible = [m for m in group if m.get("event_date") and (
        first_pub is None or dt.date.fromisoformat(m["event_date"]).toordinal() <= first_pub + _REPORT_SLACK)]
    best = max(possible or group, key=lambda m: (m.get("event_date") is not None, _specificity(m)))
    e = dict(best)
    e["id"] = _cluster_id(group)
    for f in ("event_date", "date_end", "time_precision"):
        e[f] = best.get(f)
    geo_best = min(group, key=lambda m: (m.get("geo_precision") or 9, -m["confidence"]))
    for f in ("admin1", "admin2", "admin3", "location", "location_ar", "latitude", "longitude", "geo_precision"):
        e[f] = geo_best.get(f)
    ranked = min(group, key=lambda m: (_type_rank(m["event_type"]), -m["confidence"], m["id"]))
    for f in ("disorder_type", "event_type", "sub_event_type"):
        e[f] = ranked.get(f)
    e["sources"] = sorted({s["article_id"]: s for m in group for s in m["sources"]}.values(),
                          key=lambda s: s["article_id"])
    # one side per actor: the side most sources give it, the more confident source breaking ties
    votes: dict[str, dict[int, float]] = {}
    first: dict[tuple[str, int], dict] = {}
    for m in group:
        # the first report breaks a tie: a re-post or a late roundup copies it, less carefully
        lead = 0.2 if first_pub is not None and pubs[m["id"]] == first_pub else 0.0
        for a in m["actors"]:
            votes.setdefault(a["key"], {}).setdefault(a["side"], 0.0)
            votes[a["key"]][a["side"]] += 1 + m["confidence"] / 10 + lead
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
