"""Who is side 1 and who is side 2 of an incident.

Side 1 initiates: the force that raids, arrests, strikes or attacks. A group named after a
target word ("ضد", "استهدفت", "خلية تابعة لـ", "عناصر من", the "مع" of a clash) is side 2, and
so is the group whose members are counted among the dead of a bombing or an attack. A group
after "بالتعاون مع" joins whoever it cooperates with. A group named only as a source ("قال
مصدر في ...") or as the ruler of an area ("الخاضعة لسيطرة ...") takes no side. Where the words
say nothing, the event type decides: in raids and arrests the force acts on the cell; in
bombings and assassinations with no named perpetrator, side 1 is an unidentified group.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass

from rasd.doc import Doc, Span, Token
from rasd.extract.actors import registry_entry, resolve_key
from rasd.extract.cues import cue_matches
from rasd.extract.events_types import types as _types
from rasd.extract.incidents import Incident

_WINDOW = 3  # tokens between a marker word and the group it marks
_AGENT_WINDOW = 7  # "هجوم شنته مجموعة إرهابية تابعة لتنظيم الدولة": the doer's group may follow its members
_BETWEEN_REACH = 20  # tokens from "بين" to the second group it pairs
TARGETED_TYPES = {"Arrests", "Disrupted weapons use", "Armed clash", "Other"}
PERPETRATED_TYPES = {
    "Attack", "Abduction/forced disappearance", "Remote explosive/landmine/IED", "Suicide bomb",
    "Air/drone strike", "Shelling/artillery/missile attack", "Grenade",
}


@dataclass
class ActorMention:
    key: str
    span: Span
    side: int | None = None  # 2 when marked as target, 1 when subject
    partner: bool = False
    agent: bool = False  # named as the doer of an act told as a noun or passive ("الهجوم الذي نفذه")
    default: bool = False  # side 1 only because nothing marks it (a subject, a source, a mention)
    classes: frozenset[str] = frozenset()  # trigger classes of the clause it stands in


def _marker_ends(doc: Doc, name: str) -> list[int]:
    """Token indices right after each hit of a marker list."""
    return sorted(m.j for m in cue_matches(doc, name))


def _marked(ends: list[int], ti: int, window: int = _WINDOW) -> bool:
    k = bisect.bisect_right(ends, ti) - 1
    return k >= 0 and ti - ends[k] < window


def mentions(doc: Doc, inc: Incident, date: dt.date | None) -> list[ActorMention]:
    """The incident's actor mentions, resolved by date and marked by the words before them."""
    toks = doc.tokens
    tstarts = doc.token_starts
    ends = {n: _marker_ends(doc, n) for n in ("target_markers", "partner_markers", "attribution_markers",
                                              "control_markers", "agent_markers")}
    out: list[ActorMention] = []
    for u in inc.units:
        if not u.realis_triggers and u is not inc.units[0]:
            continue
        seen_between: dict[int, int] = {}
        for a in u.actors:
            key = resolve_key(a.get("keys") or [], date or doc.published)
            if not key or key == "_none":
                continue
            ti = bisect.bisect_right(tstarts, a.start) - 1
            if _marked(ends["attribution_markers"], ti) or _marked(ends["control_markers"], ti):
                continue
            m = ActorMention(key, a, classes=frozenset(t.label for t in u.realis_triggers))
            between = _between_role(toks, ti, u, tstarts, seen_between)
            if between:
                m.side = between  # "بين X و Y": X and Y face each other, X first
            elif _marked(ends["agent_markers"], ti, _AGENT_WINDOW):
                m.side, m.agent = 1, True  # "الهجوم الذي نفذه تنظيم داعش", "برصاص عناصر"
            elif _marked(ends["partner_markers"], ti):
                m.partner = True
            elif _marked(ends["target_markers"], ti) or a.get("cell"):
                m.side = 2
            elif _wielder(u.realis_triggers, tstarts, ti):
                m.side = 1  # "غارات لطائرات روسية", "بضربة لمسيرة التحالف": the weapon's owner acts
            elif _belongs(doc, toks, ti, a):
                m.side = 2
            else:
                m.side, m.default = 1, True
            out.append(m)
    return out


