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
import itertools
from dataclasses import dataclass, field
from typing import Any

from rasd.doc import Doc, Span
from rasd.extract.cues import cue_matches, cue_set, cues

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
_REPEAT_CHARS = 40  # a clause this long printed twice is the page repeating itself, not a second report
_PLUPERFECT_LEAD_AT = 3  # words into a clause where its "كان ... قد" may stand
_REPORT_LAG_DAYS = 7  # an announced day this soon after the act may be its report
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
    point_dates: list[Span] = field(default_factory=list)  # days of its own act
    period_dates: list[Span] = field(default_factory=list)  # periods up to publication (tallies)
    demoted_dates: list[Span] = field(default_factory=list)  # of a relative clause or an announcement
    other_dates: list[Span] = field(default_factory=list)  # days of another noun: a deed, the noun before
    site_keys: frozenset[str] = frozenset()  # the towns and villages it names (_sites), read once
    decision: str = ""  # what segmentation did with the clause (rasd inspect --incidents)
    reason: str = ""  # the cue or anchor behind it

    def has(self, cue: str) -> bool:
        return bool(self.cues.get(cue))

    @property
    def realis_triggers(self) -> list[Span]:
        return [t for t in self.triggers if t.get("realis", True) and t.label in EVENT_CLASSES]

    def admin1s(self) -> set[str]:
        """Governorates this clause names unambiguously (an ambiguous name says nothing here;
        nor does "البلدة", which only points back)."""
        out: set[str] = set()
        named = [p for p in self.places if not p.get("anaphor")]
        if any(not p.get("dateline") for p in named):
            named = [p for p in named if not p.get("dateline")]  # where the agency files from
        named = [p for p in named if not p.get("role")] or named  # not a home town or a name
        if any(p.get("direction") != "near" and p.get("describes") is None
               and not any(c.is_foreign for c in p.get("candidates") or []) for p in named):
            # "الغوطة الشرقية، آخر معاقل الفصائل قرب دمشق", "الغوطة، التي تعتبر رئة دمشق": the second
            # place only locates or describes the first
            named = [p for p in named if p.get("direction") != "near" and p.get("describes") is None]
        for p in named:
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
    scope: Incident | None = None  # a tally without a place of its own counts around this incident
    dropped: str = ""  # why no record came of it (set by events), for the trace
    opened_by: str = ""  # the anchor that made it a new incident: day, cue, governorate, place

    @property
    def start(self) -> int:
        return self.units[0].start

    def admin1s(self) -> set[str]:
        out: set[str] = set()
        for u in self.units:
            out |= u.admin1s()
        return out

    def scope_admin1s(self) -> set[str]:
        """A tally's governorates: those of the clauses that state it (its period, cue or figures),
        not of the comment that follows ("الأمم المتحدة في دمشق")."""
        out: set[str] = set()
        for u in self.scope_units():
            out |= u.admin1s()
        return out

    def scope_units(self) -> list[Unit]:
        """The clauses that state a tally: its first, and those with its cue, period or figures."""
        return [u for k, u in enumerate(self.units) if k == 0 or is_tally(u)]

    def sites(self) -> set[str]:
        """The towns and villages of its event clauses and their dependent clauses."""
        out: set[str] = set()
        for u in self.units:
            if u.realis_triggers or u.decision == "part":
                out |= u.site_keys
        return out

    def core_admin1s(self) -> set[str]:
        """Governorates of the clauses that carry a date (a headline may name two incidents)."""
        out: set[str] = set()
        for u in self.units:
            if u.dates:
                out |= u.admin1s()
        return out or self.admin1s()

    def opening_admin1s(self) -> set[str]:
        """Governorates of the clause that opened it (clauses joined later may wander off to the
        negotiations or the other side's shelling)."""
        return self.units[0].admin1s() or self.admin1s()

    def date_range(self) -> tuple[dt.date, dt.date] | None:
        if self.date is None or self.date.get("date_start") is None:
            return None
        return _days(self.date)

    def layer(self, name: str, realis_only: bool = False) -> list[Any]:
        out: list[Any] = []
        for u in self.units:
            if realis_only and not u.realis_triggers:
                continue
            out.extend(getattr(u, name))
        return out


_CUE_NAMES = ("clause_breaks", "new_incident_markers", "aggregate_cues", "background_cues", "irrealis", "answer_cues",
              "refer_back", "superlatives", "announce_verbs", "relative_pronouns", "reaction_cues",
              "new_incident_weak", "since_words", "scope_cues", "demonstratives", "syria_as_place",
              "campaign_cues", "threat_verbs", "inquiry_cues", "military_sites",
              "teaser_leads", "past_deeds", "release_words", "trend_cues")


