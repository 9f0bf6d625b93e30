"""A small Arabic -> Latin romaniser for place names the gazetteer does not know.

Unvowelled Arabic cannot be romanised exactly; this aims at the readable ACLED/press style
("البدروسية" -> "Al Badrusiya", "تل شعير" -> "Tal Sha'ir") so an analyst can recognise the
place, while `location_ar` keeps the exact Arabic.
"""

from __future__ import annotations

from rasd.arabic.normalize import normalize

_CONS = {
    "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "h", "خ": "kh", "د": "d", "ذ": "dh", "ر": "r",
    "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "ع": "'", "غ": "gh",
    "ف": "f", "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h", "ء": "'", "ؤ": "'",
    "ئ": "'",
}
_SUN = set("تثدذرزسشصضطظلن")
# Common first words of place names, in their usual press spelling.
_WORDS = {"عين": "Ayn", "ام": "Umm", "ابو": "Abu", "بني": "Bani", "بيت": "Bayt", "تل": "Tal",
          "دير": "Deir", "كفر": "Kafr", "خربة": "Khirbet", "جبل": "Jabal", "وادي": "Wadi",
          "راس": "Ras", "مزرعة": "Mazraat", "جسر": "Jisr", "قلعة": "Qalaat", "باب": "Bab",
          "بئر": "Bir", "حي": "Hay", "مخيم": "Mukhayyam", "عرب": "Arab"}


def _word(w: str) -> str:
    out: list[str] = []
    n = len(w)
    i = 0
    prev_vowel = False
    while i < n:
        c = w[i]
        nxt = w[i + 1] if i + 1 < n else ""
        if c == "ا":
            out.append("a")
            prev_vowel = True
        elif c == "ة":
            out.append("a" if not prev_vowel else "")
            prev_vowel = True
        elif c == "ي":
            if i == 0 or prev_vowel or nxt in ("ا", "و"):
                out.append("y")
                prev_vowel = False
            elif nxt == "ة":
                out.append("iy")
                prev_vowel = False
            else:
                out.append("i")
                prev_vowel = True
        elif c == "و":
            if i == 0 or prev_vowel or nxt in ("ا", "ي"):
                out.append("w")
                prev_vowel = False
            else:
                out.append("u")
                prev_vowel = True
        elif c in _CONS:
            out.append(_CONS[c])
            # an opening consonant cluster takes a short a: بدروسية -> Badrusiya, جزماتي -> Jazmati
            if i == 0 and nxt and nxt not in "اويةى":
                out.append("a")
                prev_vowel = True
            else:
                prev_vowel = False
        i += 1
    s = "".join(out).replace("''", "'").lstrip("'")
    return s[:1].upper() + s[1:] if s else s


def romanize(name: str) -> str:
    """"قرية البدروسية" style names -> "Al Badrusiya"; article assimilated before sun letters."""
    words = []
    for w in normalize(name).split():
        if w in _WORDS:
            words.append(_WORDS[w])
        elif w.startswith("ال") and len(w) > 3:
            stem = w[2:]
            rom = _word(stem)
            if stem[0] in _SUN:
                first = _CONS.get(stem[0], "")
                words.append("A" + first)
            else:
                words.append("Al")
            words.append(rom)
        else:
            words.append(_word(w))
    return " ".join(x for x in words if x)
