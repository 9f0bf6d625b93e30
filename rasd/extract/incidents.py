"""Segmentation of an article into incidents, and each incident's report kind.

An article is cut into clauses (sentences, split again at reporting connectors such as
"لافتا إلى أن" or "والذي وقع"). Walking the clauses in order, a clause with a real event
trigger joins the current incident unless it brings its own anchor that contradicts it: a
date that does not overlap, a governorate that does not match, or an explicit "وفي سياق
متصل". A repeated lead merges back into the incident it repeats.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from rasd.doc import Doc, Span
from rasd.extract.cues import cue_matches, cue_set

# trigger classes that describe an event on their own; the others (kill, injure) only
# describe one when no other trigger is near, and then count as attacks.
EVENT_CLASSES = {
    "raid", "clash", "arrest", "dismantle", "seizure", "neutralise", "assassination", "kidnap", "ied",
    "car_bomb", "suicide", "explosion", "airstrike", "shelling", "attack", "grenade", "control",
    "protest", "kill", "injure", "chemical", "riot", "looting", "intercept", "smuggling",
}
BACKGROUND_DAYS = 30  # an incident that ended this long before publication is recalled context
_PENDING_SENTENCES = 2  # a date in a clause without a trigger still governs the next two sentences
_INCIDENT_SPAN_DAYS = 31  # an incident's own date spans at most a month
_NARROW_DAYS = 10  # a date this narrow inside a tally's period is an incident of its own


@dataclass
class Unit:
    """A clause: the smallest stretch of text that carries one date, place and event."""

    index: int
    nstart: int
    nend: int
    start: int
    end: int
    sentence: int
    first_in_sentence: bool
    triggers: list[Span] = field(default_factory=list)
    dates: list[Span] = field(default_factory=list)
    numbers: list[Span] = field(default_factory=list)
    actors: list[Span] = field(default_factory=list)
    places: list[Span] = field(default_factory=list)
    seized: list[Span] = field(default_factory=list)
    cues: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    def has(self, cue: str) -> bool:
        return bool(self.cues.get(cue))

    @property
    def realis_triggers(self) -> list[Span]:
        return [t for t in self.triggers if t.get("realis", True) and t.label in EVENT_CLASSES]

    def admin1s(self) -> set[str]:
        """Governorates this clause names unambiguously (an ambiguous name says nothing here)."""
        out: set[str] = set()
        for p in self.places:
            cands = {c.admin1 for c in p.get("candidates") or [] if c.admin1}
            if len(cands) == 1:
                out |= cands
        return out


@dataclass
class Incident:
    """One incident of one article: its clauses, governing date, kind and why."""

    units: list[Unit]
    kind: str = "incident"
    date: Span | None = None
    kind_evidence: tuple[int, int] | None = None
    date_unknown: bool = False  # a relative date we cannot resolve governs it

    @property
    def start(self) -> int:
        return self.units[0].start

    def admin1s(self) -> set[str]:
        out: set[str] = set()
        for u in self.units:
            out |= u.admin1s()
        return out

    def core_admin1s(self) -> set[str]:
        """Governorates of the clauses that carry a date (a headline may name two incidents)."""
        out: set[str] = set()
        for u in self.units:
            if u.dates:
                out |= u.admin1s()
        return out or self.admin1s()

    def date_range(self) -> tuple[dt.date, dt.date] | None:
        if self.date is None or self.date.get("date_start") is None:
            return None
        return self.date.get("date_start"), self.date.get("date_end") or self.date.get("date_start")

    def layer(self, name: str, realis_only: bool = False) -> list[Any]:
        out: list[Any] = []
        for u in self.units:
            if realis_only and not u.realis_triggers:
                continue
            out.extend(getattr(u, name))
        return out


_CUE_NAMES = ("clause_breaks", "new_incident_markers", "aggregate_cues", "background_cues", "irrealis")


def _cue_hits(doc: Doc) -> dict[str, list[tuple[int, int]]]:
    return {name: [(m.nstart, m.nend) for m in cue_matches(doc, name)] for name in _CUE_NAMES}


def _units(doc: Doc, hits: dict[str, list[tuple[int, int]]]) -> list[Unit]:
    breaks = sorted(s for s, _e in hits["clause_breaks"])
    units: list[Unit] = []
    for si, sent in enumerate(doc.sentences):
        ns, ne = doc.view_index(sent.start), doc.view_index(sent.end)
        cuts = [b for b in breaks[bisect.bisect_left(breaks, ns + 1):bisect.bisect_left(breaks, ne)]]
        bounds = [ns, *cuts, ne]
        for k in range(len(bounds) - 1):
            a, b = bounds[k], bounds[k + 1]
            if b <= a:
                continue
            units.append(Unit(len(units), a, b, doc.orig_start(a), doc.orig_end(b), si, k == 0))
    return units


def _assign(units: list[Unit], spans: list[Any], attr: str) -> None:
    """Put each span into the clause that holds its start (spans are original offsets)."""
    starts = [u.start for u in units]
    for sp in spans:
        i = bisect.bisect_right(starts, sp.start) - 1
        if 0 <= i < len(units) and sp.start < units[i].end:
            getattr(units[i], attr).append(sp)


def _assign_cues(units: list[Unit], hits: dict[str, list[tuple[int, int]]]) -> None:
    starts = [u.nstart for u in units]
    for name, spans in hits.items():
        for s, e in spans:
            i = bisect.bisect_right(starts, s) - 1
            if 0 <= i < len(units):
                units[i].cues.setdefault(name, []).append((s, e))


_DESCRIPTIVE_PRESENT = frozenset({"attack", "raid", "arrest", "control", "shelling", "airstrike"})
_RESULT_VERBS = frozenset({"ادي", "ادت", "يؤدي", "اسفر", "اسفرت", "تسبب", "تسببت", "افضي", "افضت", "جاء"})


def _mark_irrealis(doc: Doc, unit: Unit) -> None:
    """Triggers that describe no event that happened: under a modal, purpose or habitual word,
    or a verbal noun of purpose ("للقضاء على", "لتفكيك") unless it is a result ("أدى لمقتل")."""
    irr = unit.cues.get("irrealis", [])
    marked = []
    for t in unit.triggers:
        tn = doc.view_index(t.start)
        realis = not any(s <= tn < e or (0 <= tn - e and _tokens_between(doc, e, tn) < _IRREALIS_REACH)
                         for s, e in irr)
        if realis and t.get("present") and t.label in _DESCRIPTIVE_PRESENT:
            realis = False  # "الحملة تستهدف أوكار التنظيم" describes, it does not report
        if realis and _purpose(doc, tn):
            realis = False
        if not realis:
            t = Span(t.start, t.end, t.text, t.label, {**t.attrs, "realis": False})
        marked.append(t)
    unit.triggers = marked


_IRREALIS_REACH = 4  # words between a modal/negation/purpose word and the event word it governs


def _tokens_between(doc: Doc, a: int, b: int) -> int:
    """Number of tokens between view offsets a and b (b after a)."""
    i, j = doc.token_at(a), doc.token_at(b)
    if i is None:
        i = doc.token_at(a - 1) if a > 0 else 0
    if i is None or j is None:
        return 99
    return max(0, j - i - 1)


def _purpose(doc: Doc, tn: int) -> bool:
    tok_i = doc.token_at(tn)
    if tok_i is None:
        return False
    tok = doc.tokens[tok_i]
    prefix = doc.norm[tok.nstart:tn]
    if doc.norm.startswith("لل", tn):
        prefix += "ل"  # the lexicon keeps a fused لل inside the span ("للقضاء على")
    if not prefix.replace("و", "").replace("ف", "").startswith("ل"):
        return False
    prev = doc.tokens[tok_i - 1].norm if tok_i > 0 else ""
    return prev not in _RESULT_VERBS and not prev.startswith("ما")


def _unit_date(unit: Unit, published: dt.date | None, periods: bool | None = None) -> Span | None:
    """The clause's governing date: the earliest recent one (an event precedes its report).

    A period ("منذ عام 2016", "خلال شهري تموز وآب") dates a tally, never an incident."""
    dated = [d for d in unit.dates if d.get("date_start") is not None]
    if not (unit.has("aggregate_cues") if periods is None else periods):
        # "منذ عام 2016", "العام الماضي": a period is the date of a tally, not of an incident
        dated = [d for d in dated if ((d.get("date_end") or d.get("date_start")) - d.get("date_start")).days
                 <= _INCIDENT_SPAN_DAYS]
    if not dated:
        return None
    if published is not None:
        recent = [d for d in dated if (published - (d.get("date_end") or d.get("date_start"))).days
                  <= BACKGROUND_DAYS]
        if recent:
            dated = recent
    return min(dated, key=lambda d: d.get("date_start"))


def _overlap(a: tuple[dt.date, dt.date], b: tuple[dt.date, dt.date]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _anchored(unit: Unit) -> bool:
    """A clause strong enough to open a new incident by a change of place alone."""
    if unit.dates:
        return True
    if any(n.get("kind") in ("exact", "at_least", "approximate") and n.get("value") for n in unit.numbers):
        return True
    # a finite verb trigger opening the sentence ("قتل شخصان ...", "انفجرت عبوة ...")
    return unit.first_in_sentence and any(t.start - unit.start <= 12 for t in unit.realis_triggers)


def segment(doc: Doc) -> list[Incident]:
    hits = _cue_hits(doc)
    units = _units(doc, hits)
    if not units:
        return []
    for name in ("triggers", "dates", "numbers", "actors", "places", "seized"):
        _assign(units, doc.get(name), name)
    _assign_cues(units, hits)
    published = doc.published
    title = units[0] if _is_title(doc, units[0]) else None
    for u in units:
        _mark_irrealis(doc, u)
    trigger_units = sum(1 for u in units[1:] if u.realis_triggers)
    incidents: list[Incident] = []
    current: Incident | None = None
    pending_date: Span | None = None
    pending_sentence = -1
    pending_aggregate = False
    for u in units:
        udate = _unit_date(u, published)
        if not u.realis_triggers:
            if current is not None and u.sentence == current.units[-1].sentence:
                current.units.append(u)  # a dependent clause of the same sentence
                if current.date is None and udate is not None and not u.has("background_cues"):
                    current.date = udate
            elif udate is not None:
                pending_date = udate
                pending_sentence = u.sentence
                pending_aggregate = u.has("aggregate_cues")
            continue
        if udate is None and pending_date is not None and u.sentence - pending_sentence <= _PENDING_SENTENCES:
            # "أعلنت قسد نتائج عملياتها خلال شهري تموز وآب" then the figures in the next sentence
            udate = pending_date
            if pending_aggregate and not u.has("aggregate_cues"):
                u.cues.setdefault("aggregate_cues", []).append(
                    (doc.view_index(pending_date.start), doc.view_index(pending_date.end)))
        pending_date = None
        if u is title and trigger_units > 2:
            continue  # the headline repeats the body (and may sum up two incidents)
        earlier = _referent(u, incidents) if current is not None else None
        if earlier is not None:
            earlier.units.append(u)  # "الهجوم الكيميائي": the attack already told, whatever date the clause has
            current = earlier
            continue
        if current is None or _starts_new(u, udate, current):
            if u.has("aggregate_cues") and udate is None:
                agg = next((i for i in reversed(incidents) if i.kind == "aggregate"), None)
                if agg is not None:
                    agg.units.append(u)
                    current = agg
                    continue
            current = Incident([u], date=udate, date_unknown=udate is None and bool(u.dates))
            current.kind = "aggregate" if u.has("aggregate_cues") else "incident"
            incidents.append(current)
        else:
            current.units.append(u)
            if current.kind != "aggregate":
                udate = _unit_date(u, published, periods=False)
            if current.date is None and udate is not None and not current.date_unknown:
                current.date = udate
            elif current.date is None and u.dates and udate is None:
                current.date_unknown = True  # "صباح اليوم" with no publication date: a later year is context
    for inc in incidents:
        _classify(doc, inc, published)
    return _merge_repeats(incidents)


def _referent(u: Unit, incidents: list[Incident]) -> Incident | None:
    """The incident a clause refers back to when its only event words are definite nouns of a
    kind already told ("الهجوم", "الانفجار", "الغارات" after the report of that attack)."""
    trig = u.realis_triggers
    if not trig or not all(t.text.startswith(("ال", "لل")) or t.text[1:3] == "ال" for t in trig):
        return None
    if u.has("new_incident_markers") or u.has("aggregate_cues"):
        return None
    labels = {t.label for t in trig} - {"kill", "injure"}
    for inc in reversed(incidents):
        if inc.kind == "incident" and labels & {t.label for x in inc.units for t in x.realis_triggers}:
            return inc
    return None


def _is_title(doc: Doc, u: Unit) -> bool:
    """A first line without final punctuation, followed by a line break, is a headline."""
    line = doc.text[u.start:u.end].rstrip()
    return u.sentence == 0 and not line.endswith((".", "!", "؟", "?")) and "\n" in doc.text[u.end:u.end + 3]


def _vague_recent(d: Span) -> bool:
    """"منذ ساعات", "منذ الصباح": a duration up to now, too loose to tell two incidents apart."""
    return d.text.lstrip("وفب").startswith("منذ") and d.get("precision") == 1


def _starts_new(u: Unit, udate: Span | None, cur: Incident) -> bool:
    cur_range = cur.date_range()
    if udate is not None and cur_range is not None and not _vague_recent(udate):
        urange = (udate.get("date_start"), udate.get("date_end") or udate.get("date_start"))
        if not _overlap(urange, cur_range):
            return True
        if (cur.kind == "aggregate" and not u.has("aggregate_cues")
                and (urange[1] - urange[0]).days <= _NARROW_DAYS < (cur_range[1] - cur_range[0]).days):
            return True
    if u.has("aggregate_cues") and cur.kind != "aggregate":
        return True  # a tally after an incident ("... في عدة محافظات") is not that incident
    ua, ca = u.admin1s(), cur.core_admin1s()
    if u.has("new_incident_markers") and (u.places or udate is not None):
        return not (ua and ca and ua <= ca and udate is None)
    if ua and ca and not (ua & ca) and _anchored(u):
        return True
    return False


def _pluperfect(doc: Doc, u: Unit) -> bool:
    """"وكان التنظيم قد شن ...": a past perfect recalls an earlier event."""
    toks = doc.tokens_in(u.start, u.end)[:8]
    return bool(toks) and toks[0].norm in cue_set("pluperfect_lead") and any(t.norm == "قد" for t in toks[1:])


def _classify(doc: Doc, inc: Incident, published: dt.date | None) -> None:
    """incident / aggregate / background from cues and the distance of the date."""
    first = inc.units[0]
    if first.has("aggregate_cues"):
        inc.kind = "aggregate"
        inc.kind_evidence = first.cues["aggregate_cues"][0]
    rng = inc.date_range()
    if inc.kind == "aggregate":
        return
    if first.has("background_cues") or _pluperfect(doc, first):
        inc.kind = "background"
        inc.kind_evidence = (first.cues.get("background_cues") or [(first.nstart, first.nstart + 4)])[0]
    elif rng is not None and published is not None and (published - rng[1]).days > BACKGROUND_DAYS:
        inc.kind = "background"


def _merge_repeats(incidents: list[Incident]) -> list[Incident]:
    """A lead repeated in the body, or an undated follow-up at the same place, is one incident."""
    out: list[Incident] = []
    for inc in incidents:
        target = None
        for prev in out:
            if prev.kind != inc.kind:
                continue
            pr, ir = prev.date_range(), inc.date_range()
            if pr is not None and ir is not None and not _overlap(pr, ir):
                continue
            pa, ia = prev.admin1s(), inc.admin1s()
            if pa and ia and not (pa & ia):
                continue
            if pr is None and ir is None and not (pa and ia):
                continue
            target = prev
        if target is None:
            out.append(inc)
        else:
            target.units.extend(inc.units)
            if target.date is None:
                target.date = inc.date
    return out


def incidents(doc: Doc) -> None:
    """Pipeline component: layer "incidents" of Incident objects, in text order."""
    doc.add("incidents", segment(doc))
