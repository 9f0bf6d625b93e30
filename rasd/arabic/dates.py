"""Date expressions in Arabic news, resolved against the publication date.

Incidents are dated the way reporters write them: "الاثنين 24 من تشرين الثاني", "فجر اليوم",
"نهاية شهر آب/أغسطس الماضي", "ومطلع الشهر ذاته", "قبل ثلاثة أيام". One compiled regex
(built at import from rasd/data/dates.json) finds every expression on the normalised view;
a small handler per construct turns its groups into dates.

Each hit is a `Span` labelled "date" with attrs:

* ``date_start`` / ``date_end``: `datetime.date` or None (date_start <= date_end);
* ``precision``: ACLED's time precision: 1 the day is known (also a span of up to 7 days:
  "ليل الجمعة-السبت", "بين 3 و5 آب"); 2 known to about a week (a month part "نهاية آب" =
  21..31, "الأسبوع الماضي"); 3 a month or longer ("كانون الثاني 2022", "العام الماضي");
* ``relative``: True when the dates depend on the publication date or on an earlier
  mention ("الشهر ذاته");
* ``period``: True for a span that runs up to publication, the period of a tally rather than
  the day of an incident: "منذ الثلاثاء", "منذ 18 شباط", "خلال 18 يوماً", "في خمسة أيام".

Resolution rules, all "never into the future of publication":

* a month without a year is the latest such month whose (first) day is not after
  publication; with الماضي/المنصرم it is the latest one strictly before the publication
  month; with الحالي/الجاري it is in the publication year;
* a weekday is the latest such day on or before publication (strictly before with الماضي);
  "ليلة السبت" / "ليل الجمعة-السبت" is the night before: Friday..Saturday;
* weeks are ISO weeks, Monday..Sunday: "الأسبوع الماضي" is the previous one, "الأسبوع
  الحالي" runs from Monday to publication; week parts are Mon-Wed / Wed-Fri / Fri-Sun;
* "الشهر ذاته/نفسه" (and a bare "الشهر" after a day or part word) is the month last
  mentioned in the document, else the publication month;
* ranges that would run past publication end at publication ("الشهر الجاري", "منذ
  بداية العام" = 1 January .. publication);
* "قبل/منذ N أيام" is that day (precision 1; weeks 2, months and years 3); "قبل أيام" is the
  week before publication; "منذ X" runs from the start of X to publication;
* explicit future expressions ("غدا", "الأحد المقبل", "الشهر القادم") are consumed and not
  reported: an incident report never happens in the future. A day the text pins to the
  current month ("30 الجاري") or an explicit year is kept as written.

Without a publication date, relative expressions are still returned, with dates None and
their nominal precision.
Digits written onto the word before or after them are read as if spaced: "الخميس22 تشرين
الأول", "في22 تشرين الأول" (the span starts at the digits), "منذ2015", "قبل3 أيام".
Like the number layer, a conjunction or preposition written onto the first word is left out
of the span ("ومطلع الشهر" -> "مطلع الشهر"); an article ال stays. Leading prepositions that
do not change the meaning (في, خلال, حتى...) are left out too; منذ, قبل, بين, من are kept.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from importlib import resources
from typing import Any

from rasd.arabic.normalize import LETTER, normalize
from rasd.arabic.tokens import digit_words, proclitic_splits, token_index
from rasd.doc import Doc, Span

__all__ = ["find_dates", "dates", "parse_date_text"]

# --- lexicon ---------------------------------------------------------------------------------


def _load() -> dict[str, Any]:
    raw = resources.files("rasd").joinpath("data/dates.json").read_text(encoding="utf-8")
    return json.loads(raw)


_DATA = _load()


def _n(word: str) -> str:
    return " ".join(normalize(word).split())


def _table(section: dict[str, list[str]]) -> dict[str, int]:
    return {_n(w): int(k) for k, words in section.items() for w in words}


_MONTHS = _table(_DATA["months"])
_WEAK = frozenset(_n(w) for w in _DATA["weak_months"])
_WEEKDAYS = _table(_DATA["weekdays"])
_ORDINALS = _table(_DATA["ordinals"])
_CARDINALS = {_n(w): int(v) for w, v in _DATA["cardinals"].items()}
_TENS = {_n(w): int(v) for w, v in _DATA["tens"].items()}
_TEENS = frozenset(_n(w) for w in _DATA["teen_words"])
_VAGUE_NUM = frozenset(_n(w) for w in _DATA["vague_numbers"])
_UNITS = {_n(w): (u, c) for w, (u, c) in _DATA["units"].items()}
_VAGUE_AGO = {u: tuple(v) for u, v in _DATA["vague_ago"].items()}
_REL = {_n(w): (a, b) for w, (a, b) in _DATA["relative_days"].items()}
_FUTURE_DAYS = frozenset(_n(w) for w in _DATA["future_days"])
_TOD = {_n(w): kind for w, kind in _DATA["times_of_day"].items()}
_PARTS = {_n(w): kind for kind, words in _DATA["parts"].items() for w in words}
_WINDOWS: dict[str, dict[str, tuple[int, int]]] = {
    scope: {k: (a, b) for k, (a, b) in parts.items()} for scope, parts in _DATA["part_windows"].items()
}
_MODS = {_n(w): kind for kind, words in _DATA["modifiers"].items() for w in words}


def _nset(key: str) -> frozenset[str]:
    return frozenset(_n(w) for w in _DATA[key])


_WEAK_TABLE = dict.fromkeys(_WEAK, True)
_FUTURE_TABLE = dict.fromkeys(_FUTURE_DAYS, True)
_TODAY_TABLE = {w: True for w, span in _REL.items() if span == (0, 0)}
_TODAY_NOT_BEFORE = _nset("today_not_before")
_TODAY_NOT_AFTER = _nset("today_not_after")
_MONDAY_PREV = _nset("monday_number_prev")
_MONDAY_NEXT = _nset("monday_number_next")
_AGO_NOT_BEFORE = _nset("ago_not_before")
_GENERAL_NOUNS = _nset("general_nouns")
_DAYS_DUAL = _nset("days_dual")

# --- regex building blocks ------------------------------------------------------------------

L = LETTER
S = r"[^\S\n]+"  # spaces inside one expression; never a line break
S0 = r"[^\S\n]*"
SG = f"(?:{S}|(?=[0-9]))"  # spaces, or none before digits written onto the word ("منذ2015", "الخميس22")
NB = f"(?![{L}])"  # end of an Arabic word
CJ = "(?:[وف])?"  # conjunction written onto the word
CP = "(?:[وف]?[بل]?)"  # conjunction + preposition
CLA = "(?:[وف]?(?:[بك]?ال|لل))"  # clitics + article
YEAR_DIGITS = "(?:19|20)[0-9]{2}"
YEAR4 = YEAR_DIGITS + "(?![0-9]|[/.\\-][0-9]{1,2}(?![0-9]))"  # not the year of 2025-11-24


def _trie(words: Iterable[str]) -> str:
    """One regex for many words, factored by prefix: the engine picks a branch per character
    instead of trying every word (the master regex runs at every word start)."""
    root: dict[str, Any] = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        alts = [(S if ch == " " else re.escape(ch)) + emit(node[ch]) for ch in sorted(k for k in node if k)]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if "" in node:
            return f"(?:{body})?"
        return body

    return emit(root)


def _alt(words: Iterable[str], clitic: str = CJ, article: bool = True) -> str:
    """Alternation of view words; ال-words also accept the clitic + article forms (وبالأحد)."""
    words = set(words)
    words |= {w.replace(" و", " و ") for w in words if " و" in w}  # "الحادي و العشرين"
    art = {w[2:] for w in words if article and w.startswith("ال") and len(w) > 3}
    plain = {w for w in words if not (article and w.startswith("ال") and len(w) > 3)}
    parts = []
    if art:
        parts.append(CLA + _trie(art))
    if plain:
        parts.append(clitic + _trie(plain))
    return "(?:" + "|".join(parts) + ")"


def _words(key: str) -> list[str]:
    return [_n(w) for w in _DATA[key]]


_MON = "(?:" + _alt([w for w in _MONTHS if w not in _WEAK]) + "|" + _alt(_WEAK, "(?:و)?") + ")"
_MON_BARE = _alt(_MONTHS, "", False)  # the second name of a pair written with a space
_WD = _alt(_WEEKDAYS)
_ORD = _alt(_ORDINALS)
_RELW = _alt(list(_REL) + list(_FUTURE_DAYS))
_TODW = _alt(_TOD)
_PARTW = _alt(_PARTS, CP)
_MODW = _alt(_MODS, "", article=False)
_UNITW = _alt(_UNITS, "", article=False)
_LMODW = _alt(_words("last_n_modifiers"), "", article=False)
_LMODS = frozenset(_n(w) for w in _words("last_n_modifiers"))
_APPROXW = _alt(_words("approx"), "", article=False)
_NUMW = (
    "(?:" + _alt(_CARDINALS, "", False) + f"(?:{S}" + _alt(_TEENS, "", False)
    + f"|{S}و{S0}" + _alt(_TENS, "", False) + ")?|" + _alt(list(_TENS) + list(_VAGUE_NUM), "", False) + ")"
)
_SINCE = f"{CJ}" + _alt(_words("since"), "", False) + SG
_LEAD = f"{CJ}" + _alt(_words("leads"), "", False) + SG
_BETWEEN = CJ + _alt(_words("range_between"), "", False) + SG
_FROM = CJ + _alt(_words("range_from"), "", False) + SG
_TO = _alt(_words("range_to"), "", False)
# between the two ends of a range; a و right after a digit needs no space ("3و5 آب")
_JOIN = f"(?:{S0}[-/]{S0}|(?:{S}|(?<=[0-9]))و{S0}|{S}{_TO}{S})"
_DAYW = CP + _alt(_words("day_word"), "", False)
_DAYSW = CP + _alt(_words("days_dual"), "", False)
_MONTHW = CP + _alt(_words("month_word"), "", False)
_MONTHSW = CP + _alt(_words("months_dual"), "", False)
_THE_MONTH = _alt(_words("the_month"))
_THE_WEEK = _alt(_words("the_week"))
_THE_YEAR = _alt(_words("the_year"))
_YEARW = _alt(_words("year_words") + _words("years_dual") + _words("the_year"), CP)
_THIS = _alt(_words("this"), CJ, False)
_COINC = _alt(_words("coinciding"), "", False)
_NIGHT_JOIN = _alt(_words("night_joiners"), "", False)
_OF = _alt(_words("of"), "", False)
_CUR = _alt([w for w, k in _MODS.items() if k == "current"], "", False)
_ONE_DAY = _alt([w for w, (a, b) in _REL.items() if a == b])
_YEAR_BARE = _alt(_words("year_words") + _words("the_year"), "", False)
AD = f"(?:{S0}" + _alt(_words("ad_suffix"), "", False) + f"{NB})?"  # 2022م / 2022 م (Gregorian)
_DAY_NUM = "(?:3[01]|[12][0-9]|0?[1-9])"
_MON_NUM = "(?:1[0-2]|0?[1-9])"


def _dayn(p: str) -> str:
    """A day number, maybe written "الـ24" or with a clitic; not part of 1.5, 10:30, 3/4, 5%."""
    return f"{CP}(?:ال{S0})?(?P<{p}n>{_DAY_NUM})(?![0-9]|[.,:/][0-9]|{S0}%)"


def _monthx(p: str) -> str:
    """[شهر] month [/ month | (month)]: the Levantine and Gregorian names are often paired."""
    return (
        f"(?:(?P<{p}sh>{_MONTHW}){S})?(?P<{p}m1>{_MON}){NB}"
        f"(?:{S0}[/\\\\]{S0}(?P<{p}m1b>{_MON}){NB}|{S0}\\({S0}(?P<{p}m1c>{_MON}){S0}\\)"
        f"|{S}(?P<{p}m1d>{_MON_BARE}){NB})?"
    )


def _modslot(p: str) -> str:
    return f"(?:{S}(?P<{p}mod>{_MODW}){NB})?"


def _yearslot(p: str) -> str:
    """A year after a month: "2022", "من عام 2022", "من العام الماضي", "من هذا العام"."""
    return (
        f"(?:{S0}[،,]?{S0}(?:{_OF}{S})?(?:{_YEARW}{S0})?(?P<{p}y>{YEAR4}){AD}"
        f"|{S}(?:{_OF}{S})?(?:{_THE_YEAR}{S}(?P<{p}ym>{_MODW}){NB}|(?P<{p}yh>{_THIS}{S}{_THE_YEAR}){NB}))"
    )


def _mref(p: str) -> str:
    """الشهر [الماضي|الجاري|ذاته...] or هذا الشهر."""
    return (
        f"(?P<{p}mref>{_THE_MONTH}){NB}(?:{S}(?P<{p}mrefmod>{_MODW}){NB})?"
        f"|(?P<{p}mthis>{_THIS}{S}{_THE_MONTH}){NB}"
    )


def _day_of(p: str) -> str:
    """The month a day belongs to: a month name, الشهر..., or الجاري/الحالي alone."""
    return (
        f"(?:{_monthx(p)}{_modslot(p)}(?:{_yearslot(p)})?"
        f"|{_mref(p)}|(?P<{p}cur>{_CUR}){NB})"
    )


def _day(p: str) -> str:
    """A day of the month: a number ("24", "24 من") or an ordinal followed by من."""
    return f"(?:{_dayn(p)}{S0}(?:{_OF}{S})?|(?P<{p}o>{_ORD}){NB}{S}{_OF}{S})"


_RANGE = (
    f"(?:(?P<R_tod>{_TODW}){NB}{S})?(?P<R_intro>{_BETWEEN}|{_FROM}|{_DAYSW}{SG})?(?:{_DAYW}{SG})?"
    f"(?:{_dayn('R_1')}|(?P<R_1o>{_ORD}){NB})"
    f"(?:{S0}(?:{_OF}{S})?{_monthx('R_1')}(?:{_yearslot('R_1')})?)?"
    f"(?P<R_conn>{_JOIN})(?:{_DAYW}{SG})?"
    f"{_day('R_2')}{_day_of('R_2')}"
)

_DATE = (
    f"(?P<D_since>{_SINCE})?"
    f"(?:(?P<D_rel>{_ONE_DAY}){NB}{S0}[،,]?{S0})?"
    f"(?:(?P<D_tod>{_TODW}){NB}{S})?(?:(?P<D_yawm>{_DAYW}){SG})?"
    f"(?:(?P<D_w>{_WD}){NB}(?:{S0}[،,]{S0}|{S0}(?P<D_lp>\\(){S0}|{SG})(?:{_COINC}{S0})?)?"
    f"(?:{CP}(?P<D_ndd>{_DAY_NUM})(?P<D_sep>[/.\\-])(?P<D_ndm>{_MON_NUM})(?P=D_sep)(?P<D_ndy>{YEAR_DIGITS})"
    f"(?![/.\\-][0-9])"
    f"|{CP}(?P<D_isy>{YEAR_DIGITS})(?P<D_sep2>[/.\\-])(?P<D_ism>{_MON_NUM})(?P=D_sep2)(?P<D_isd>{_DAY_NUM})"
    f"(?![0-9]|[/.\\-][0-9])"
    f"|{_day('D_')}{_day_of('D_')})"
    f"(?(D_lp)(?:{S0}\\))?)"
)

_PART = (
    f"(?P<P_since>{_SINCE})?(?P<P_part>{_PARTW}){NB}{SG}"
    f"(?:{_monthx('P_')}{_modslot('P_')}(?:{_yearslot('P_')})?"
    f"|{_mref('P_')}"
    f"|(?P<P_week>{_THE_WEEK}){NB}(?:{S}(?P<P_wmod>{_MODW}){NB})?|(?P<P_wthis>{_THIS}{S}{_THE_WEEK}){NB}"
    f"|(?P<P_yw>{_YEAR_BARE}){NB}(?:{S}(?P<P_ymod>{_MODW}){NB}|{S0}(?P<P_yn>{YEAR4}){AD})?"
    f"|(?P<P_ythis>{_THIS}{S}{_THE_YEAR}){NB}"
    f"|(?P<P_y0>{YEAR4}){AD})"
)

_MONTH = (
    f"(?P<M_since>{_SINCE})?(?P<M_lead>{_LEAD})?(?P<M_intro>{_BETWEEN}|{_FROM})?"
    f"(?:(?P<M_sh>{_MONTHSW}|{_MONTHW}){S})?"
    f"(?P<M_m1>{_MON}){NB}(?:{S0}[/\\\\]{S0}(?P<M_m1b>{_MON}){NB}|{S0}\\({S0}(?P<M_m1c>{_MON}){S0}\\)"
    f"|{S}(?P<M_m1d>{_MON_BARE}){NB})?"
    f"(?:{_yearslot('M_1')})?"
    f"(?:(?P<M_conn>{_JOIN})(?:{_MONTHW}{S})?"
    f"(?P<M_m2>{_MON}){NB}(?:{S0}[/\\\\]{S0}(?P<M_m2b>{_MON}){NB}|{S0}\\({S0}(?P<M_m2c>{_MON}){S0}\\)"
    f"|{S}(?P<M_m2d>{_MON_BARE}){NB})?)?"
    f"{_modslot('M_')}(?:{_yearslot('M_')})?"
)

_YEAR = (
    f"(?P<Y_since>{_SINCE})?(?P<Y_lead>{_LEAD})?(?P<Y_intro>{_BETWEEN}|{_FROM})?"
    f"(?:(?:(?P<Y_w>{_YEARW}){S0})?(?P<Y_1>{YEAR4}){AD}"
    f"(?:(?P<Y_conn>{_JOIN})(?:{_YEARW}{S0})?(?P<Y_2>{YEAR4}){AD})?"
    f"|(?P<Y_wm>{_THE_YEAR}){S}(?P<Y_mod>{_MODW}){NB}"
    f"|(?P<Y_this>{_THIS}{S}{_THE_YEAR}){NB})"
)

_WEEKDAY = (
    f"(?P<W_since>{_SINCE})?(?:(?P<W_tod>{_TODW}){NB}{S})?(?:(?P<W_yawm>{_DAYSW}|{_DAYW}){S})?"
    f"(?P<W_w1>{_WD}){NB}"
    f"(?:(?P<W_conn>{S0}[-/]{S0}|{S}{_NIGHT_JOIN}{S}|{S}و{S0})(?P<W_w2>{_WD}){NB})?"
    f"(?:{S}(?P<W_mod>{_MODW}){NB})?"
)

_RELDAY = (
    f"(?P<T_since>{_SINCE})?(?:(?P<T_tod>{_TODW}){NB}{S})?(?:(?P<T_yawm>{_DAYW}){S})?"
    f"(?P<T_rel>{_RELW}){NB}(?:{S0}[،,]?{S0}(?P<T_w>{_WD}){NB})?"
)

_WEEK = (
    f"(?P<K_since>{_SINCE})?"
    f"(?:(?P<K_a>{_THE_WEEK}){S}(?P<K_mod>{_MODW}){NB}|(?P<K_this>{_THIS}{S}{_THE_WEEK}){NB})"
)

_MONTHREF = (
    f"(?P<F_since>{_SINCE})?"
    f"(?:(?P<F_a>{_THE_MONTH}){S}(?P<F_mod>{_MODW}){NB}|(?P<F_this>{_THIS}{S}{_THE_MONTH}){NB})"
)

_FEW = frozenset(_words("few_after"))
_FEWW = _alt(_FEW, "", False)  # "خلال الأيام القليلة الماضية": a few, about a week
_LASTN = (
    f"(?:{CLA}(?P<L_u>{_UNITW}){NB}{S}(?:ال{S0})?(?P<L_n>[0-9]{{1,3}}|{_NUMW}|{_FEWW}){NB}{S}(?P<L_m>{_LMODW}){NB}"
    f"|{CP}(?:ال{S0})?(?P<L_n2>[0-9]{{1,3}}){S0}(?P<L_u2>{_UNITW}){NB}{S}(?P<L_m2>{_LMODW}){NB})"
)

_AGO = (
    f"(?P<A_kw>{CJ}" + _alt(_words("ago"), "", False) + f"){SG}(?:(?P<A_apx>{_APPROXW}){NB}{S})?"
    f"(?:(?P<A_n>[0-9]{{1,3}}|{_NUMW}){NB}{S0})?(?P<A_u>{_UNITW}){NB}"
    f"(?:{S}" + _alt(_words("few_after"), "", False) + f"{NB})?"
)

# "خلال 18 يوما", "في خمسة أيام", "خلال يومين": a period that ends at publication (a tally's)
_DURW = _alt(_words("duration_leads"), CJ, False)
_DURATION = (
    f"(?P<U_kw>{_DURW}){SG}(?:ال{S0})?(?:(?P<U_n>[0-9]{{1,3}}|{_NUMW}){NB}{S0})?(?P<U_u>{_UNITW}){NB}"
)

# Order matters at one start position: longer constructs first.
_CONSTRUCTS: list[tuple[str, str]] = [
    ("R", _RANGE), ("D", _DATE), ("P", _PART), ("M", _MONTH), ("Y", _YEAR), ("W", _WEEKDAY),
    ("T", _RELDAY), ("K", _WEEK), ("F", _MONTHREF), ("L", _LASTN), ("A", _AGO), ("U", _DURATION),
]

# A cheap look-ahead run at every word start before any construct is tried: the word (or the
# word after one or two prepositions) must be able to begin a date. Most words fail it at
# their first letters, which keeps the scan linear and fast.
_CONJ = ("", "و", "ف")
_PREP = ("", "ب", "ل")


def _variants(words: Iterable[str], prep: bool = True) -> set[str]:
    """Every clitic spelling of the words, spelt out so one trie matches them without backtracking."""
    out = set()
    words = set(words)
    words |= {w.replace(" و", " و ") for w in words if " و" in w}
    for w in words:
        for c in _CONJ:
            for p in _PREP if prep else ("",):
                out.add(c + p + w)
            if w.startswith("ال") and len(w) > 3:
                out.update({c + "بال" + w[2:], c + "كال" + w[2:], c + "لل" + w[2:]})
    return out


_CORE_WORDS = (
    list(_MONTHS) + list(_WEEKDAYS) + list(_ORDINALS) + list(_REL) + list(_FUTURE_DAYS) + list(_TOD)
    + list(_PARTS) + _words("day_word") + _words("days_dual") + _words("month_word")
    + _words("months_dual") + _words("the_month") + _words("the_week") + _words("the_year")
    + _words("year_words") + _words("years_dual") + ["ال" + u for u in _UNITS]
    + [f"{t} {w}" for t in _words("this") for w in _words("the_month") + _words("the_week")
       + _words("the_year")]
)
_CORE_V = _variants(_CORE_WORDS)
_FUNC_V = _variants(_words("since") + _words("leads") + _words("range_between") + _words("range_from"),
                    prep=False)
_AGO_V = _variants(_words("ago") + _words("duration_leads"), prep=False)
_CORE = _trie(_CORE_V)
_FUNC = _trie(_FUNC_V)
_AGOW = _trie(_AGO_V)
_GUARD = (
    f"(?=(?:{_FUNC}{SG}){{0,2}}(?:{_CORE}{NB}|[وف]?[بل]?(?:ال{S0})?[0-9])"
    f"|{_AGOW}{SG}(?:{_APPROXW}{S})?(?:ال{S0})?(?:[0-9]|{_NUMW}{NB}|{_UNITW}{NB}))"
)
# An expression starts at a word start, or at digits written onto a word ("في22 تشرين").
_MASTER = re.compile(
    f"(?:(?<![{L}0-9])|(?<![0-9])(?=[0-9])){_GUARD}(?:"
    + "|".join(f"(?P<{name}>{pat})" for name, pat in _CONSTRUCTS) + ")"
)

# Where _MASTER can match at all, read off the guard: at the start of a run of letters and
# digits whose first token is a digit or opens one of the guard's alternatives (a since/lead
# word, a core word, an "ago" word, or clitics + article before a digit: "وبالـ5" -> "وبال").
# Trying _MASTER.match only there finds exactly what _MASTER.search finds, without running
# the guard at every word of the text. If an opener is not a plain letter token (a data edit
# could add one), every position is tried as before.
_OPENERS = frozenset(v.split(" ")[0] for v in (*_CORE_V, *_FUNC_V, *_AGO_V)) | frozenset(
    c + p + a for c in ("", "و", "ف") for p in ("", "ب", "ل") for a in ("", "ال")) - {""}
_OPENERS_OK = all(re.fullmatch(f"[{L}]+", w) for w in _OPENERS)
_RUN_CHAR = frozenset(re.findall(f"[{L}0-9]", "".join(map(chr, range(0x10000)))))

# First words of expressions, for leaving a written-on و/ف/ب/ل out of the span.
_FIRST_WORDS = frozenset(
    w.split(" ")[0]
    for table in (_MONTHS, _WEEKDAYS, _ORDINALS, _REL, _TOD, _PARTS, _UNITS)
    for w in table
) | frozenset(w.split(" ")[0] for key in (
    "since", "ago", "range_between", "range_from", "day_word", "days_dual", "month_word", "months_dual",
    "the_month", "the_week", "the_year", "year_words", "years_dual", "this", "future_days",
) for w in _words(key))
_DIGIT_CLITIC = re.compile("[وفبل]{1,2}(?=(?:ال[^\\S\\n]*)?[0-9])")
_PREV_WORD = re.compile(f"([{L}]+)[^{L}0-9]*$")
_NEXT_WORD = re.compile(f"[^\\S\\n]*[،,]?[^\\S\\n]*([{L}0-9]+)")

# --- resolution ----------------------------------------------------------------------------


class _NeedPub(Exception):
    """A relative expression met a document without publication date."""


class _Skip(Exception):
    """A future expression: consumed, not reported."""


DAY = dt.timedelta(days=1)


def _mdays(y: int, m: int) -> int:
    return calendar.monthrange(y, m)[1]


def _add_months(d: dt.date, n: int) -> dt.date:
    k = d.year * 12 + d.month - 1 + n
    y, m = divmod(k, 12)
    return dt.date(y, m + 1, min(d.day, _mdays(y, m + 1)))


def _len_prec(a: dt.date, b: dt.date) -> int:
    """Precision of a span of days: a week or less is 1, up to 11 days 2, longer 3."""
    n = (b - a).days + 1
    return 1 if n <= 7 else 2 if n <= 11 else 3


def _lookup(table: dict[str, Any], text: str | None) -> Any:
    """Value of a matched word or phrase, trying its proclitic readings (وبالأحد -> الأحد)."""
    if not text:
        return None
    key = " ".join(text.split())
    if " و " in key:
        key = key.replace(" و ", " و")  # "الحادي و العشرين"
    if key in table:
        return table[key]
    first, _, rest = key.partition(" ")
    for _prefix, stem in proclitic_splits(first):
        cand = f"{stem} {rest}" if rest else stem
        if cand in table:
            return table[cand]
    return None


def _count(text: str) -> int | None:
    """A small count written in digits or words; larger compounds go to rasd.arabic.numbers."""
    t = " ".join(text.split())
    if t.isdigit():
        return int(t)
    if t in _VAGUE_NUM:
        return None
    words = t.split(" ")
    if len(words) == 1:
        if t in _CARDINALS:
            return _CARDINALS[t]
        if t in _TENS:
            return _TENS[t]
    elif len(words) == 2 and words[0] in _CARDINALS:
        if words[1] in _TEENS:
            return _CARDINALS[words[0]] + 10
        tens = words[1][1:].strip() if words[1].startswith("و") else ""
        if tens in _TENS:
            return _CARDINALS[words[0]] + _TENS[tens]
    try:  # the number layer, when present, knows every compound
        from rasd.arabic.numbers import parse_number_words
    except ImportError:  # pragma: no cover - the number layer is optional here
        return None
    return parse_number_words(t)


class _Ctx:
    """Per-document state: publication date, the last month and year mentioned, per-match flags."""

    def __init__(self, norm: str, pub: dt.date | None) -> None:
        self.norm = norm
        self.pub = pub
        self.last_month: tuple[int, int] | None = None
        self.last_year: int | None = None
        self.begin()

    def begin(self) -> None:
        self.rel = False
        self.period = False  # a span up to publication: منذ X, خلال N أيام
        self.prec: int | None = None
        self.ns = self.ne = 0
        self.mentions_month = False
        self.mentions_year = False
        self.month_out: tuple[int, int] | None = None
        self.year_out: int | None = None

    def bounds(self, ns: int, ne: int) -> None:
        self.ns, self.ne = ns, ne

    def need(self) -> dt.date:
        """The publication date; marks the expression relative."""
        self.rel = True
        if self.pub is None:
            raise _NeedPub
        return self.pub

    def saw_month(self, y: int, m: int) -> None:
        self.month_out = (y, m)
        self.year_out = y

    def finish(self) -> None:
        if self.mentions_month:
            self.last_month = self.month_out
        if self.mentions_month or self.mentions_year:
            self.last_year = self.year_out


def _mod(text: str | None) -> str | None:
    kind = _MODS.get(text or "")
    if kind == "future":
        raise _Skip
    return kind


def _month_year(ctx: _Ctx, mo: int, mod: str | None, first_day: int = 1) -> int:
    """Year of a month written without one (see the module rules)."""
    pub = ctx.need()
    if mod == "past":
        return pub.year if mo < pub.month else pub.year - 1
    if mod == "current":
        return pub.year
    y = pub.year
    if dt.date(y, mo, min(first_day, _mdays(y, mo))) > pub:
        y -= 1
    return y


def _year_ref(ctx: _Ctx, kind: str | None) -> int:
    """العام الماضي / الحالي / ذاته."""
    if kind == "future":
        raise _Skip
    if kind == "same":
        ctx.rel = True
        if ctx.last_year is not None:
            return ctx.last_year
    pub = ctx.need()
    return pub.year - 1 if kind == "past" else pub.year


def _yearslot(ctx: _Ctx, m: re.Match[str], p: str) -> int | None:
    y = m.group(p + "y")
    if y:
        return int(y)
    ym = m.group(p + "ym")
    if ym:
        return _year_ref(ctx, _MODS.get(ym))
    if m.group(p + "yh"):
        return ctx.need().year
    return None


def _month_ref(ctx: _Ctx, modword: str | None, this: bool, day: int = 1) -> tuple[int, int]:
    """(year, month) of الشهر [الماضي|الجاري|ذاته] / هذا الشهر; `day` is the first day meant.

    A bare or "same" الشهر is the month last mentioned; with none it is the publication
    month, or the one before when `day` would fall after publication."""
    kind = _mod(modword) if modword else None
    if this or kind == "current":
        pub = ctx.need()
        return pub.year, pub.month
    if kind == "past":
        prev = _add_months(ctx.need().replace(day=1), -1)
        return prev.year, prev.month
    ctx.rel = True  # same / bare: the month last mentioned
    if ctx.last_month is not None:
        return ctx.last_month
    pub = ctx.need()
    if day > pub.day:
        prev = _add_months(pub.replace(day=1), -1)
        return prev.year, prev.month
    return pub.year, pub.month


def _latest_weekday(pub: dt.date, wd: int, strict: bool) -> dt.date:
    delta = (pub.weekday() - wd) % 7
    if strict and delta == 0:
        delta = 7
    return pub - dt.timedelta(days=delta)


def _since(ctx: _Ctx, ds: dt.date, de: dt.date, prec: int) -> tuple[dt.date, dt.date, int]:
    """منذ X: from the start of X to publication."""
    pub = ctx.need()
    if ds > pub:
        return ds, de, prec
    ctx.period = True
    return ds, pub, max(prec, _len_prec(ds, pub))


def _prev_word(norm: str, ns: int) -> str:
    m = _PREV_WORD.search(norm, max(0, ns - 30), ns)
    return m.group(1) if m else ""


def _next_word(norm: str, ne: int) -> str:
    m = _NEXT_WORD.match(norm, ne)
    return m.group(1) if m else ""


def _bare(word: str) -> set[str]:
    """A word and its readings without و/ف/ب/ل clitics."""
    return {stem for _p, stem in proclitic_splits(word)}


Result = tuple[int, int, dt.date, dt.date, int]

# --- handlers: one per construct; return None to reject the reading ----------------------


def _h_range(m: re.Match[str], ctx: _Ctx) -> Result | None:
    g = m.group
    ctx.bounds(m.start(), m.end())
    d1 = int(g("R_1n")) if g("R_1n") else _lookup(_ORDINALS, g("R_1o"))
    d2 = int(g("R_2n")) if g("R_2n") else _lookup(_ORDINALS, g("R_2o"))
    if d1 is None or d2 is None:
        return None
    ctx.mentions_month = True
    ctx.prec = 1
    mo1 = _lookup(_MONTHS, g("R_1m1"))
    y1 = _yearslot(ctx, m, "R_1") if mo1 else None
    if g("R_2m1"):
        mo2 = _lookup(_MONTHS, g("R_2m1"))
        y2 = _yearslot(ctx, m, "R_2")
        mod = _mod(g("R_2mod"))
        mo1 = mo1 or mo2
        if y2 is None and y1 is not None:
            y2 = y1 if mo1 <= mo2 else y1 + 1
        if y2 is None:
            if mod is None:
                pub = ctx.need()
                y2 = pub.year
                start_y = y2 if mo1 <= mo2 else y2 - 1
                if d1 > _mdays(start_y, mo1) or dt.date(start_y, mo1, d1) > pub:
                    y2 -= 1
            else:
                y2 = _month_year(ctx, mo2, mod)
    else:
        if g("R_2cur"):
            pub = ctx.need()
            y2, mo2 = pub.year, pub.month
        else:
            y2, mo2 = _month_ref(ctx, g("R_2mrefmod"), bool(g("R_2mthis")), d1)
        mo1 = mo1 or mo2
    if y1 is None:
        y1 = y2 if mo1 <= mo2 else y2 - 1
    if d1 > _mdays(y1, mo1) or d2 > _mdays(y2, mo2):
        return None
    ds, de = dt.date(y1, mo1, d1), dt.date(y2, mo2, d2)
    if ds > de:
        return None
    ctx.saw_month(y2, mo2)
    return ctx.ns, ctx.ne, ds, de, _len_prec(ds, de)


def _h_date(m: re.Match[str], ctx: _Ctx) -> Result | None:
    g = m.group
    ctx.bounds(m.start(), m.end())
    ctx.mentions_month = True
    ctx.prec = 1
    if g("D_ndd") or g("D_isy"):
        if g("D_ndd"):
            y, mo, d = int(g("D_ndy")), int(g("D_ndm")), int(g("D_ndd"))
        else:
            y, mo, d = int(g("D_isy")), int(g("D_ism")), int(g("D_isd"))
    else:
        d = int(g("D_n")) if g("D_n") else _lookup(_ORDINALS, g("D_o"))
        if d is None:
            return None
        if g("D_m1"):
            mo = _lookup(_MONTHS, g("D_m1"))
            yy = _yearslot(ctx, m, "D_")
            y = yy if yy is not None else _month_year(ctx, mo, _mod(g("D_mod")), d)
        elif g("D_cur"):
            pub = ctx.need()
            y, mo = pub.year, pub.month
        else:
            y, mo = _month_ref(ctx, g("D_mrefmod"), bool(g("D_mthis")), d)
    if d > _mdays(y, mo):
        return None
    day = dt.date(y, mo, d)
    ctx.saw_month(y, mo)
    if g("D_since"):
        return ctx.ns, ctx.ne, *_since(ctx, day, day, 1)
    return ctx.ns, ctx.ne, day, day, 1


def _h_part(m: re.Match[str], ctx: _Ctx) -> Result | None:
    g = m.group
    ctx.bounds(m.start(), m.end())
    part = _lookup(_PARTS, g("P_part"))
    if g("P_m1") or g("P_mref") or g("P_mthis"):
        ctx.mentions_month = True
        ctx.prec = 2
        a, b = _WINDOWS["month"][part]
        if g("P_m1"):
            mo = _lookup(_MONTHS, g("P_m1"))
            yy = _yearslot(ctx, m, "P_")
            y = yy if yy is not None else _month_year(ctx, mo, _mod(g("P_mod")), a)
        else:
            y, mo = _month_ref(ctx, g("P_mrefmod"), bool(g("P_mthis")), a)
        ds, de = dt.date(y, mo, a), dt.date(y, mo, min(b, _mdays(y, mo)))
        ctx.saw_month(y, mo)
        prec = 2
    elif g("P_week") or g("P_wthis"):
        kind = _mod(g("P_wmod"))
        if kind == "same":
            return None
        ctx.prec = 2
        pub = ctx.need()
        monday = pub - dt.timedelta(days=pub.weekday())
        if kind == "past":
            monday -= 7 * DAY
        a, b = _WINDOWS["week"][part]
        ds, de = monday + a * DAY, monday + b * DAY
        if kind is None and not g("P_wthis") and ds > pub:
            ds, de = ds - 7 * DAY, de - 7 * DAY
        prec = 2
    else:
        yw = g("P_yw")
        if yw and not yw.startswith("ال") and not g("P_yn"):
            return None  # "مطلع عام" without a year
        ctx.mentions_year = True
        ctx.prec = 3
        a, b = _WINDOWS["year"][part]
        if g("P_yn") or g("P_y0"):
            y = int(g("P_yn") or g("P_y0"))
        elif g("P_ymod"):
            y = _year_ref(ctx, _MODS.get(g("P_ymod")))
        else:
            pub = ctx.need()
            y = pub.year
            if not g("P_ythis") and dt.date(y, a, 1) > pub:
                y -= 1  # a bare "نهاية العام" written in March is last year's
        ds, de = dt.date(y, a, 1), dt.date(y, b, _mdays(y, b))
        ctx.year_out = y
        prec = 3
    if g("P_since"):
        return ctx.ns, ctx.ne, *_since(ctx, ds, de, prec)
    return ctx.ns, ctx.ne, ds, de, prec


def _h_month(m: re.Match[str], ctx: _Ctx) -> Result | None:
    g = m.group
    mo1 = _lookup(_MONTHS, g("M_m1"))
    pair = _lookup(_MONTHS, g("M_m1b") or g("M_m1c") or g("M_m1d"))
    mo2 = _lookup(_MONTHS, g("M_m2")) if g("M_m2") else None
    if mo2 is None and pair is not None and pair != mo1:
        mo2 = pair  # "حزيران/تموز": June to July
    single = mo2 is None
    if single and pair is None and _lookup(_WEAK_TABLE, g("M_m1")) and not (
        g("M_sh") or g("M_mod") or g("M_1y") or g("M_y") or g("M_ym") or g("M_yh") or g("M_1ym")
        or g("M_1yh") or g("M_lead") or g("M_since") or g("M_intro")
    ):
        return None  # آب / مارس / نيسان alone are words
    ns = m.start()
    if g("M_lead"):
        ns = m.end("M_lead")
    if g("M_intro") and single:
        ns = m.end("M_intro")
    ctx.bounds(ns, m.end())
    ctx.mentions_month = True
    ctx.prec = 3
    mo2 = mo2 or mo1
    y1 = _yearslot(ctx, m, "M_1")
    y2 = _yearslot(ctx, m, "M_")
    if single:
        y2 = y2 if y2 is not None else y1
    mod = _mod(g("M_mod"))
    if y2 is None and y1 is not None:
        y2 = y1 if mo1 <= mo2 else y1 + 1
    if y2 is None:
        if mod is None:
            pub = ctx.need()
            y2 = pub.year
            if dt.date(y2 if mo1 <= mo2 else y2 - 1, mo1, 1) > pub:
                y2 -= 1
        else:
            y2 = _month_year(ctx, mo2, mod)
    if y1 is None:
        y1 = y2 if mo1 <= mo2 else y2 - 1
    ds, de = dt.date(y1, mo1, 1), dt.date(y2, mo2, _mdays(y2, mo2))
    if ds > de:
        return None
    ctx.saw_month(y2, mo2)
    if g("M_since"):
        return ctx.ns, ctx.ne, *_since(ctx, ds, de, 3)
    return ctx.ns, ctx.ne, ds, de, 3


def _h_year(m: re.Match[str], ctx: _Ctx) -> Result | None:
    g = m.group
    ns = m.end("Y_lead") if g("Y_lead") else m.start()
    ctx.mentions_year = True
    ctx.prec = 3
    if g("Y_1"):
        if not (g("Y_w") or g("Y_lead") or g("Y_since") or g("Y_intro")):
            return None  # a bare 2022 may be a count
        if g("Y_intro") and not g("Y_2"):
            ns = m.end("Y_intro")
        ctx.bounds(ns, m.end())
        y1 = int(g("Y_1"))
        y2 = int(g("Y_2")) if g("Y_2") else y1
        if y2 < y1:
            return None
    else:
        bare_year = g("Y_wm") and not (g("Y_lead") or g("Y_since"))
        if bare_year and _GENERAL_NOUNS & _bare(_prev_word(ctx.norm, ns)):
            return None  # الأمين العام السابق: the former secretary-general
        ctx.bounds(ns, m.end())
        y1 = y2 = _year_ref(ctx, _MODS.get(g("Y_mod") or "")) if g("Y_wm") else ctx.need().year
    ctx.year_out = y2
    ds, de = dt.date(y1, 1, 1), dt.date(y2, 12, 31)
    if g("Y_since"):
        return ctx.ns, ctx.ne, *_since(ctx, ds, de, 3)
    return ctx.ns, ctx.ne, ds, de, 3


def _monday_is_number(ctx: _Ctx, ns: int, ne: int) -> bool:
    """الاثنين = 'the two' after a definite plural/dual noun (الجانبين الاثنين), كلا, or before منهم."""
    prev = _prev_word(ctx.norm, ns)
    nxt = _next_word(ctx.norm, ne)
    if nxt in _MONDAY_NEXT or prev in _MONDAY_PREV:
        return True
    bare = _bare(prev)
    return prev.endswith("ين") and any(b.startswith("ال") for b in bare) and not bare & _DAYS_DUAL


def _h_weekday(m: re.Match[str], ctx: _Ctx) -> Result | None:
    g = m.group
    ctx.bounds(m.start(), m.end())
    w1 = _lookup(_WEEKDAYS, g("W_w1"))
    w2 = _lookup(_WEEKDAYS, g("W_w2")) if g("W_w2") else None
    mod = _mod(g("W_mod"))
    if mod == "same":
        return None
    context = g("W_yawm") or g("W_tod") or g("W_w2") or g("W_mod") or g("W_since")
    if w1 == 0 and not context and _monday_is_number(ctx, m.start(), m.end()):
        return None
    night = _lookup(_TOD, g("W_tod")) == "night"
    ctx.prec = 1
    pub = ctx.need()
    strict = mod == "past"
    if w2 is None:
        de = _latest_weekday(pub, w1, strict)
        ds = de - DAY if night else de
    else:
        de = _latest_weekday(pub, w2, strict)
        ds = de - dt.timedelta(days=((w2 - w1) % 7) or 7)
    if g("W_since"):
        return ctx.ns, ctx.ne, *_since(ctx, ds, de, 1)
    return ctx.ns, ctx.ne, ds, de, _len_prec(ds, de)


def _h_relday(m: re.Match[str], ctx: _Ctx) -> Result | None:
    g = m.group
    ctx.bounds(m.start(), m.end())
    word = g("T_rel")
    if _lookup(_FUTURE_TABLE, word):
        raise _Skip
    offsets = _lookup(_REL, word)
    if offsets is None:
        return None
    if _lookup(_TODAY_TABLE, word) and not g("T_w"):
        if _next_word(ctx.norm, m.end("T_rel")) in _TODAY_NOT_BEFORE:
            return None
        alone = not (g("T_tod") or g("T_yawm") or g("T_since"))
        if alone and _prev_word(ctx.norm, m.start()) in _TODAY_NOT_AFTER:
            return None
    ctx.prec = 1
    pub = ctx.need()
    ds, de = pub + offsets[0] * DAY, pub + offsets[1] * DAY
    if g("T_since"):
        return ctx.ns, ctx.ne, *_since(ctx, ds, de, 1)
    return ctx.ns, ctx.ne, ds, de, 1


def _h_week(m: re.Match[str], ctx: _Ctx) -> Result | None:
    g = m.group
    ctx.bounds(m.start(), m.end())
    kind = _mod(g("K_mod")) if g("K_a") else "current"
    if kind not in ("past", "current"):
        return None
    ctx.prec = 2
    pub = ctx.need()
    monday = pub - dt.timedelta(days=pub.weekday())
    if kind == "past":
        ds, de = monday - 7 * DAY, monday - DAY
    else:
        ds, de = monday, monday + 6 * DAY
    if g("K_since"):
        return ctx.ns, ctx.ne, *_since(ctx, ds, de, 2)
    return ctx.ns, ctx.ne, ds, de, 2


def _h_monthref(m: re.Match[str], ctx: _Ctx) -> Result | None:
    g = m.group
    if g("F_a") and _MODS.get(g("F_mod")) is None:
        return None
    ctx.bounds(m.start(), m.end())
    ctx.mentions_month = True
    ctx.prec = 3
    y, mo = _month_ref(ctx, g("F_mod"), bool(g("F_this")))
    ds, de = dt.date(y, mo, 1), dt.date(y, mo, _mdays(y, mo))
    ctx.saw_month(y, mo)
    if g("F_since"):
        return ctx.ns, ctx.ne, *_since(ctx, ds, de, 3)
    return ctx.ns, ctx.ne, ds, de, 3


def _back(pub: dt.date, unit: str, n: int) -> dt.date:
    """Publication minus n units."""
    if unit == "day":
        return pub - n * DAY
    if unit == "hour":
        return pub - (n // 24) * DAY
    if unit == "week":
        return pub - 7 * n * DAY
    if unit == "month":
        return _add_months(pub, -n)
    return _add_months(pub, -12 * n)


_UNIT_PREC = {"hour": 1, "day": 1, "week": 2, "month": 3, "year": 3}


def _h_lastn(m: re.Match[str], ctx: _Ctx) -> Result | None:
    g = m.group
    ctx.bounds(m.start(), m.end())
    unit = _UNITS.get(g("L_u") or g("L_u2") or "")
    n = _count(g("L_n") or g("L_n2") or "")
    if unit is not None and n is None and g("L_n") and unit[0] == "day" and g("L_n") in _FEW:
        ctx.prec = 2  # "الأيام القليلة الماضية": the week before publication, roughly
        pub = ctx.need()
        ctx.period = True
        return ctx.ns, ctx.ne, pub - 7 * DAY, pub, 2
    if unit is None or n is None or n <= 0:
        return None
    ctx.prec = _UNIT_PREC[unit[0]]
    pub = ctx.need()
    if unit[0] == "hour":
        ds = pub - (-(-n // 24)) * DAY
    else:
        ds = _back(pub, unit[0], n)
    return ctx.ns, ctx.ne, ds, pub, max(ctx.prec, _len_prec(ds, pub))


def _h_ago(m: re.Match[str], ctx: _Ctx) -> Result | None:
    g = m.group
    ctx.bounds(m.start(), m.end())
    unit, own = _UNITS.get(g("A_u"), (None, None))
    if unit is None:
        return None
    nxt = _next_word(ctx.norm, m.end())
    if nxt in _AGO_NOT_BEFORE or nxt.isdigit() or _lookup(_MONTHS, nxt) or _lookup(_WEEKDAYS, nxt):
        return None  # قبل يوم من الهجوم, منذ عام 2011, قبل شهر رمضان
    if g("A_n"):
        n = _count(g("A_n"))
        if n is None and " ".join(g("A_n").split()) not in _VAGUE_NUM:
            return None
    else:
        n = own
    if n is None:
        spec = _VAGUE_AGO.get(unit)
        if spec is None:
            raise _Skip  # منذ سنوات: not a date
        a, b, prec = spec
        ctx.prec = prec
        pub = ctx.need()
        return ctx.ns, ctx.ne, pub + a * DAY, pub + b * DAY, prec
    prec = _UNIT_PREC[unit]
    if g("A_apx") and prec == 1:
        prec = 2
    ctx.prec = prec
    d = _back(ctx.need(), unit, n)
    return ctx.ns, ctx.ne, d, d, prec


def _h_duration(m: re.Match[str], ctx: _Ctx) -> Result | None:
    """"خلال 18 يوما", "في خمسة أيام", "خلال يومين": the N units before publication. A single
    unit ("في يوم") or a count of hours (one day at most) is no period; nor is a vague count."""
    g = m.group
    ctx.bounds(m.start(), m.end())
    unit, own = _UNITS.get(g("U_u"), (None, None))
    n = _count(g("U_n")) if g("U_n") else own
    if unit in (None, "hour") or n is None or n < 2 or (unit == "day" and n > 400):
        return None  # "خلال 24 ساعة" is a day's toll, not a tally
    nxt = _next_word(ctx.norm, m.end())
    if nxt in _LMODS or (nxt in _AGO_NOT_BEFORE and not g("U_n")):
        return None  # "خلال الأيام الثلاثة الماضية" is read by its own construct
    ctx.prec = _UNIT_PREC[unit]
    pub = ctx.need()
    # "في خمسة أيام" told on the fifth day counts that day: Sunday to Thursday, not Saturday
    ds = pub - (n - 1) * DAY if unit == "day" else _back(pub, unit, n)
    ctx.period = True
    # whether the count includes the day of writing is the outlet's habit: a week's tolerance
    return ctx.ns, ctx.ne, ds, pub, max(2, ctx.prec, _len_prec(ds, pub))


_HANDLERS: dict[str, Callable[[re.Match[str], _Ctx], Result | None]] = {
    "R": _h_range, "D": _h_date, "P": _h_part, "M": _h_month, "Y": _h_year, "W": _h_weekday,
    "T": _h_relday, "K": _h_week, "F": _h_monthref, "L": _h_lastn, "A": _h_ago, "U": _h_duration,
}


def _strip_clitic(norm: str, ns: int, ne: int) -> int:
    """Leave a و/ف/ب/ل written onto the first word out of the span (the article stays)."""
    if norm[ns] not in "وفبلك":
        return ns
    dm = _DIGIT_CLITIC.match(norm, ns, ne)
    if dm:
        return dm.end()
    end = ns
    while end < ne and norm[end] not in " \t":
        end += 1
    word = norm[ns:end]
    best = 0
    for prefix, stem in proclitic_splits(word):
        if prefix and prefix != "لل" and "ال" not in prefix and stem in _FIRST_WORDS:
            best = max(best, len(prefix))
    return ns + best


# --- API -------------------------------------------------------------------------------------


def _starts(doc: Doc) -> list[int]:
    """View offsets where a date expression can start (see _OPENERS), in order."""
    norm = doc.norm
    run = _RUN_CHAR
    toks = doc.tokens
    index = token_index(doc)  # each distinct word checked once
    starts = [toks[i].nstart for w in (*_OPENERS.intersection(index), *digit_words(doc)) for i in index[w]]
    starts.sort()
    # a token opens a run of letters and digits, or is digits written onto a word ("في22")
    return [s for s in starts if s == 0 or norm[s - 1] not in run or "0" <= norm[s] <= "9"]


def find_dates(doc: Doc, published: dt.date | None = None) -> list[Span]:
    """Every date expression of the document as a "date" Span (see the module docstring)."""
    if isinstance(published, dt.datetime):
        published = published.date()
    norm = doc.norm
    ctx = _Ctx(norm, published)
    out: list[Span] = []
    search = _MASTER.search
    match = _MASTER.match
    starts = _starts(doc) if _OPENERS_OK else None
    ci = 0
    pos = 0
    while True:
        if starts is None:
            m = search(norm, pos)
        else:  # the first candidate start at or after pos where the regex matches
            m = None
            ci = bisect.bisect_left(starts, pos, ci)
            while ci < len(starts):
                m = match(norm, starts[ci])
                if m is not None:
                    break
                ci += 1
        if m is None:
            break
        kind = m.lastgroup or ""
        ctx.begin()
        try:
            res = _HANDLERS[kind](m, ctx)
        except _Skip:
            pos = m.end()
            continue
        except _NeedPub:
            ds = de = None
            ns, ne, prec = ctx.ns, ctx.ne, ctx.prec
            ctx.month_out = None
            ctx.year_out = None
        else:
            if res is None:
                pos = m.start() + 1
                continue
            ns, ne, ds, de, prec = res
            if published is not None and ds <= published < de:
                de = published
        ctx.finish()
        ns = _strip_clitic(norm, ns, ne)
        out.append(doc.span(ns, ne, "date", date_start=ds, date_end=de, precision=prec,
                            relative=ctx.rel, period=ctx.period))
        pos = m.end()
    return out


def dates(doc: Doc) -> None:
    """Pipeline component: the "dates" layer, resolved against the article's publication date."""
    doc.add("dates", find_dates(doc, doc.published))


def parse_date_text(text: str, published: dt.date | None = None) -> Span | None:
    """The first date expression of a short text (for tests and quick checks)."""
    found = find_dates(Doc(text), published)
    return found[0] if found else None