_WEAPONS = frozenset({"airstrike", "shelling", "ied", "car_bomb", "suicide", "grenade", "attack", "explosion"})


def _wielder(trig: list[Span], tstarts: list[int], ti: int) -> bool:
    """The actor follows a weapon or attack word closely: it names who used it."""
    for t in trig:
        if t.label in _WEAPONS:
            tj = bisect.bisect_left(tstarts, t.end)
            if 0 <= ti - tj <= _WINDOW:
                return True
    return False


# clauses whose actors speak for an incident of each kind (a cordon after a bombing does not)
PERPETRATED_CLASSES = _WEAPONS | {"assassination", "kidnap", "kill", "injure"}


def relevant(ms: list[ActorMention], sub_event_type: str | None) -> list[ActorMention]:
    """Drop mentions from clauses that tell another part of the story than the typed event."""
    if sub_event_type in PERPETRATED_TYPES:
        keep = [m for m in ms if m.classes & PERPETRATED_CLASSES]
        return keep or ms
    return ms


def _between_role(toks: list[Token], ti: int, u, tstarts: list[int], seen: dict[int, int]) -> int | None:
    """Side 1 for the first group after "بين", side 2 for the next one joined by و."""
    lo = bisect.bisect_left(tstarts, u.start)
    for b in range(ti - 1, max(lo, ti - _BETWEEN_REACH) - 1, -1):
        if toks[b].norm in ("بين", "وبين"):
            n = seen.get(b, 0)
            if n == 0:
                seen[b] = 1
                return 1
            if n == 1 and toks[ti].norm.startswith("و"):
                seen[b] = 2
                return 2
            return None
    return None


def _belongs(doc: Doc, toks: list[Token], ti: int, a: Span) -> bool:
    """The actor's own word carries the preposition ل ("خلية لداعش", "تابعة لتنظيم")."""
    if ti < 0 or ti >= len(toks) or toks[ti].start > a.start:
        return False
    return "ل" in doc.text[toks[ti].start:a.start]


_DETENTION_TYPES = {"Arrests", "Abduction/forced disappearance"}
# In an arrest or a seizure the force named acts; a doer named in it did the crime it ends.
_OPERATIONS = {"Arrests", "Disrupted weapons use", "Other"}
_BOMBINGS = {"Remote explosive/landmine/IED", "Suicide bomb"}
# Strikes and shelling come from a force that is there even when unnamed (an air force, an army's
# guns): ACLED leaves side 1 blank rather than call it an unidentified armed group.
_FROM_AFAR = {"Air/drone strike", "Shelling/artillery/missile attack"}
_EXTERNAL_INTER = "8"  # ACLED's external/other forces: a foreign army detaining people


