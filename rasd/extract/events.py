"""From the incidents of one annotated Doc to contract-shaped event records (EVENTS.md).

Each record carries its evidence: the spans of the original text behind every field it
fills. Records of several articles are merged into one event per incident by rasd.link.
"""

from __future__ import annotations

import hashlib
from typing import Any

from rasd.doc import Doc, Span
from rasd.extract import quantities, sides
from rasd.extract.actors import registry_entry, resolve_key
from rasd.extract.cues import cue_matches
from rasd.extract.events_types import rare_sub_events
from rasd.extract.events_types import types as _types
from rasd.extract.incidents import Incident, _tokens_before, article_in_span
from rasd.extract.notes import make_notes
from rasd.extract.triggers import offtopic_score
from rasd.geo.gazetteer import covered_countries
from rasd.geo.resolve import resolve

OFFTOPIC_LIMIT = 0.5  # offtopic_score above which an article (sport, economy, ...) yields nothing
_MIN_ANCHORS = 2  # of: a date, a place, a figure or seized items, both sides named




def event_id(article_id: str, start: int) -> str:
    """Stable id of an incident mention: the same article and offset give the same id."""
    return "rasd-" + hashlib.sha1(f"{article_id}:{start}".encode()).hexdigest()[:12]


_WEAPON_CLASSES = {"ied", "car_bomb", "suicide", "shelling", "grenade", "airstrike"}
_OPERATION_CLASSES = {"seizure", "dismantle"}
_VIOLENT_CLASSES = {"explosion", "kill", "injure", "attack", "suicide", "assassination"}


def _live_triggers(doc: Doc, inc: Incident) -> list[Span]:
    """Realis triggers, less weapon words that only name what was seized ("ضبط عبوات ناسفة"), and
    less the act another act answers when there is another ("ضربات ... ردا على هجوم كيميائي")."""
    own, answered = _split_triggers(doc, inc)
    return own or answered


def _split_triggers(doc: Doc, inc: Incident) -> tuple[list[Span], list[Span]]:
    """(the incident's own event words, the acts it answers).

    A weapon noun is an explosion only next to a blast, a death, an injury or an attack, and
    never inside a seizure or dismantling clause.
    """
    seized = doc.get("seized")
    out = []
    answered = []  # "ضربات ... ردا على هجوم كيميائي": the act an act answers types it only alone
    for u in inc.units:
        trig = u.realis_triggers
        for t in trig:
            # a phrase wider than the weapon ("سقوط قذائف") tells its use, not its seizure
            if t.label in _WEAPON_CLASSES and any(s.start <= t.start and t.end <= s.end for s in seized):
                others = [o for o in trig if o is not t and not any(
                    s.start < o.end and o.start < s.end for s in seized)]
                violent = any(o.label in _VIOLENT_CLASSES for o in others)
                operation = any(o.label in _OPERATION_CLASSES for o in others)
                if operation or not violent:
                    continue
            if inc.kind == "incident" and _tokens_before(doc, u, "answer_cues", doc.view_index(t.start),
                                                         _ANSWERED_REACH):
                answered.append(t)
                continue
            out.append(t)
    return out, answered


_ANSWERED_REACH = 4  # words between "ردا على" / "غداة تقارير عن" and the act it names


_TAKEOVER_WEIGHT = 0.5  # "سيطرت", "استعادة السيطرة", "تقدمت قوات"; not the descriptive "مناطق سيطرة"
_OUTWEIGH_TAKEOVER = {"chemical", "suicide", "car_bomb", "ied"}


