"""Killed, injured and arrested counts of one incident, each with its evidence and side.

A count belongs to a role when a role cue stands just before it ("مقتل خمسة", "اعتقال 34")
or the counted noun is itself the role ("ثلاثة قتلى", "71 اعتقالا"). A role cue followed by a
single person ("مقتل عنصر", "إصابة أحد العناصر") is one. A subset ("من بينهم ثلاثة") is not
counted again. Figures repeated in one article are the same people: take the largest per
role and side, never the sum of repeats.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from rasd.arabic.normalize import normalize
from rasd.arabic.tokens import proclitic_splits
from rasd.doc import Doc, Span, Token
from rasd.extract.cues import cue_matches, cue_set
from rasd.extract.incidents import Incident

ROLES = ("killed", "injured", "arrested")
TARGET = "@target"  # owner: the cell or group an operation targets, whatever its name
_SUBSET = {"بينهم", "منهم", "بينها", "بينهن", "منها"}
_ONE_OF = {"احد", "احدي"}
_CUE_WINDOW = 3  # tokens between a role cue and its number ("مقتل ما لا يقل عن خمسة")
_SIDE_WINDOW = 7  # tokens after a count in which the group it belongs to is named
_COORD_REACH = 8  # words from one count to the next one coordinated with و
_NEG_WINDOW = 4  # tokens between a negation and the role it denies


@dataclass
class Count:
    role: str
    value: int | None
    kind: str
    span: Span  # the words of the figure
    actor_key: str | None = None  # the group the counted people belong to, when named
    civilians: bool = False


def _peeled(tok: Token) -> set[str]:
    return {stem for _p, stem in proclitic_splits(tok.norm)}


def _role_hits(doc: Doc) -> list[tuple[int, int, str]]:
    """(token index of the cue start, token index after the cue end, role), sorted; once per doc."""
    if "role_hits" not in doc.cache:
        doc.cache["role_hits"] = sorted((m.i, m.j, role) for role in ROLES for m in cue_matches(doc, role))
    return doc.cache["role_hits"]


def find_counts(doc: Doc, inc: Incident, actor_at: dict[int, str]) -> list[Count]:
    """Counts in the incident's clauses that state something happened."""
    toks = doc.tokens
    if not toks:
        return []
    tstarts = doc.token_starts
    role_hits = _role_hits(doc)
    persons = cue_set("person_nouns")
    civil = cue_set("civilian_nouns")
    counts: list[Count] = []
    for u in inc.units:
        if not u.realis_triggers:
            continue
        u_t0 = bisect.bisect_left(tstarts, u.start)
        u_t1 = bisect.bisect_left(tstarts, u.end)
        unit_roles = [h for h in role_hits if u_t0 <= h[0] < u_t1]
        used_cues: set[int] = set()
        prev_role: str | None = None
        prev_end = -1
        # "اعترفوا بتورطهم في مجازر أودت بحياة أكثر من 500": what the arrested did is a charge
        deed = min((s for name in ("past_deeds", "threat_verbs") for s, _e in u.cues.get(name, [])), default=None)
        for n in u.numbers:
            if n.get("unit") == "percent":
                continue
            if deed is not None and doc.view_index(n.start) > deed:
                continue
            ti = bisect.bisect_left(tstarts, n.start)
            tj = bisect.bisect_left(tstarts, n.end)
            if ti >= 1 and _peeled(toks[ti - 1]) & _SUBSET or ti >= 2 and _peeled(toks[ti - 2]) & _SUBSET:
                continue
            role = None
            reused = False  # the cue before already counted an earlier figure ("مقتل 3 مدنيين و3 جرحى")
            # cue before: "مقتل خمسة" / "اعتقال ما لا يقل عن 20"
            for ci, cj, r in reversed(unit_roles):
                if cj <= ti and ti - cj <= _CUE_WINDOW:
                    role = r
                    reused = ci in used_cues
                    used_cues.add(ci)
                    break
            # the counted noun is the role: "ثلاثة قتلى", "71 اعتقالا", "قتيلين"
            for ci, _cj, r in unit_roles:
                if ti <= ci <= tj:
                    if role is None or ci < tj or reused:
                        role = r
                    used_cues.add(ci)
                    break
            if role is None:
                role = _toll_or_verb_after(toks, ti, tj, u_t1, unit_roles, used_cues)
            if role is None and tj < u_t1 and _peeled(toks[tj]) & persons:
                # "اعتقلت قوات الاحتلال يوم الأحد أربعة شبان": the verb's object, past its subject
                for ci, cj, r in reversed(unit_roles):
                    if cj <= ti and ti - cj <= _OBJECT_REACH and ci not in used_cues and not any(
                            toks[k].norm in _HARD_STOPS for k in range(cj, ti)):
                        role = r
                        used_cues.add(ci)
                        break
            if role is None and prev_role is not None and 0 < ti - prev_end <= _COORD_REACH and any(
                    toks[k].norm.startswith("و") for k in range(prev_end, ti + 1)):
                role = prev_role  # "4 مقاتلين من الفصائل، و3 عناصر من المجلس": the same role
            if role is None:
                continue
            prev_role, prev_end = role, tj
            key, civ = _owner(toks, tj, u_t1, actor_at, civil, n)
            value = n.get("value")
            if value is not None and _and_one_more(toks, tj, u_t1, persons) is not None:
                value += 1  # "قتل جنديان أمريكيان ومترجم مدني": three of the same toll
            counts.append(Count(role, value, n.get("kind") or "exact", n, key, civ))
        # a role cue with a single person and no number: "مقتل عنصر", "إصابة أحد العناصر"
        for ci, cj, role in unit_roles:
            if ci in used_cues or cj >= u_t1:
                continue
            nxt = toks[cj]
            stems = _peeled(nxt)
            if any(n.start >= toks[ci].start and n.start <= nxt.start for n in u.numbers):
                continue
            single = False
            if _his_own(toks[ci], cj - ci):
                single = True  # "مقتله", "اعتقالها": his or her death, one person
                nxt = toks[ci]
            elif _one_of(nxt.norm):
                single = True
            elif stems & persons and not nxt.norm.endswith(("ين", "ون", "ات")) and not _plural(nxt.norm):
                single = True
            elif toks[ci].norm in cue_set("killed_nouns_count_one") | cue_set("injured_nouns_count_one"):
                single = True
            if not single:
                continue
            span = doc.span(toks[ci].nstart, nxt.nend if not _one_of(nxt.norm) else toks[min(cj + 1, u_t1 - 1)].nend)
            key, civ = _owner(toks, cj, u_t1, actor_at, civil, None)
            counts.append(Count(role, 1, "exact", span, key, civ))
        # "أحد أفراد الأمن العام قتل": one of a group, then the verb; "وكان شخص قتل"
        for ci, _cj, role in unit_roles:
            if ci in used_cues:
                continue
            if ci > u_t0 and _single_person(toks[ci - 1], persons):
                key, civ = _owner(toks, ci - 1, ci, actor_at, civil, None)
                counts.append(Count(role, 1, "exact", doc.span(toks[ci - 1].nstart, toks[ci].nend), key, civ))
                continue
            for back in range(max(u_t0, ci - 4), ci):
                if _one_of(toks[back].norm) and not any(t.norm in _STOPS for t in toks[back:ci]):
                    key, civ = _owner(toks, back + 1, ci, actor_at, civil, None)
                    counts.append(Count(role, 1, "exact", doc.span(toks[back].nstart, toks[ci].nend), key, civ))
                    break
    return counts + zero_counts(doc, inc) + whole_group(doc, inc)


