"""English notes in ACLED's style, written from the record's fields (never from guesses)."""

from __future__ import annotations

import datetime as dt
from typing import Any

_VERB = {
    "Armed clash": "clashed with",
    "Arrests": "arrested members of",
    "Disrupted weapons use": "seized weapons from",
    "Attack": "attacked",
    "Abduction/forced disappearance": "abducted",
    "Remote explosive/landmine/IED": "targeted",
    "Suicide bomb": "carried out a suicide bombing against",
    "Air/drone strike": "carried out an air/drone strike on",
    "Shelling/artillery/missile attack": "shelled",
    "Grenade": "threw a grenade at",
    "Peaceful protest": "protested against",
    "Other": "acted against",
}
_SEIZED = {
    "ied": "IEDs", "explosive_belt": "explosive belts", "suicide_vest": "suicide vests", "explosives": "explosives",
    "firearms": "firearms", "ammunition": "ammunition", "rockets": "rockets", "grenades": "grenades",
    "uniforms": "uniforms", "vehicles": "vehicles", "drones": "drones", "documents": "documents", "cash": "cash",
}


def _names(rec: dict[str, Any], side: int) -> str:
    names = [a["name"] for a in rec.get("actors") or [] if a["side"] == side]
    if not names:
        return ""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _when(rec: dict[str, Any]) -> str:
    d = rec.get("event_date")
    if not d:
        return "On an unreported date"
    day = dt.date.fromisoformat(d)
    prec = rec.get("time_precision")
    if rec.get("date_end") and rec["date_end"] != d and prec != 1:
        end = dt.date.fromisoformat(rec["date_end"])
        return f"Between {day.day} {day:%B %Y} and {end.day} {end:%B %Y}"
    if prec == 3:
        return f"In {day:%B %Y}"
    if prec == 2:
        return f"In the week of {day.day} {day:%B %Y}"
    return f"On {day.day} {day:%B %Y}"


def _where(rec: dict[str, Any]) -> str:
    if rec.get("country") and rec["country"] != "Syria":
        return f" in {rec['country']}"
    parts = [p for p in (rec.get("location"), rec.get("admin1")) if p]
    if len(parts) == 2 and parts[0] == parts[1]:
        parts = parts[:1]
    return f" in {', '.join(parts)}" if parts else ""


def make_notes(rec: dict[str, Any]) -> str:
    sub = rec.get("sub_event_type") or "Other"
    s1, s2 = _names(rec, 1), _names(rec, 2)
    subject = s1 or "Unidentified actors"
    if rec.get("report_kind") == "aggregate":
        text = f"{_when(rec)}, {subject} reported operations against {s2 or 'armed groups'}{_where(rec)}"
    else:
        obj = f" {s2}" if s2 else ""
        verb = _VERB.get(sub, "acted against") if s2 else {"Armed clash": "were involved in an armed clash"}.get(
            sub, _VERB.get(sub, "acted").replace(" against", "").replace(" from", "").replace(" on", "")
            .replace(" at", "").replace(" members of", " people").replace(" with", ""))
        text = f"{_when(rec)}, {subject} {verb}{obj}{_where(rec)}"
    facts = []
    if rec.get("fatalities") is not None:
        facts.append(f"{rec['fatalities']} killed")
    if rec.get("injured") is not None:
        facts.append(f"{rec['injured']} injured")
    if rec.get("arrested") is not None:
        facts.append(f"{rec['arrested']} arrested")
    text += "."
    if facts:
        text += " " + ", ".join(facts).capitalize() + "."
    if rec.get("seized"):
        items = [_SEIZED.get(s, s) for s in rec["seized"]]
        text += " Seized: " + ", ".join(items) + "."
    return text