def decide_type(inc: Incident, trig: list[Span], counts: list[quantities.Count],
                armed_victims: bool, civilian_victims: bool,
                two_armed_sides: bool = False, state_first: bool = False) -> tuple[str, str, Span | None]:
    classes = {t.label: t for t in reversed(trig)}  # first occurrence wins as evidence
    takeover = [t for t in trig if t.label == "control" and (t.get("weight") or 0) >= _TAKEOVER_WEIGHT
                and t.get("sub_event_type") != "Non-violent transfer of territory"]
    if takeover and inc.kind != "aggregate" and not classes.keys() & _OUTWEIGH_TAKEOVER \
            and not classes.keys() & {"raid", "arrest", "dismantle"}:
        # ground changing hands is the event, whatever the shelling and fighting that took it
        sub = "Government regains territory" if state_first else "Non-state actor overtakes territory"
        return "Battles", sub, takeover[0]
    if "chemical" in classes and len(classes) > 1 and all(
            t.get("instrument") or article_in_span(t) for t in trig if t.label == "chemical"):
        # "قُتل الآلاف بالأسلحة الكيماوية" in a quote, "الرد على الهجوم الكيميائي" beside today's strikes:
        # the weapon named, or the attack everyone knows, not this incident's act
        del classes["chemical"]
    if inc.kind == "aggregate" and any(c.role == "arrested" and c.value for c in counts):
        return "Strategic developments", "Arrests", classes.get("arrest") or classes.get("raid") or (
            trig[0] if trig else None)
    has_arrests = any(c.role == "arrested" and c.value for c in counts) or "arrest" in classes
    operation = bool(classes.keys() & {"raid", "arrest", "dismantle", "seizure"})
    violence = bool(classes.keys() & {"kill", "injure", "clash", "neutralise", "explosion"}) or any(
        c.role in ("killed", "injured") and c.value for c in counts)
    for cls, etype, sub in _types()["precedence"]:
        if cls not in classes:
            continue
        if cls in ("attack", "control") and operation and not violence:
            continue  # "استهدفت العملية خلية": an operation's target; "ثم انسحبت" after a raid: no battle
        if cls == "shelling" and "clash" in classes and two_armed_sides:
            return "Battles", "Armed clash", classes["clash"]  # shells exchanged in a ground battle
        if cls in _types()["attack_classes"]:
            if armed_victims and not civilian_victims:
                etype, sub = _types()["armed_victim"]
        if cls == "seizure" and has_arrests:
            etype, sub = "Strategic developments", "Arrests"
        elif cls == "seizure" and violence:
            etype, sub = "Battles", "Armed clash"  # "إحباط هجوم ... ومقتل خمسة من المهاجمين": a repelled attack
        if cls == "neutralise" and "raid" not in classes and "arrest" not in classes and not armed_victims:
            etype, sub = "Battles", "Armed clash"
        return etype, sub, classes[cls]
    return "Strategic developments", "Other", trig[0] if trig else None


def _evidence(article_id: str, field: str, span: Span | None) -> dict | None:
    if span is None or not span.text:
        return None
    return {"field": field, "article_id": article_id, "start": span.start, "end": span.end, "text": span.text}


def mentions_of(doc: Doc, include_background: bool = False) -> list[dict[str, Any]]:
    """Event records of one article (before cross-article linking)."""
    art = doc.article
    aid = art.id if art else "doc"
    if not doc.get("incidents"):
        return []  # nothing to keep or drop: no need to weigh the article's topic
    if offtopic_score(doc) > OFFTOPIC_LIMIT:
        for inc in doc.get("incidents"):
            inc.dropped = "off-topic article (sport, economy, culture, technology)"
        return []
    records = []
    for inc in doc.get("incidents"):
        if inc.kind == "background" and not include_background:
            inc.dropped = "background (written with --background)"
            continue
        rec = _record(doc, inc, aid)
        if rec is not None:
            _carry_striker(rec, records)
            records.append(rec)
    return _one_rare_act_per_place(_without_unplaced_repeats(records))