_STOPS = {".", "،", ",", "؛", ";", ":"}
_HARD_STOPS = {".", "؛", ";", ":"}  # commas may bracket the day: "اعتقلت القوات، اليوم الأحد، 4 سوريين"
_OBJECT_REACH = 10  # words from a role verb to a counted person noun after its subject and date
_TOLL_TO = {"الي", "بلغت", "لتبلغ", "ليبلغ", "بلغ", "لتصل"}  # "ارتفعت حصيلة القتلى ... إلى 61"
_TOLL_REACH = 10  # words from the toll's role noun back from its figure
_VERB_AFTER = 3  # words from a figure (and its noun) to the verb it is subject of: "300 شخص قتلوا"


def _toll_or_verb_after(toks: list[Token], ti: int, tj: int, u_t1: int,
                        unit_roles: list[tuple[int, int, str]], used: set[int]) -> str | None:
    """The role of a figure with no cue right before it: the subject of a role verb that follows
    ("أكثر من 40 جندياً قُتلوا"), or the end point of a toll ("حصيلة القتلى منذ الجمعة إلى 61")."""
    for ci, _cj, r in unit_roles:
        if tj <= ci <= min(tj + _VERB_AFTER, u_t1 - 1) and not any(
                toks[k].norm in _STOPS for k in range(tj, ci)):
            used.add(ci)
            return r
    if ti >= 1 and (toks[ti - 1].norm.lstrip("و") in _TOLL_TO or _peeled(toks[ti - 1]) & _TOLL_TO):
        for ci, cj, r in reversed(unit_roles):
            if cj <= ti and ti - cj <= _TOLL_REACH:
                used.add(ci)
                return r
    return None