def _cue_hits(doc: Doc) -> dict[str, list[tuple[int, int]]]:
    return {name: [(m.nstart, m.nend) for m in cue_matches(doc, name)] for name in _CUE_NAMES}


def _date_breaks(doc: Doc) -> list[int]:
    """Cuts between two days of one sentence: "استهدفت الضربة القيادي يوم 16، وهو المسؤول عن كمين
    أسفر عن مقتل جنديين بتاريخ 13 من الشهر الماضي" tells two acts, each with its own day. The cut is
    the last comma between the two dates (view offsets); without a comma the sentence stays whole."""
    out: list[int] = []
    spans = [d for d in doc.get("dates") if d.get("date_start") is not None and not d.get("period")]
    norm = doc.norm
    starts = [s.start for s in doc.sentences]
    for a, b in itertools.pairwise(spans):
        if bisect.bisect_right(starts, a.start) != bisect.bisect_right(starts, b.start) \
                or _overlap(_days(a), _days(b)):
            continue
        lo, hi = doc.view_index(a.end), doc.view_index(b.start)
        cut = max(norm.rfind("،", lo, hi), norm.rfind(",", lo, hi))
        if cut >= lo:
            out.append(cut + 1)
    return out


def _units(doc: Doc, hits: dict[str, list[tuple[int, int]]]) -> list[Unit]:
    cont = cue_set("line_continuers")
    # "في وسط سوريا" is a place, not "وسط" (amid) opening a clause: no break after a preposition
    cue_breaks = [s for s, _e in hits["clause_breaks"]
                  if (doc.norm[max(0, s - 16):s].split() or [""])[-1] not in cont]
    breaks = sorted(cue_breaks + _date_breaks(doc))
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


_EFFECT_CLASSES = frozenset({"explosion", "kill", "injure"})  # what an act did, not the act
_DESCRIPTIVE_PRESENT = frozenset({"attack", "raid", "arrest", "control", "shelling", "airstrike", "kill"})
_SUBJECTED_REACH = 5  # words between "تعرض" / "تصدي" and the "ل" of what was done or met
_RESULT_VERBS = frozenset({"ادي", "ادت", "يؤدي", "اسفر", "اسفرت", "تسبب", "تسببت", "افضي", "افضت", "جاء"})


def _mark_irrealis(doc: Doc, unit: Unit) -> None:
    """Triggers that describe no event that happened: under a modal, purpose or habitual word,
    or a verbal noun of purpose ("للقضاء على", "لتفكيك") unless it is a result ("أدى لمقتل")."""
    irr = unit.cues.get("irrealis", [])
    threat = min((s for name in ("threat_verbs", "past_deeds") for s, _e in unit.cues.get(name, [])), default=None)
    released = unit.cues.get("release_words", [])
    marked = []
    for t in unit.triggers:
        tn = doc.view_index(t.start)
        realis = not any(s <= tn < e or (0 <= tn - e and _tokens_between(doc, e, tn) < _IRREALIS_REACH)
                         for s, e in irr) and (threat is None or tn < threat)
        if realis and t.get("present") and t.label in _DESCRIPTIVE_PRESENT and not _quoted_headline(doc, t):
            realis = False  # "الحملة تستهدف أوكار التنظيم" describes, it does not report
        if realis and _purpose(doc, tn):
            realis = False
        if realis and t.label == "kidnap" and any(e <= tn and _tokens_between(doc, e, tn) < _RELEASE_REACH
                                                 for _s, e in released):
            realis = False  # "تحرير خمسة مختطفين": the kidnapping is over, the news is the rescue
        if not realis:
            t = t.with_attrs(realis=False)
        marked.append(t)
    # "هذه الغارات التي تأتي بعد هجوم كيميائي": beside an act reported, the act it follows is recalled
    after = [t for t in marked if t.get("realis", True)
             and _tokens_before(doc, unit, "reaction_cues", doc.view_index(t.start), 2)]
    # ... when an act is reported before it; an effect told first ("انفجارات إثر ضربات صاروخية
    # استهدفت ...") names the cause itself
    acts = [t.start for t in marked if t.get("realis", True) and t not in after
            and t.label not in _EFFECT_CLASSES and not t.get("instrument")]
    recalled = [t for t in after if acts and min(acts) < t.start]
    if recalled:
        marked = [t.with_attrs(realis=False, recalled=True) if t in recalled else t for t in marked]
    unit.triggers = marked


_REFER_SENTENCES = 2  # "الانفجار" refers to an IED told at most this many sentences before
_ANNOUNCE_REACH = 8  # words from "أعلنت" to the day it dates: "أعلنت قوى الأمن الداخلي في X، السبت"
_RELEASE_REACH = 6  # words from "تحرير" to the kidnapped it frees
_DEED_REACH = 10  # words from "المسؤولين عن" / "بارتكاب" to the day of the deed it names
_IRREALIS_REACH = 4  # words between a modal/negation/purpose word and the event word it governs


