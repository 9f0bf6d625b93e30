"""Who is side 1 and who is side 2 of an incident.

Side 1 initiates: the force that raids, arrests, strikes or attacks. A group named after a
target word ("ضد", "استهدفت", "خلية تابعة لـ", "عناصر من", the "مع" of a clash) is side 2; a
group after "بالتعاون مع" joins whoever it cooperates with. Where the words say nothing, the
event type decides: in raids and arrests state forces act; in bombings and assassinations the
armed group acts and the victims are side 2.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass

from rasd.arabic.tokens import proclitic_splits
from rasd.doc import Doc, Span
from rasd.extract.actors import registry_entry, resolve_key
from rasd.extract.cues import cue_set
from rasd.extract.events_types import types as _types
from rasd.extract.incidents import Incident

_TARGET_WINDOW = 3  # tokens between a target word and the group it marks
STATE_INTER = {1}
TARGETED_TYPES = {"Arrests", "Disrupted weapons use", "Armed clash", "Other"}
PERPETRATED_TYPES = {
    "Attack", "Abduction/forced disappearance", "Remote explosive/landmine/IED", "Suicide bomb",
    "Air/drone strike", "Shelling/artillery/missile attack", "Grenade",
}


@dataclass
class ActorMention:
    key: str
    span: Span
    side: int | None = None  # 2 when marked as target, 1 when subject, None unknown
    partner: bool = False


def mentions(doc: Doc, inc: Incident, date: dt.date | None) -> list[ActorMention]:
    """The incident's actor mentions, resolved by date and marked by the words before them."""
    targets = cue_set("target_markers")
    partners = cue_set("partner_markers")
    toks = doc.tokens
    tstarts = [t.start for t in toks]
    out: list[ActorMention] = []
    for u in inc.units:
        if not u.realis_triggers and u is not inc.units[0]:
            continue
        for a in u.actors:
            key = resolve_key(a.get("keys") or [], date or doc.published)
            if not key:
                continue
            ti = bisect.bisect_left(tstarts, a.start)
            before = toks[max(0, ti - _TARGET_WINDOW):ti]
            words = [t.norm for t in before]
            stems = set()
            for t in before:
                stems |= {s for _p, s in proclitic_splits(t.norm)}
            joined = " ".join(words)
            m = ActorMention(key, a)
            if any(p in joined for p in partners):
                m.partner = True
            elif stems & targets or any(t in joined for t in targets if " " in t):
                m.side = 2
            elif _belongs(doc, toks[ti] if ti < len(toks) and toks[ti].start <= a.start else None, a):
                m.side = 2  # "لداعش", "لتنظيم" : the ل of belonging
            else:
                m.side = 1
            out.append(m)
    return out


def _belongs(doc: Doc, tok, a: Span) -> bool:
    """The actor's own word carries the preposition ل ("خلية لداعش", "تابعة لتنظيم")."""
    if tok is None:
        return False
    prefix = doc.text[tok.start:a.start]
    return "ل" in prefix


def assign(ms: list[ActorMention], sub_event_type: str | None, civilian_victims: bool) -> list[dict]:
    """Contract actor list: {key, name, side, role}, primary first on each side."""
    votes: dict[str, list[int]] = {}  # key -> [as subject, as target, as partner]
    order: dict[str, int] = {}
    for i, m in enumerate(ms):
        order.setdefault(m.key, i)
        v = votes.setdefault(m.key, [0, 0, 0])
        if m.partner:
            v[2] += 1
        elif m.side == 1:
            v[0] += 1
        elif m.side == 2:
            v[1] += 2  # a marked target outweighs an unmarked mention
    partner_only = {k for k, v in votes.items() if v[2] and not v[0] and not v[1]}
    inter = {k: int(registry_entry(k).get("inter") or 0) for k in votes}
    side: dict[str, int] = {}
    for k, (s1, s2, _p) in votes.items():
        if k in partner_only:
            continue
        side[k] = 2 if s2 > s1 else 1
    state = [k for k in side if inter[k] in STATE_INTER]
    nonstate = [k for k in side if inter[k] not in STATE_INTER and k != "civilians"]
    if sub_event_type in TARGETED_TYPES and state and nonstate:
        # raids and arrests: state forces act on the armed group unless the text marks otherwise
        for k in state:
            if votes[k][1] <= votes[k][0] or side[k] == 1:
                side[k] = 1
        for k in nonstate:
            if votes[k][0] <= votes[k][1] + 1:
                side[k] = 2
    targets = set(_types()["usual_targets"])
    if sub_event_type in TARGETED_TYPES and any(k not in targets and k != "civilians" for k in side):
        # who arrests whom: cells of these groups are the target whenever another force is named
        for k in side:
            if k in targets:
                side[k] = 2
            elif k != "civilians" and votes[k][1] <= votes[k][0] + 2:
                side[k] = 1
    if sub_event_type not in PERPETRATED_TYPES:
        side.pop("civilians", None)  # civilians are an actor only as the victims of violence
    if sub_event_type in PERPETRATED_TYPES and "civilians" in side:
        side["civilians"] = 2
    if civilian_victims and sub_event_type in PERPETRATED_TYPES and "civilians" not in side:
        side["civilians"] = 2
        order.setdefault("civilians", len(order))
    if sub_event_type in PERPETRATED_TYPES and 1 not in side.values() and side:
        # the only named group is the victim: the perpetrator is not known
        side["unidentified"] = 1
        order.setdefault("unidentified", -1)
    # partners take the side of the first actor on side 1 (the one they cooperate with)
    for k in partner_only:
        if k not in side:
            side[k] = 1
    out = []
    for s in (1, 2):
        keys = sorted((k for k, v in side.items() if v == s), key=lambda k: order.get(k, 99))
        for j, k in enumerate(keys):
            co_agent = s == 1 and k not in partner_only and votes.get(k, [0, 0, 0])[0] > 0
            role = "primary" if j == 0 or co_agent else "associated"
            out.append({"key": k, "name": registry_entry(k).get("name", k), "side": s, "role": role})
    return out