_GROUP_REACH = 8  # words after "مكونة من" that may list the members


def whole_group(doc: Doc, inc: Incident) -> list[Count]:
    """"خلية مكونة من ثلاثة رجال وامرأة ... اعتقال أفرادها": everyone in a group of known size."""
    toks = doc.tokens
    tstarts = doc.token_starts
    lo, hi = bisect.bisect_left(tstarts, inc.units[0].start), bisect.bisect_left(tstarts, inc.units[-1].end)
    sizes = [m for m in cue_matches(doc, "group_size") if lo <= m.i < hi]
    members = [m for m in cue_matches(doc, "all_members") if lo <= m.i < hi]
    if not sizes or not members:
        return []
    numbers = {bisect.bisect_left(tstarts, n.start): n for u in inc.units for n in u.numbers}
    persons = cue_set("person_nouns")
    out = []
    for g in sizes:
        size, k, end = 0, g.j, g.j
        while k < min(hi, g.j + _GROUP_REACH):
            tok = toks[k]
            if tok.norm in _STOPS:
                break
            n = numbers.get(k)
            if n is not None and n.get("value"):
                size += n.get("value")
                end = bisect.bisect_left(tstarts, n.end)
                k = end
                continue
            if _peeled(tok) & (persons | {"امراة", "رجل", "سيدة", "فتاة", "شاب"}) and k > end:
                size += 1  # a single noun after the counted ones: "... وامرأة"
                end = k + 1
            k += 1
        if not size:
            continue
        for m in members:
            cue_before = any(ci < m.i and m.i - cj <= 2 for ci, cj, r in _role_hits(doc) if r == "arrested")
            if cue_before:
                out.append(Count("arrested", size, "exact", doc.span(toks[g.i].nstart, toks[max(g.j, end - 1)].nend)))
                break
    return out



_SINGULAR_SUFFIXES = ("ه", "ها")
_ROLE_NOUNS = {"مقتل", "اغتيال", "اعتقال", "اصابه", "اختطاف", "خطف", "استشهاد", "اعدام", "تصفيه", "تحييد"}


def _his_own(tok: Token, width: int) -> bool:
    """A one-word role noun with a singular pronoun: "مقتله" (his death), "اعتقالها" (her arrest)."""
    if width != 1:
        return False
    w = tok.norm
    for suf in _SINGULAR_SUFFIXES:
        if w.endswith(suf):
            stem = w[:-len(suf)].lstrip("وب")
            if stem.endswith("ت"):
                stem = stem[:-1] + "ه"  # "اصابته": the ta marbuta of اصابة before a pronoun
            if stem.replace("ة", "ه") in _ROLE_NOUNS:
                return True
    return False


def _single_person(tok: Token, persons: frozenset[str]) -> bool:
    """One person named by a singular noun ("شخص", "مترجم"), not a plural or a dual."""
    return bool(_peeled(tok) & persons) and not tok.norm.endswith(("ين", "ون", "ات", "ان")) \
        and not _plural(tok.norm)


_AND_REACH = 3  # words after a count in which "و" + one more person may follow (its adjectives between)


def _and_one_more(toks: list[Token], tj: int, t1: int, persons: frozenset[str]) -> int | None:
    """The token of "ومترجم" in "جنديان أمريكيان ومترجم مدني": one more person joined by و."""
    for k in range(tj, min(t1, tj + _AND_REACH)):
        w = toks[k].norm
        if w.startswith("و") and len(w) > 2:
            rest = w[1:]
            ok = rest in persons or (rest.startswith("ال") and rest[2:] in persons)
            return k if ok and not rest.endswith(("ين", "ون", "ات", "ان")) else None
        if w in _STOPS or w[:1].isdigit():
            return None
    return None


def _one_of(word: str) -> bool:
    """أحد / إحدى "one of", with a conjunction or preposition but never the article (الأحد: Sunday)."""
    return word in _ONE_OF or (word[:1] in "وفبل" and word[1:] in _ONE_OF)


def zero_counts(doc: Doc, inc: Incident) -> list[Count]:
    """"دون تسجيل أي اعتقالات", "لم يسفر عن إصابات": the text says none, which is a figure (0)."""
    toks = doc.tokens
    tstarts = doc.token_starts
    negs = sorted(m.j for m in cue_matches(doc, "negation"))
    out = []
    for u in inc.units:
        t0, t1 = bisect.bisect_left(tstarts, u.start), bisect.bisect_left(tstarts, u.end)
        for ci, cj, role in _role_hits(doc):
            if not t0 <= ci < t1:
                continue
            k = bisect.bisect_right(negs, ci) - 1
            if k >= 0 and 0 <= ci - negs[k] <= _NEG_WINDOW and not any(
                    n.start >= toks[negs[k]].start and n.start < toks[ci].start for n in u.numbers):
                out.append(Count(role, 0, "exact", doc.span(toks[negs[k] - 1].nstart, toks[cj - 1].nend)))
    return out