def assign(ms: list[ActorMention], sub_event_type: str | None, civilian_victims: bool,
           victims: set[str] | None = None, civilians_held: bool = False) -> list[dict]:
    """Contract actor list: {key, name, side, role}, primary first on each side.

    `civilians_held`: the people arrested or taken are counted as civilians ("اعتقال أربعة شبان")."""
    victims = victims or set()
    votes: dict[str, list[int]] = {}  # key -> [as subject, as target, as partner]
    order: dict[str, int] = {}
    agents: set[str] = set()
    for i, m in enumerate(ms):
        order.setdefault(m.key, i)
        v = votes.setdefault(m.key, [0, 0, 0])
        if m.partner:
            v[2] += 1
        elif m.agent:
            v[0] += 6  # named as the doer: outweighs being counted among the dead
            agents.add(m.key)
        elif m.side == 1:
            v[0] += 1
        elif m.side == 2:
            v[1] += 2  # a marked target outweighs an unmarked mention
    perpetrated = sub_event_type in PERPETRATED_TYPES
    armed = votes.keys() - {"civilians", "unidentified"}
    only_victims = bool(armed) and armed <= victims and not any(m.key in armed and not m.default for m in ms)
    if perpetrated or agents or (only_victims and sub_event_type == "Armed clash"):
        # "إصابة 3 عناصر من وزارة الدفاع في هجوم لقوات ...": the only group named is the one hit
        # its members are the dead or wounded: the target (in a clash, of the side named as doer)
        for k in victims & votes.keys():
            votes[k][1] += 4
    if agents and sub_event_type not in _OPERATIONS:
        # "أعلنت قسد إحباط هجوم شنته مجموعة تابعة لداعش على نقاطها": beside the named doer, a group
        # that is only a subject or a source is the one attacked
        marked = {m.key for m in ms if not m.default}
        for k, v in votes.items():
            if k not in agents and k not in marked and not v[2]:
                v[0], v[1] = 0, max(v[1], 1)
    if sub_event_type in _BOMBINGS:
        # a bomb's maker is known only when named as such ("تبنى التنظيم التفجير", "عبوة زرعها"):
        # a group only mentioned around it (accused, ruling the town, commenting) is not the bomber
        marked_keys = {m.key for m in ms if not m.default}
        for k in [k for k in votes if k not in marked_keys and k not in victims and k != "civilians"]:
            del votes[k]
    partner_only = {k for k, v in votes.items() if v[2] and not v[0] and not v[1]}
    side: dict[str, int] = {k: 2 if s2 > s1 else 1 for k, (s1, s2, _p) in votes.items() if k not in partner_only}
    targets = set(_types()["usual_targets"])
    if sub_event_type in TARGETED_TYPES and (not agents or sub_event_type in _OPERATIONS) \
            and any(k not in targets and k != "civilians" for k in side):
        # who arrests whom: cells of these groups are the target whenever another force is named
        for k in side:
            if k in targets and (k not in agents or sub_event_type in _OPERATIONS) \
                    and not (only_victims and sub_event_type == "Armed clash"):
                side[k] = 2
            elif sub_event_type != "Armed clash" and k != "civilians" and votes[k][1] <= votes[k][0] + 2:
                side[k] = 1  # in arrests and seizures every other named force acts
    if not perpetrated:
        side.pop("civilians", None)  # civilians are an actor only as the victims of violence
    else:
        if "civilians" in side or civilian_victims:
            side["civilians"] = 2
            order.setdefault("civilians", len(order))
        if 1 not in side.values() and sub_event_type not in _FROM_AFAR:
            side["unidentified"] = 1  # only the victims are named: the perpetrator is not known
            order.setdefault("unidentified", -1)
    if sub_event_type in _DETENTION_TYPES and 2 not in side.values() and (civilians_held or any(
            v == 1 and str(registry_entry(k).get("inter")) == _EXTERNAL_INTER for k, v in side.items())):
        # "اعتقلت قوات الاحتلال أربعة شبان": people of no group held by a force are civilians
        side["civilians"] = 2
        order.setdefault("civilians", len(order))
    for k in partner_only:
        side.setdefault(k, 1)  # partners stand with the side they cooperate with
    out = []
    seen: set[str] = set()
    for s in (1, 2):
        keys = sorted((k for k, v in side.items() if v == s), key=lambda k: order.get(k, 99))
        for j, k in enumerate(keys):
            co_agent = s == 1 and k not in partner_only and votes.get(k, [0, 0, 0])[0] > 0
            role = "primary" if j == 0 or co_agent else "associated"
            entry = registry_entry(k)
            # the contract's key is the shared registry's; the named group stays in `group`
            key = entry.get("parent") or k
            if key in seen:
                continue
            seen.add(key)
            actor = {"key": key, "name": entry.get("name", k), "side": s, "role": role}
            if key != k:
                actor["group"] = k
            out.append(actor)
    return out
