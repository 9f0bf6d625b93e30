"""A trace of segmentation for humans: why Rasd split, joined, or dropped each clause.

`rasd inspect FILE --incidents` prints it. Each clause is shown with the decision the incident
layer took (new incident, joins #n, part of #n, no event, skipped headline) and the cue or
anchor behind it; each incident then with its kind, date and the record it became, or why none.
"""

from __future__ import annotations

from typing import Any

from rasd.doc import Doc
from rasd.extract.events import event_id, mentions_of

_CLIP = 90  # characters of a clause shown on its line


def trace(doc: Doc) -> dict[str, Any]:
    """{"id", "clauses": [...], "incidents": [...], "text": [lines]} for one annotated doc."""
    records = {r["id"]: r for r in mentions_of(doc, include_background=True)}
    incs = doc.get("incidents")
    number = {id(u): i + 1 for i, inc in enumerate(incs) for u in inc.units}
    art = doc.article
    aid = art.id if art else "doc"
    pub = art.published.isoformat() if art and art.published else None
    clauses, lines = [], [f"== {aid}  published={pub}"]
    for u in doc.get("clauses"):
        n = number.get(id(u))
        verb = {"new": f"new #{n}", "join": f"joins #{n}", "part": f"part of #{n}",
                "skip": "skipped", "none": "no event"}.get(u.decision, u.decision or "no event")
        if u.decision in ("new", "join", "part") and n is None:
            verb = "no event"
        text = " ".join(doc.text[u.start:u.end].split())
        clauses.append({"start": u.start, "end": u.end, "sentence": u.sentence, "decision": verb,
                        "reason": u.reason, "incident": n})
        lines.append(f"  [{u.sentence}:{u.start}-{u.end}] {verb:<10} {u.reason}")
        lines.append(f"      {text[:_CLIP]}{'…' if len(text) > _CLIP else ''}")
    summary = []
    for i, inc in enumerate(incs, 1):
        rec = records.get(event_id(aid, inc.start))
        date = inc.date.text if inc.date is not None else None
        item = {"incident": i, "kind": inc.kind, "date_text": date,
                "record": rec["id"] if rec else None, "dropped": None if rec else inc.dropped or "no record"}
        if rec:
            item.update({k: rec[k] for k in ("event_date", "time_precision", "sub_event_type", "admin1",
                                             "location", "fatalities", "injured", "arrested")})
            lines.append(f"#{i} {inc.kind:<10} {rec['event_date']} p{rec['time_precision']} "
                         f"{rec['admin1']} / {rec['location']} | {rec['sub_event_type']} "
                         f"killed={rec['fatalities']} injured={rec['injured']} arrested={rec['arrested']}"
                         f"  (date from {date!r})")
        else:
            lines.append(f"#{i} {inc.kind:<10} no record: {item['dropped']}")
        summary.append(item)
    return {"id": aid, "clauses": clauses, "incidents": summary, "text": lines}