_QUOTE_OPENERS = frozenset(':："«“')
_CLAUSE_BREAKS = frozenset(".،,؛;!?؟\n")
_QUOTE_REACH = 5  # words from the colon or opening quote to the present-tense verb


def _quoted_headline(doc: Doc, t: Span) -> bool:
    """"وقالت القناة: "قوات الاحتلال تعتقل 4 شبان ...": a quoted bulletin reports in the present
    (a headline present), unlike a description ("الحملة تستهدف أوكار التنظيم")."""
    ti = doc.token_of(t.start)
    if ti is None:
        return False
    toks, text = doc.tokens, doc.text
    words = 0
    for j in range(ti - 1, -1, -1):
        gap = text[toks[j].end:toks[j + 1].start] + text[toks[j].start:toks[j].end]
        if any(c in _QUOTE_OPENERS for c in gap):
            return True
        if any(c in _CLAUSE_BREAKS for c in gap):
            return False
        words += 1
        if words > _QUOTE_REACH:
            return False
    return False


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
    lam_objects = cue_set("lam_objects")
    if any(t.norm.lstrip("وفبل") in lam_objects or t.norm in lam_objects
           for t in doc.tokens[max(0, tok_i - _SUBJECTED_REACH):tok_i]):
        return False  # "تعرض حاجز لاستهداف", "تصدي الدفاعات لهجوم": met an attack, not in order to attack
    return prev not in _RESULT_VERBS and not prev.startswith("ما")


def _opens_with(u: Unit, name: str, slack: int = 1) -> bool:
    """Does a cue of `name` open the clause (within `slack` characters of its start: a و written on)?"""
    return any(s <= u.nstart + slack for s, _e in u.cues.get(name, []))


def _tokens_before(doc: Doc, u: Unit, name: str, at: int, reach: int) -> bool:
    """A cue of `name` in this clause ending at most `reach` words before view offset `at`."""
    return any(e <= at and _tokens_between(doc, e, at) < reach for _s, e in u.cues.get(name, []))


_THAT = frozenset({"ان", "بان", "انه", "انها"})


def _reported(doc: Doc, u: Unit, dn: int) -> bool:
    """"أعلنت الوكالة أن الحرس شن فجر الاثنين هجوماً": after "أن" the day is the act's, not the
    announcement's."""
    ends = [e for _s, e in u.cues.get("announce_verbs", []) if e <= dn]
    if not ends:
        return False
    i, j = doc.token_at(max(ends) - 1), doc.token_at(dn)
    return i is not None and j is not None and any(t.norm in _THAT for t in doc.tokens[i + 1:j])


def _read_dates(doc: Doc, u: Unit, published: dt.date | None) -> None:
    """Sort the clause's dates into the incident's own days and the periods of a tally.

    Left out: a date after publication (a plan), and a period measuring a record ("أعنف قصف
    منذ شهر"). Kept but demoted (used only when the clause has no other day): a date inside a
    relative clause ("الهجوم الذي وقع في أيلول") and the day of an announcement ("أعلنت
    الوزارة الأحد"): an announced act happened on or before that day (precision 2)."""
    points: list[Span] = []
    periods: list[Span] = []
    demoted: list[Span] = []
    others: list[Span] = []
    for d in u.dates:
        ds = d.get("date_start")
        if ds is None:
            continue
        if published is not None and ds > published:
            continue
        dn = doc.view_index(d.start)
        if _tokens_before(doc, u, "superlatives", dn, 8):
            continue
        if _tokens_before(doc, u, "past_deeds", dn, _DEED_REACH):
            others.append(d)  # "القبض على المسؤولين عن مجزرة التضامن قبل 12 عاماً": the deed's day
            continue
        de = d.get("date_end") or ds
        if d.get("period") and published is not None and ds >= published:
            d = d.with_attrs(date_end=ds, period=False)  # "منذ صباح اليوم": today's toll, no tally
            de = ds
        if d.get("period") or (de - ds).days > _INCIDENT_SPAN_DAYS:
            periods.append(d)
            continue
        if published is not None and _tokens_before(doc, u, "since_words", dn, 5) and de < published:
            # "منذ تكثيف القصف ليل الأحد": from that day to publication ("منذ صباح اليوم" is today's toll)
            periods.append(d.with_attrs(date_end=published, period=True))
            continue
        if _tokens_before(doc, u, "relative_pronouns", dn, 4):
            if _opens_with(u, "relative_pronouns"):
                others.append(d)  # "وبعد أسبوع من الهجوم، | الذي وقع يوم 7 نيسان، شنت ...": the noun before's
                continue
            demoted.append(d)
        elif _tokens_before(doc, u, "announce_verbs", dn, _ANNOUNCE_REACH) and not any(
                doc.view_index(t.start) < dn for t in u.realis_triggers) and not _reported(doc, u, dn):
            demoted.append(d.with_attrs(precision=2, announced=True))
        else:
            points.append(d)
    running = [d.get("date_start") for d in periods if d.get("period")]
    if running:
        # "تشن القوات منذ 19 حزيران عملية في درعا، مهد الاحتجاجات في آذار 2011": a day before the
        # campaign it describes is context, not the act's day
        points = [d for d in points if d.get("date_start") >= min(running)]
        demoted = [d for d in demoted if d.get("date_start") >= min(running)]
    if not points and not demoted and published is not None and _told_in_the_past(doc, u):
        # "وكانت القاعدة هدفا لهجوم أميركي في العام الماضي": in a clause told in the past ("وكان"), a
        # whole past year (not a span up to now) dates the act, at precision 3; a tally still reads
        # it as its period
        points = [d for d in periods if not d.get("period")
                  and (published - (d.get("date_end") or d.get("date_start"))).days > BACKGROUND_DAYS]
    u.point_dates, u.period_dates, u.demoted_dates, u.other_dates = points, periods, demoted, others