def _one_rare_act_per_place(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A kind of act too rare to happen twice at one place within weeks (types.json rare_sub_events: a
    chemical attack) told twice by one article is one act told again: "the attack on Douma" in the
    lead and again where the article reports the inspectors' visit or a council session that day.
    The first telling stays; a later one in its governorate (or with no place) is that incident."""
    rare = rare_sub_events()
    first: dict[str, dict[str, Any]] = {}
    out = []
    for r in records:
        sub = r["sub_event_type"]
        if r["report_kind"] == "incident" and sub in rare:
            seen = first.get(sub)
            if seen is not None and (r.get("admin1") in (None, seen.get("admin1"))):
                continue  # the same governorate ("غوطة دمشق" and "دوما"), or no place of its own
            first.setdefault(sub, r)
        out.append(r)
    return out


def _without_unplaced_repeats(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """"مقتل 38 ... في ضربة جوية في شرق سوريا" in the lead, then "38 قتيلا في الغارة على الهري": an
    incident placed only in Syria that the same article tells again with its place, by the same
    toll or the same kind of act on the same day, is that incident (the placed one stays)."""
    placed = [r for r in records if r.get("admin1") or r.get("country") != "Syria"]
    placed_ids = {id(r) for r in placed}
    out = []
    for r in records:
        if id(r) in placed_ids or r["report_kind"] != "incident":
            out.append(r)
            continue
        same = [p for p in placed if p["report_kind"] == "incident" and (
            r.get("fatalities") and p.get("fatalities") == r.get("fatalities")
            or p["sub_event_type"] == r["sub_event_type"] and p.get("event_date") == r.get("event_date"))]
        if not same:
            out.append(r)
    return out


def _carry_striker(rec: dict[str, Any], earlier: list[dict[str, Any]]) -> None:
    """"قصف مدفعي شنته قوات النظام على بنش ... كما أصيب خمسة مدنيين في أريحا جراء قصف مماثل": a
    strike of the same kind and day with no named shooter is the one named just before (side 1
    carried over, with its evidence); so is a tally of the strikes told before it."""
    if rec["sub_event_type"] not in _STRIKES or rec["report_kind"] == "background" \
            or any(a["side"] == 1 for a in rec["actors"]):
        return
    tally = rec["report_kind"] == "aggregate"
    for prev in reversed(earlier):
        if prev["report_kind"] != "incident" or prev["sub_event_type"] not in _STRIKES \
                or not tally and prev["sub_event_type"] != rec["sub_event_type"]:
            continue
        if not tally and prev["event_date"] != rec["event_date"]:
            return  # a tally counts the strikes told before it, whatever their day
        shooters = [a for a in prev["actors"] if a["side"] == 1 and a["key"] != "unidentified"]
        if shooters:
            rec["actors"] = shooters + [a for a in rec["actors"] if a["side"] != 1]
            rec["evidence"] += [e for e in prev["evidence"] if e["field"] == "actors.side1"]
            rec["notes"] = make_notes(rec)
        return


def _record(doc: Doc, inc: Incident, aid: str) -> dict[str, Any] | None:
    trig = _live_triggers(doc, inc)
    if not trig:
        inc.dropped = "its event words only name seized weapons"
        return None
    if all(t.label == "control" and (t.get("weight") or 0) < _TAKEOVER_WEIGHT for t in trig):
        # "توغلت آليات في قرية صيدا ثم انسحبت": a withdrawal or a front line, no ground changing hands
        inc.dropped = "its only event word is a weak territory word (انسحبت، مناطق سيطرة)"
        return None
    date_span = inc.date
    event_date = date_span.get("date_start") if date_span is not None else None
    date_end = (date_span.get("date_end") or event_date) if date_span is not None else None
    precision = date_span.get("precision") if event_date else None
    if event_date is None and inc.kind == "incident" and not inc.date_unknown and doc.published:
        # fresh news that gives no day happened within the week before its publication (ACLED)
        event_date = date_end = doc.published
        precision = 2
    ms = sides.mentions(doc, inc, event_date)
    actor_at = {m.span.start: m.key for m in ms}
    # map each actor mention's token start as well (the actor may follow a proclitic)
    for m in ms:
        ti = doc.token_of(m.span.start)
        if ti is not None:
            actor_at[doc.tokens[ti].start] = m.key
    counts = quantities.find_counts(doc, inc, actor_at)
    civilian_victims = any(c.civilians for c in counts if c.role in ("killed", "injured")) or any(
        m.key == "civilians" and m.side == 2 for m in ms)
    armed_victims = any(m.side == 2 and m.key not in ("civilians",) for m in ms) or any(
        c.actor_key and c.actor_key != "civilians" for c in counts if c.role in ("killed", "injured"))
    armed = {m.key for m in ms if m.key not in _GENERIC}
    two_armed = len({m.side for m in ms if m.key in armed}) == 2 and len(armed) >= 2
    state_first = any(m.side == 1 and not m.partner and str(registry_entry(m.key).get("inter")) == "1"
                      for m in ms if m.key not in _GENERIC)
    etype, sub, type_span = decide_type(inc, trig, counts, armed_victims, civilian_victims, two_armed,
                                        state_first)
    victims = {c.actor_key for c in counts if c.role in ("killed", "injured") and c.actor_key}
    # the places of the clause that dates the incident first: its own act, not the scene-setting
    own = [u for u in inc.units if date_span is not None and u.start <= date_span.start < u.end]
    where = inc.units
    if inc.kind == "aggregate" and any(u.places for u in inc.scope_units()):
        where = inc.scope_units()  # a tally is where it counts, not where it is commented on
    places = [p for u in own for p in u.places] + [p for u in where if u not in own for p in u.places]
    if not places and inc.kind == "aggregate" and inc.scope is not None:
        # "ارتفعت الحصيلة منذ الجمعة إلى 61": a toll of the area the article is about
        places = [p for u in inc.scope.units for p in u.places]
    geo = resolve(doc, places) if places else None
    country = getattr(geo, "country", None) or "Syria"
    if country not in covered_countries():
        inc.dropped = f"abroad ({country}), outside the region Rasd covers"
        return None
    held = any(c.civilians for c in counts if c.role == "arrested")
    if country != "Syria":
        ms = [m for m in ms if not _syrian_by_a_common_word(m)]
    actors = sides.assign(sides.relevant(ms, sub), sub, civilian_victims, victims, held)
    if inc.kind == "aggregate" and civilian_victims and not any(a["key"] == "civilians" for a in actors):
        # "قتل 17 مدنياً منذ الثلاثاء": a tally of civilian dead counts civilians, whatever the fighting
        actors.append({"key": "civilians", "name": registry_entry("civilians")["name"], "side": 2,
                       "role": "primary"})
    if sub in _STRIKES and not any(a["side"] == 2 for a in actors):
        army = _military_site(doc, inc, event_date or doc.published)
        if army is not None:
            # "استهدفت صواريخ مطار التيفور العسكري": the state's army is what was struck
            entry = registry_entry(army)
            actors.append({"key": army, "name": entry.get("name", army), "side": 2, "role": "primary"})
    side_of = {k: a["side"] for a in actors for k in (a["key"], a.get("group")) if k}
    q = quantities.summarize(counts, side_of, inc.kind)
    if inc.kind == "aggregate" and not any(q[k] for k in ("arrested", "fatalities", "injured")):
        inc.dropped = "a tally without a figure"
        return None  # a campaign described without any figure is no tally
    if all(t.get("instrument") for t in trig) and not any(q[k] for k in ("fatalities", "injured")):
        inc.dropped = "only weapons named (صواريخ، الطيران الحربي), no act and no toll"
        return None  # "صواريخ ترامب يجب أن تستهدف الإرهابيين": talk about weapons
    # a toll with a named armed group, or named groups on both sides, is a report even when only its
    # day of announcement is known ("أعلنت سنتكوم السبت تنفيذ ضربة في شمال غرب سوريا قضت على زعيم في القاعدة")
    named = {a["side"] for a in actors if a["key"] not in _GENERIC}
    anchored = bool(named) and (any(q[k] for k in ("fatalities", "injured", "arrested")) or named == {1, 2})
    syria_span = _syria_itself(doc, inc, anchored)
    if inc.kind == "incident" and (geo is None or (geo.country == "Syria" and not geo.admin1)) \
            and syria_span is None:
        inc.dropped = "no place in Syria named"
        return None  # an incident is somewhere: with no place named, it is talk, not a report
    if geo is None and not _syrian(doc, actors):
        inc.dropped = "nothing ties it to Syria"
        return None
    seized_items, seized_spans = _seized(doc, inc)
    ev: list[dict | None] = [_evidence(aid, "event_type", type_span), _evidence(aid, "sub_event_type", type_span)]
    ev.append(_evidence(aid, "event_date", date_span))
    ev.append(_evidence(aid, "report_kind", _kind_span(doc, inc)))
    for m in ms:
        if m.key in side_of:
            ev.append(_evidence(aid, f"actors.side{side_of[m.key]}", m.span))
    for field, sp in q["evidence"]:
        ev.append(_evidence(aid, field, sp))
    for sp in seized_spans:
        ev.append(_evidence(aid, "seized", sp))
    rec: dict[str, Any] = {
        "id": event_id(aid, inc.start),
        "report_kind": inc.kind,
        "event_date": event_date.isoformat() if event_date else None,
        "date_end": date_end.isoformat() if date_end else None,
        "time_precision": precision,
        "disorder_type": _types()["disorder"][etype],
        "event_type": etype,
        "sub_event_type": sub,
        "actors": actors,
        "country": country,
        "admin1": None, "admin2": None, "admin3": None,
        "location": None, "location_ar": None, "latitude": None, "longitude": None, "geo_precision": None,
        "fatalities": q["fatalities"],
        "killed": q["killed"],
        "injured": q["injured"],
        "arrested": q["arrested"],
        "seized": seized_items,
        "sources": [_source(doc)],
        "notes": "",
        "evidence": [],
        "confidence": 0.0,
    }
    if geo is not None:
        _apply_geo(rec, geo, inc, ev, aid)
    if rec["admin1"] is None and syria_span is not None:
        ev.append(_evidence(aid, "location", syria_span))  # "في شمال غرب سوريا": the country, no governorate
    anchors = sum((rec["event_date"] is not None,
                   rec["admin1"] is not None or country != "Syria" or syria_span is not None,
                   any(q[k] is not None for k in ("fatalities", "injured", "arrested")) or bool(seized_items),
                   {a["side"] for a in actors} == {1, 2}))
    if anchors < (1 if inc.kind == "background" else _MIN_ANCHORS):
        inc.dropped = "too few anchors (date, place, figure, two sides)"
        return None  # an event word with neither time, place, figure nor sides is talk about events
    rec["evidence"] = _dedupe([e for e in ev if e])
    rec["notes"] = make_notes(rec)
    rec["confidence"] = _confidence(rec, trig)
    return rec


def _apply_geo(rec: dict, geo: Any, inc: Incident, ev: list, aid: str) -> None:
    if rec["country"] != "Syria":
        # abroad: the place and its point, never a Syrian governorate ("بلدة عرسال اللبنانية")
        if getattr(geo, "location", None) is not None:
            for f in ("location", "location_ar", "latitude", "longitude", "geo_precision"):
                rec[f] = getattr(geo, f, None)
            for sp in getattr(geo, "evidence", None) or []:
                ev.append(_evidence(aid, "location", sp))
        return
    if inc.kind == "aggregate" and (len(inc.scope_admin1s()) > 1 or inc.units[0].has("scope_cues")
                                    or not (inc.units[0].places or inc.scope is not None)):
        return  # a tally over several governorates, or over unnamed ones, has no single place
    for f in ("admin1", "admin2", "admin3", "location", "location_ar", "latitude", "longitude", "geo_precision"):
        rec[f] = getattr(geo, f, None)
    for sp in getattr(geo, "evidence", None) or []:
        ev.append(_evidence(aid, "location", sp))


def _kind_span(doc: Doc, inc: Incident) -> Span | None:
    if inc.kind_evidence is None:
        return None
    s, e = inc.kind_evidence
    return doc.span(s, e)


_SEIZE_REACH = 160  # characters after a seizure word in which listed items are what was seized


def _seized(doc: Doc, inc: Incident) -> tuple[list[str], list[Span]]:
    """Items named just after a seizure word ("ضبطت أسلحة وذخائر"), not across paragraphs."""
    seize = [t for u in inc.units for t in u.realis_triggers if t.label in ("seizure", "dismantle")]
    items: dict[str, Span] = {}
    for s in doc.get("seized"):
        item = s.get("item")
        if not item or item in items:
            continue
        for t in seize:
            after = t.end <= s.start and s.start - t.end <= _SEIZE_REACH
            before = s.end <= t.start and t.start - s.end <= 30
            if (after and "\n" not in doc.text[t.end:s.start]) or (before and "\n" not in doc.text[s.end:t.start]):
                items[item] = s
                break
    return sorted(items), [items[k] for k in sorted(items)]


_STRIKES = {"Air/drone strike", "Shelling/artillery/missile attack"}
_GENERIC = frozenset({"civilians", "unidentified"})  # actors that name no armed group
_SITE_REACH = 40  # characters after a place in which "العسكري" or "الجوية" qualifies it


def _military_site(doc: Doc, inc: Incident, day: Any) -> str | None:
    """The state's army key when the incident's struck place is one of its sites (a military
    airport, a base, barracks): a site word right after a place of the incident's act clauses."""
    sites = [(s, e) for u in inc.units if u.realis_triggers for s, e in u.cues.get("military_sites", [])]
    if not sites:
        return None
    for u in inc.units:
        for p in u.places:
            kinds = {c.kind for c in p.get("candidates") or []}
            pe = doc.view_index(p.end)
            near = any(pe <= s <= pe + _SITE_REACH for s, _e in sites) or any(
                doc.view_index(p.start) <= s < pe for s, _e in sites)
            if near and (kinds & {"airport", "base"} or p.get("head_kind") in ("airport", "base")):
                return resolve_key(_types()["state_army"], day)
    return None


_SYRIAN_WORD = ("سوري", "سورية", "السوري", "السورية", "دمشق")


def _syrian_by_a_common_word(m: sides.ActorMention) -> bool:
    """Abroad, "الشرطة" or "قوات الأمن" are that country's, not Syria's: a Syrian key matched
    through a word that does not say Syria is dropped ("الجيش السوري" keeps its key)."""
    if m.key in _GENERIC:
        return False
    name = registry_entry(m.key).get("name", "")
    return "Syria" in name and not any(w in m.span.text for w in _SYRIAN_WORD)


def _syria_itself(doc: Doc, inc: Incident, anchored: bool = False) -> Span | None:
    """"ضربة في شمال غرب سوريا" on a day of its own: an incident in Syria that names no governorate
    (a strike announced abroad). Without its own day such a clause is talk about the war, unless
    it is `anchored` (a toll and a named armed group: "أعلن الجيش الأميركي اليوم مقتل اثنين من
    جنوده خلال هجوم في سوريا"), when the day it was announced will do."""
    if inc.kind != "incident" or inc.date is None or inc.date.get("period") \
            or (inc.date.get("precision") or 9) > (2 if anchored else 1):
        return None  # its own day, not the day a monitor reported it
    for u in inc.units:
        if u.realis_triggers or u.decision == "part":
            for s, e in u.cues.get("syria_as_place", []):
                return doc.span(s, e)  # cue hits are offsets of the normalised view
    return None


def _syrian(doc: Doc, actors: list[dict]) -> bool:
    if any(a["key"] not in _GENERIC for a in actors):
        return True
    return bool(cue_matches(doc, "syria_words"))


def _source(doc: Doc) -> dict[str, Any]:
    a = doc.article
    if a is None:
        return {"article_id": "doc", "outlet": None, "url": None, "published": None}
    return {"article_id": a.id, "outlet": a.outlet, "url": a.url,
            "published": a.published.isoformat() if a.published else None}


def _dedupe(ev: list[dict]) -> list[dict]:
    seen, out = set(), []
    for e in ev:
        k = (e["field"], e["article_id"], e["start"], e["end"])
        if k not in seen:
            seen.add(k)
            out.append(e)
    return out


def _confidence(rec: dict, trig: list[Span]) -> float:
    """How sure: a typed trigger, plus a date, a place, both sides and a figure each add."""
    score = 0.35 + min(0.15, 0.05 * len(trig))
    score += 0.12 if rec["event_date"] else 0.0
    score += 0.12 if rec["admin1"] else 0.0
    score += 0.06 if (rec["geo_precision"] or 3) <= 2 else 0.0
    sides_present = {a["side"] for a in rec["actors"]}
    score += 0.1 if sides_present == {1, 2} else 0.04 if sides_present else 0.0
    score += 0.08 if any(rec[k] is not None for k in ("fatalities", "injured", "arrested")) else 0.0
    if rec["report_kind"] != "incident":
        score -= 0.05
    return round(max(0.05, min(0.98, score)), 2)