_BROKEN_PLURALS = {"عناصر", "اشخاص", "افراد", "اطفال", "نساء", "رجال", "جنود", "ضباط", "شبان", "عمال", "طلاب"}


def _plural(word: str) -> bool:
    return any(stem in _BROKEN_PLURALS for _p, stem in proclitic_splits(word))


def _owner(toks: list[Token], t0: int, t1: int, actor_at: dict[int, str], civil: frozenset[str],
           n: Span | None) -> tuple[str | None, bool]:
    """The group the counted people belong to: "من قسد", "في صفوف قوات النظام", or civilians.

    A group named after the count without such a word ("برصاص مسلحين مجهولين") is who did it,
    not whose people were counted.
    """
    civ = False
    if n is not None and n.get("noun"):
        civ = any(stem in civil for _p, stem in proclitic_splits(n.get("noun")))
    owner_words = cue_set("owner_markers")
    marked = False
    for k in range(t0, min(t1, t0 + _SIDE_WINDOW)):
        tok = toks[k]
        if tok.norm in {".", "،", ",", "؛", ";"}:
            break
        if tok.start in actor_at:
            if marked or k == t0:
                return actor_at[tok.start], civ
            return None, civ
        stems = _peeled(tok)
        if marked and stems & cue_set("cell_nouns"):
            return TARGET, civ  # "ثلاثة من عناصر الخلية": the group the operation targets
        if stems & owner_words:
            marked = True
        elif tok.norm == "في" and k + 1 < t1 and toks[k + 1].start in actor_at:
            return actor_at[toks[k + 1].start], civ  # "ضابط في الجيش": membership, not place
        if k <= t0 + 1 and stems & civil:
            civ = True
    return None, civ


_PLAUSIBLE = {"incident": 1000, "aggregate": 100000, "background": 100000}


def _attackers(span: Span) -> bool:
    """The counted people are the attackers ("المهاجم", "الانتحاريين")."""
    nouns = cue_set("attacker_nouns")
    return any(w in nouns for w in normalize(span.text).split())


def summarize(counts: list[Count], side_of: dict[str, int], kind: str = "incident") -> dict:
    """Totals for the record: arrested, injured, fatalities and killed by side (largest repeat)."""
    best: dict[tuple[str, str], Count] = {}
    for c in counts:
        if c.value is None or c.value > _PLAUSIBLE[kind]:
            continue  # "300 ألف" in an incident is a war toll recalled, not this incident's
        if c.civilians:
            owner = "civilians"
        elif c.actor_key == TARGET and 2 in side_of.values():
            owner = "side2"
        elif _attackers(c.span):
            owner = "attackers"  # "قتلت قوات شريكة المهاجم": the attackers' dead, apart from their victims
        elif c.actor_key and c.actor_key in side_of:
            owner = f"side{side_of[c.actor_key]}"
        elif c.actor_key == "civilians":
            owner = "civilians"
        else:
            owner = "any"
        k = (c.role, owner)
        if k not in best or c.value > best[k].value:
            best[k] = c
    out: dict = {"arrested": None, "injured": None, "fatalities": None, "killed": None, "evidence": []}
    for role in ("arrested", "injured"):
        cands = [c for (r, _o), c in best.items() if r == role]
        if cands:
            top = max(cands, key=lambda c: c.value)
            out[role] = top.value
            out["evidence"].append((role, top.span))
    killed = {o: c for (r, o), c in best.items() if r == "killed"}
    if killed:
        attackers = killed.pop("attackers", None)
        by_side = {o: c.value for o, c in killed.items() if o != "any"}
        attributed = sum(by_side.values())
        unattributed = killed["any"].value if "any" in killed else 0
        out["fatalities"] = max(attributed, unattributed)
        if attackers is not None:
            # the attackers killed are not among their victims: they add up ("قتلت القوات المهاجم")
            out["fatalities"] += attackers.value
            if "side1" not in by_side and 1 in side_of.values():
                by_side["side1"] = attackers.value
        out["killed"] = {"side1": by_side.get("side1"), "side2": by_side.get("side2"),
                         "civilians": by_side.get("civilians")}
        if not any(v is not None for v in out["killed"].values()):
            out["killed"] = None
        for o, c in killed.items():
            out["evidence"].append(("fatalities" if o == "any" else f"killed.{o}", c.span))
        if attackers is not None:
            out["evidence"].append(("fatalities", attackers.span))
    return out