def _unit_date(unit: Unit, published: dt.date | None, periods: bool = False) -> Span | None:
    """The clause's own date: the day nearest its event word (a tally: its period's start).

    A date more than BACKGROUND_DAYS before publication counts only when the clause has no
    recent one (an event precedes its report, and old dates are mostly context)."""
    if periods and unit.period_dates:
        return min(unit.period_dates, key=lambda d: d.get("date_start"))
    dated = unit.point_dates or unit.demoted_dates
    if not dated:
        return None
    if published is not None:
        recent = [d for d in dated if (published - (d.get("date_end") or d.get("date_start"))).days
                  <= BACKGROUND_DAYS]
        dated = recent or dated
    trig = unit.realis_triggers
    if not trig:
        return min(dated, key=lambda d: d.get("date_start"))
    # the day nearest the act ("شن فجر الاثنين هجوماً")، not nearest a toll of the act it answers
    acts = [t for t in trig if t.label not in _EFFECT_CLASSES] or trig
    return min(dated, key=lambda d: (min(abs(d.start - t.start) for t in acts), d.start))


def _days(d: Span) -> tuple[dt.date, dt.date]:
    """First and last day of a resolved date span."""
    return d.get("date_start"), d.get("date_end") or d.get("date_start")


def _overlap(a: tuple[dt.date, dt.date], b: tuple[dt.date, dt.date]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _anchored(unit: Unit) -> bool:
    """A clause strong enough to open a new incident by a change of governorate alone."""
    if unit.point_dates or unit.demoted_dates:  # an announcement's day still dates a report of the act
        return True
    if any(n.get("kind") in ("exact", "at_least", "approximate") and n.get("value") for n in unit.numbers):
        return True
    # a finite verb trigger opening the sentence ("قتل شخصان ...", "انفجرت عبوة ...")
    return unit.first_in_sentence and any(t.start - unit.start <= 12 for t in unit.realis_triggers)


_AREA_KINDS = frozenset({"governorate", "district", "subdistrict", "country", "region"})


def _sites(u: Unit) -> set[str]:
    """The specific places a clause names (towns, villages, neighbourhoods, bases), not areas
    ("ريف إدلب", a governorate) that contain them."""
    out = set()
    for p in u.places:
        if p.get("direction") is not None or not p.get("key") or p.get("anaphor"):
            continue  # "المدينة", "البلدة" name the place already told
        if p.get("describes") is not None or p.get("role"):
            continue  # "الغوطة، التي تعتبر رئة دمشق", "من أبناء إنخل": no scene of an act
        cands = p.get("candidates") or []
        if cands and all(c.kind in _AREA_KINDS or c.kind == "city" and c.admin2 is None for c in cands):
            continue
        if cands and any(c.kind == "governorate" for c in cands):
            continue  # "إدلب" alone: the governorate as often as the city
        out.add(p.get("key"))
    return out


def _figure(u: Unit) -> bool:
    """A count outside the clause's dates ("915 شخصا", not the 18 of "خلال 18 يوما")."""
    spans = [(d.start, d.end) for d in u.dates]
    return any(n.get("value") and n.get("kind") in ("exact", "at_least", "approximate")
               and not any(s <= n.start < e for s, e in spans) for n in u.numbers)


def is_tally(u: Unit) -> bool:
    """A tally cue, or a figure over a period that runs to publication ("قتل 915 خلال 18 يوماً",
    "ارتفعت الحصيلة منذ الثلاثاء إلى 17")."""
    running = any(d.get("period") for d in u.period_dates)
    return u.has("aggregate_cues") or bool((running or u.has("scope_cues")) and _figure(u))


def _reports_it(udate: Span, urange: tuple[dt.date, dt.date], cur_range: tuple[dt.date, dt.date]) -> bool:
    """"ذكر الدفاع المدني في تقرير نشره صباح اليوم أن طفلة ...": a report's day in the week after
    the act does not make another act."""
    return bool(udate.get("announced")) and 0 <= (urange[0] - cur_range[1]).days <= _REPORT_LAG_DAYS


def _starts_new(u: Unit, udate: Span | None, cur: Incident) -> tuple[str, str]:
    """The anchor (day, cue, governorate, place) and the reason why the clause opens an incident
    of its own; ("", "") when it tells more of the current one.

    A clause with its own event words opens a new incident when it brings an anchor the current
    one does not have: a day that does not overlap, another governorate, another town, or a
    discourse cue for another event. It stays when it refers back ("خلال الهجوم")."""
    cue = ("cue", "a cue for another event")
    cur_range = cur.date_range()
    urange = _days(udate) if udate is not None else None
    if urange is not None and cur_range is not None and not _vague_recent(udate) \
            and not _overlap(urange, cur_range) and not _reports_it(udate, urange, cur_range):
        return "day", f"a day of its own ({udate.text})"
    if cur.kind == "aggregate":
        # after a tally, a clause tells more of it unless it has a day of its own or a cue
        span = (urange[1] - urange[0]).days if urange is not None else None
        if span is not None and not udate.get("period") and span <= _NARROW_DAYS \
                and (cur_range is None or _NARROW_DAYS < (cur_range[1] - cur_range[0]).days
                     or (span == 0 and (cur_range[1] - cur_range[0]).days > 0)):  # "46 on Thursday alone"
            return "day", f"a day of its own inside the tally's period ({udate.text})"
        return cue if u.has("new_incident_markers") else ("", "")
    if u.has("refer_back"):
        return "", ""
    if cur.kind == "background" and udate is not None and (udate.get("precision") == 1 or udate.get("announced")) \
            and u.realis_triggers[0].label not in _EFFECT_CLASSES:
        return "day", f"an act of its own day after a recalled one ({udate.text})"
    ua, ca = u.admin1s(), cur.core_admin1s()
    if u.has("new_incident_markers"):
        return cue
    if u.has("new_incident_weak") and (u.places or udate is not None):
        if not (ua and ca and ua <= ca and udate is None and u.site_keys <= cur.sites()):
            return cue
    if ua and ca and not (ua & ca) and _anchored(u):
        return "governorate", f"another governorate ({', '.join(sorted(ua))})"
    us, cs = u.site_keys, cur.sites()
    if us and cs and not (us & cs):
        return "place", f"another place ({', '.join(sorted(us))})"
    return "", ""


def segment(doc: Doc) -> list[Incident]:
    hits = _cue_hits(doc)
    units = _units(doc, hits)
    doc.add("clauses", units)
    if not units:
        return []
    for name in ("triggers", "dates", "numbers", "actors", "places", "seized"):
        _assign(units, doc.get(name), name)
    _assign_cues(units, hits)
    published = doc.published
    title = units[0] if _is_title(doc, units[0]) else None
    prev: Unit | None = None
    for u in units:
        _mark_irrealis(doc, u)
        if prev is not None and prev.sentence == u.sentence and (prev.has("past_deeds") or prev.has("threat_verbs")) \
                and _opens_with(u, "relative_pronouns"):
            # "المتورطين في مجزرة التضامن | التي وقعت قبل 12 عاماً وأسفرت عن مقتل العشرات": the deed described
            u.triggers = [t.with_attrs(realis=False) for t in u.triggers]
        prev = u
        _read_dates(doc, u, published)
        u.site_keys = _sites(u)
        if u.has("campaign_cues") and (u.has("scope_cues") or u.period_dates):
            u.cues.setdefault("aggregate_cues", []).extend(u.cues["campaign_cues"])
    trigger_units = sum(1 for u in units[1:] if u.realis_triggers)
    incidents: list[Incident] = []
    current: Incident | None = None
    last_incident: Incident | None = None  # the last one of kind incident: a tally's scope
    pending_date: Span | None = None
    pending_sentence = -1
    pending_aggregate = False

    def open_new(u: Unit, udate: Span | None, kind: str, reason: str, anchor: str = "") -> Incident:
        inc = Incident([u], date=udate, date_unknown=udate is None and bool(u.dates), kind=kind,
                       opened_by=anchor)
        if kind == "aggregate":
            inc.scope = last_incident
        incidents.append(inc)
        u.decision, u.reason = "new", reason
        return inc

    seen_text: set[str] = set()
    teaser_sentences = {u.sentence for u in units if _opens_with(u, "teaser_leads", 2) and u.first_in_sentence}
    for u in units:
        if u.sentence in teaser_sentences:
            u.decision, u.reason = "none", "a link to another story (أخبار ذات علاقة، اقرأ أيضاً)"
            continue
        text = doc.norm[u.nstart:u.nend].strip()
        if len(text) >= _REPEAT_CHARS and text in seen_text:
            u.decision, u.reason = "none", "repeats a clause already read (a paragraph printed twice)"
            continue
        seen_text.add(text)
        tally = is_tally(u)
        udate = _unit_date(u, published, periods=tally)
        if not u.realis_triggers:
            if current is not None and u.sentence == current.units[-1].sentence:
                current.units.append(u)  # a dependent clause of the same sentence
                u.decision, u.reason = "part", "no event word; same sentence"
                if current.date is None and udate is not None and not u.has("background_cues") \
                        and current.kind != "aggregate":
                    current.date = udate
            else:
                u.decision, u.reason = "none", "no event word"
                if u.has("aggregate_cues") and u.period_dates:
                    udate = _unit_date(u, published, periods=True)  # "نتائج عملياتها خلال شهري تموز وآب"
                if udate is not None and (u.point_dates or u.has("aggregate_cues")):  # not an announcement's day
                    pending_date = udate
                    pending_sentence = u.sentence
                    pending_aggregate = u.has("aggregate_cues")
                    u.reason += f"; its date ({pending_date.text}) may govern the next sentences"
            continue
        if published is not None and u.dates and all(
                d.get("date_start") is not None and d.get("date_start") > published for d in u.dates):
            u.decision, u.reason = "none", "dated after publication: a plan, not an incident"
            continue
        if not tally and u.has("scope_cues"):
            u.decision, u.reason = "none", "several places and no figure: a campaign, no one act"
            continue
        if not tally and udate is None and any(d.get("period") for d in u.period_dates):
            # "تتعرض المنطقة منذ أسابيع لقصف": a state that goes on, not one act
            u.decision, u.reason = "none", f"an ongoing campaign, no act ({u.period_dates[0].text})"
            continue
        if not tally and udate is None and u.has("trend_cues"):
            # "وتصاعدت مؤخرا الانتهاكات ... فضلا عن اعتقال أشخاص": a trend, not one act
            u.decision, u.reason = "none", "a trend over a vague recent time, no act"
            continue
        if udate is None and pending_date is not None and u.sentence - pending_sentence <= _PENDING_SENTENCES:
            # "أعلنت قسد نتائج عملياتها خلال شهري تموز وآب" then the figures in the next sentence
            udate = pending_date
            if pending_aggregate and not tally:
                tally = True
                u.cues.setdefault("aggregate_cues", []).append(
                    (doc.view_index(pending_date.start), doc.view_index(pending_date.end)))
        pending_date = None
        if u is title and trigger_units > 2:
            u.decision, u.reason = "skip", "headline: the body tells the story"
            continue
        if tally:
            if current is not None and current.kind == "aggregate" and (
                    udate is None or current.date is None
                    or _overlap(_days(udate), current.date_range() or (udate.get("date_start"),) * 2)):
                current.units.append(u)
                u.decision, u.reason = "join", "more figures of the tally"
                continue
            cue = u.cues.get("aggregate_cues") or u.cues.get("scope_cues")
            why = (f"tally cue ({doc.norm[cue[0][0]:cue[0][1]]})" if cue
                   else f"a figure over a period ({u.period_dates[0].text})")
            current = open_new(u, udate, "aggregate", why)
            continue
        if current is not None and current.kind != "background" and _pluperfect(doc, u) \
                and not (udate is not None and current.date_range() and _overlap(_days(udate), current.date_range())):
            # "وكانت واشنطن قد اتهمت النظام بشن هجوم كيماوي في دوما": an earlier act, told for context
            current = open_new(u, udate, "background", "recalled: a past perfect")
            continue
        earlier = _referent(doc, u, udate, incidents) if current is not None else None
        if earlier is not None:
            earlier.units.append(u)  # "الهجوم الكيميائي": the attack already told, whatever date the clause has
            u.decision, u.reason = "join", "refers back (a definite noun of an act already told)"
            current = earlier
            continue
        if _recalled(doc, u):
            current = open_new(u, udate, "background", "recalled: an act the article reacts to")
            continue
        anchor, why = ("first", "first event") if current is None else _starts_new(u, udate, current)
        if anchor and current is not None and _recalled_incident(doc, current, published) and udate is None \
                and u.sentence == current.units[-1].sentence and not u.has("new_incident_markers"):
            # "وكانت واشنطن قصفت الشعيرات في نيسان 2017، وذلك بعد 3 أيام من هجوم كيماوي في خان شيخون":
            # an act with no day of its own in the sentence of a recalled one is recalled with it
            current = open_new(u, None, "background", f"recalled with the act before it ({why})", anchor)
            continue
        if anchor:
            if udate is None and current is not None and current.kind == "incident" and (
                    anchor == "place" and u.sentence == current.units[-1].sentence
                    or anchor == "cue" and u.has("new_incident_weak")):
                # "قُتل مدنيان الاثنين في أ، فيما استهدفت غارات ب", "كما أصيب خمسة في أريحا": the same day
                udate = current.date
            current = open_new(u, udate, "incident", why, anchor)
            last_incident = current
        else:
            current.units.append(u)
            u.decision = "join"
            u.reason = "refers back" if u.has("refer_back") else "no anchor of its own"
            if current.kind == "incident":
                last_incident = current
            if current.date is None and udate is not None and not current.date_unknown:
                current.date = udate
            elif current.date is None and len(u.dates) > len(u.other_dates) and udate is None:
                current.date_unknown = True  # "صباح اليوم" with no publication date: a later year is context
    for inc in incidents:
        _classify(doc, inc, published)
    return _merge_repeats(incidents)


def _family(labels: set[str]) -> set[str]:
    """The classes that may name the same act as these ("الانفجار" for an IED)."""
    out = set(labels)
    for fam in cues()["trigger_families"]:
        if labels & set(fam):
            out |= set(fam)
    return out


def article_in_span(t: Span) -> bool:
    """The event word's span starts with the article ("الهجوم", "بالهجوم")."""
    return t.text.startswith(("ال", "لل")) or t.text[1:3] == "ال"


def _definite(doc: Doc, t: Span) -> bool:
    """The event word carries the article ("التفجير", "بالهجوم"), in its span or just before it."""
    if article_in_span(t):
        return True
    ti = doc.token_of(t.start)
    if ti is None:
        return False
    tok = doc.tokens[ti]
    prefix = doc.text[tok.start:t.start]
    return prefix.endswith(("ال", "لل"))


def _referent(doc: Doc, u: Unit, udate: Span | None, incidents: list[Incident]) -> Incident | None:
    """The incident a clause refers back to when its only event words are definite nouns of a
    kind already told ("الهجوم", "الانفجار", "هذه الغارات" after the report of that attack), and
    it names no other place. A demonstrative refers back even after a discourse cue."""
    trig = u.realis_triggers
    if not trig or not all(article_in_span(t) for t in trig):
        return None
    shown = all(_tokens_before(doc, u, "demonstratives", doc.view_index(t.start), 1) for t in trig)
    if not shown and (u.has("new_incident_markers") or u.has("aggregate_cues")):
        return None
    own = {t.label for t in trig} - {"kill", "injure"}
    near = _family(own)  # another word for the act, only close to where it was told
    us = u.site_keys
    for inc in reversed(incidents):
        told = {t.label for x in inc.units for t in x.realis_triggers}
        close = u.sentence - inc.units[-1].sentence <= _REFER_SENTENCES
        if inc.kind == "aggregate" or not (own & told or (close and near & told)):
            continue
        cs = inc.sites()
        if us and cs and not us & cs:
            continue
        return inc
    return None


def _recalled(doc: Doc, u: Unit) -> bool:
    """Event nouns only, each after a reaction word ("أدانت الهجوم", "التحقيق في التفجير",
    "ردّاً على الغارات"): an act the article reacts to and does not report."""
    trig = u.realis_triggers
    reacted = [t for t in trig if _definite(doc, t)
               and _tokens_before(doc, u, "reaction_cues", doc.view_index(t.start), 3)
               or _tokens_before(doc, u, "inquiry_cues", doc.view_index(t.start), 3)]
    # the rest may describe the recalled act in a relative clause ("التفجير الذي استهدف إعزاز")
    # or tell its toll after it ("ردا على هجوم الأحواز الذي أسفر عن مقتل 25")
    return bool(reacted) and all(t in reacted or _tokens_before(
        doc, u, "relative_pronouns", doc.view_index(t.start), 2)
        or (t.label in _EFFECT_CLASSES and t.start > reacted[0].start) for t in trig)


def _is_title(doc: Doc, u: Unit) -> bool:
    """A first line without final punctuation, followed by a line break, is a headline (a headline
    trailing off in ".." may hold two sentences: "400 قتيل في الغوطة.. ومجلس الأمن يناقش")."""
    nl = doc.text.find("\n")
    if nl < 0 or u.start >= nl or not doc.text[nl:].strip():
        return False
    line = doc.text[:nl].rstrip()
    return not line.endswith((".", "!", "؟", "?")) or line.endswith(("..", "…"))


def _vague_recent(d: Span) -> bool:
    """"منذ ساعات", "منذ الصباح": a duration up to now, too loose to tell two incidents apart."""
    return d.text.lstrip("وفب").startswith("منذ") and d.get("precision") == 1


def _told_in_the_past(doc: Doc, u: Unit) -> bool:
    """The clause opens with "وكان/كانت" ("وكانت القاعدة هدفا لهجوم"): it tells a past state or act."""
    toks = doc.tokens_in(u.start, u.end)[:2]
    return bool(toks) and toks[0].norm in cue_set("pluperfect_lead")


def _pluperfect(doc: Doc, u: Unit) -> bool:
    """"وكان التنظيم قد شن ...": a past perfect recalls an earlier event."""
    toks = doc.tokens_in(u.start, u.end)[:8]
    lead = cue_set("pluperfect_lead")
    # "وكان التنظيم قد شن", and after a time word: "وقبل يوم كان ترامب قد كتب"
    for k, t in enumerate(toks[:_PLUPERFECT_LEAD_AT]):
        if t.norm in lead and any(x.norm == "قد" for x in toks[k + 1:k + 8]):
            return True
    return False


def _recalled_incident(doc: Doc, inc: Incident, published: dt.date | None) -> bool:
    """Will _classify make it `background` (recalled), judging by what it holds so far?"""
    if inc.kind != "incident":
        return inc.kind == "background"
    return _recalled_by_cue(doc, inc.units[0]) or _long_ago(inc, published)


def _recalled_by_cue(doc: Doc, first: Unit) -> bool:
    return first.has("background_cues") or _pluperfect(doc, first)


def _long_ago(inc: Incident, published: dt.date | None) -> bool:
    """It ended more than BACKGROUND_DAYS before its article: recalled, not reported."""
    rng = inc.date_range()
    return rng is not None and published is not None and (published - rng[1]).days > BACKGROUND_DAYS


def _classify(doc: Doc, inc: Incident, published: dt.date | None) -> None:
    """incident / aggregate / background from cues and the distance of the date."""
    first = inc.units[0]
    if inc.kind == "aggregate" or first.has("aggregate_cues"):
        inc.kind = "aggregate"
        cue = first.cues.get("aggregate_cues") or first.cues.get("scope_cues")
        if cue:
            inc.kind_evidence = cue[0]
        elif first.period_dates:
            d = first.period_dates[0]
            inc.kind_evidence = (doc.view_index(d.start), doc.view_index(d.end))
    if inc.kind == "aggregate":
        return
    if _recalled_by_cue(doc, first):
        inc.kind = "background"
        inc.kind_evidence = (first.cues.get("background_cues") or [(first.nstart, first.nstart + 4)])[0]
    elif _long_ago(inc, published):
        inc.kind = "background"
    elif inc.kind == "background" and inc.opened_by and inc.kind_evidence is None:
        inc.kind_evidence = (first.nstart, first.nstart + 4)  # recalled with the act before it


def _merge_repeats(incidents: list[Incident]) -> list[Incident]:
    """A lead repeated in the body is one incident with it: same kind, overlapping days, the same
    governorate, and the same town where both name one (a lead without a town joins the first
    incident of its governorate)."""
    out: list[Incident] = []
    for inc in incidents:
        target = None
        for prev in out:
            if prev.kind != inc.kind:
                continue
            pr, ir = prev.date_range(), inc.date_range()
            if pr is not None and ir is not None and not _overlap(pr, ir):
                continue
            pa, ia = prev.opening_admin1s(), inc.opening_admin1s()
            if pa and ia and not (pa & ia):
                continue
            if pr is None and ir is None and not (pa and ia):
                continue
            ps, is_ = prev.sites(), inc.sites()
            if ps and is_ and not ps & is_:
                continue
            if inc.opened_by == "cue" or (inc.opened_by == "place" and not ps & is_):
                continue  # "وفي سياق منفصل": the writer says it is another event
            target = prev
            break
        if target is None:
            out.append(inc)
        else:
            for u in inc.units:
                if u.decision == "new":
                    u.decision, u.reason = "join", "repeats an incident already told (" + u.reason + ")"
            target.units.extend(inc.units)
            if target.date is None:
                target.date = inc.date
    return out


def incidents(doc: Doc) -> None:
    """Pipeline component: layer "incidents" of Incident objects, in text order."""
    doc.add("incidents", segment(doc))
