"""Build rasd/data/gazetteer.tsv from ../shared/data/gazetteer/ and rasd/data/places_extra.tsv.

Run from the repository root:  python scripts/build_gazetteer.py [--shared ../shared/data/gazetteer]

Sources (see rasd/data/ATTRIBUTION.md): OpenSyria data-geography (governorates, districts,
subdistricts with aliases; CC BY 4.0), GeoNames cities500 for Syria (CC BY 4.0), Who's On First
Syria (the village layer: 10,579 localities; CC0 with GeoNames-derived fields, CC BY 4.0) and the
hand-curated extra places. The program never reads ../shared: it ships the TSV this writes.

Choices worth knowing:
- admin1 is spelled exactly as in EVENTS.md.
- Governorates carry the coordinates of their capital city (not the polygon centroid), so a
  governorate-only event (geo_precision 3) lands on the capital as ACLED places it. Rural
  Damascus has no capital of its own inside it; Douma, its largest city, stands in.
- Districts and subdistricts are placed on their seat town when a GeoNames town of the same
  name lies in the same governorate (OpenSyria centroids are polygon centroids, which can lie
  in empty desert); otherwise on the centroid.
- Who's On First (WOF) localities: governorate and district names are mapped to the contract's
  spellings through the OCHA admin1 p-codes and names of wof_sy_admins.tsv; land tracts (PPLL),
  abandoned (PPLQ) and historical (PPLH) places are left out. A subdistrict without a GeoNames
  seat town is placed on the WOF locality of its name in its district (its seat), if any.
- admin2 of a point place is the WOF district it lies in (its WOF twin's, else the nearest WOF
  locality's in the same governorate); admin3 is the subdistrict it is the seat of, else the
  subdistrict of the nearest subdistrict seat within that district (no subdistrict outlines are
  available: near a boundary it can name the neighbouring subdistrict).
- The same place from two sources is one row: a WOF locality with the GeoNames id of a cities500
  town, or sharing a name with a GeoNames town, a hand-curated place or another WOF locality
  within MERGE_KM (in whichever governorate WOF puts it), adds its names to that row (the
  earlier source keeps its id, governorate and position).
- `python scripts/build_gazetteer.py --check-extra` compares the rows of places_extra.tsv with
  the WOF localities of the same name and prints how far apart they are.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rasd.geo.gazetteer import ADMIN1, COLUMNS, PRESS_LETTERS, place_key  # noqa: E402
from rasd.geo.resolve import DECISIVE_MIN, DECISIVE_RATIO  # noqa: E402

OPEN_SYRIA_ADMIN1 = {
    "sy-aleppo": "Aleppo", "sy-al-hasakah": "Al Hasakeh", "sy-raqqa": "Ar Raqqa",
    "sy-as-suwayda": "As Sweida", "sy-damascus": "Damascus", "sy-daraa": "Dar'a",
    "sy-deir-ez-zor": "Deir ez Zor", "sy-hama": "Hama", "sy-homs": "Homs", "sy-idlib": "Idleb",
    "sy-latakia": "Lattakia", "sy-quneitra": "Quneitra", "sy-rif-dimashq": "Rural Damascus",
    "sy-tartus": "Tartous",
}
GEONAMES_ADMIN1 = {
    "01": "Al Hasakeh", "02": "Lattakia", "03": "Quneitra", "04": "Ar Raqqa", "05": "As Sweida",
    "06": "Dar'a", "07": "Deir ez Zor", "08": "Rural Damascus", "09": "Aleppo", "10": "Hama",
    "11": "Homs", "12": "Idleb", "13": "Damascus", "14": "Tartous",
}
# Capital city (GeoNames id) of each governorate, and the English name it is shown with.
CAPITALS = {
    "Aleppo": (170063, "Aleppo"), "Al Hasakeh": (173811, "Al Hasakeh"),
    "Ar Raqqa": (172955, "Ar Raqqa"), "As Sweida": (172408, "As Sweida"),
    "Damascus": (170654, "Damascus"), "Dar'a": (170905, "Dar'a"),
    "Deir ez Zor": (170794, "Deir ez Zor"), "Hama": (170017, "Hama"), "Homs": (169577, "Homs"),
    "Idleb": (169389, "Idleb"), "Lattakia": (173576, "Lattakia"),
    "Quneitra": (173334, "Quneitra"), "Rural Damascus": (170592, "Duma"),
    "Tartous": (163345, "Tartous"),
}
# District seats whose name differs from the district's.
DISTRICT_SEATS = {"sy-aleppo-mount-simeon": 170063, "sy-raqqa-al-thawrah": 172374,
                  "sy-aleppo-ayn-al-arab": 172256, "sy-hama-al-suqaylabiyah": 163921}
SUBDISTRICT_SEATS = {"sy-aleppo-mount-simeon-jebel-saman": 170063, "sy-aleppo-ayn-al-arab-sarin": 164071,
                     "sy-homs-al-mukharram-al-makhrim": 166719, "sy-rif-dimashq-al-tall-at-tall": 172349}
# Aliases that name something else in the news, dropped from the source rows.
DROP_ALIASES = {
    "الغوطة الشرقية", "ناحية الغوطة الشرقية", "الغوطة الغربية", "ناحية الغوطة الغربية",
    "السجن", "ناحية السجن", "ريف دمشق", "مركزها السقيلبية", "حيالين", "ايو", "د مشق",
    "مجدل شمس.\u200e", "حرمون", "ناحية حرمون",
}
# ... but the villages of Hama called حيالين are real (the alias named another place in OpenSyria)
WOF_DROP_NAMES = DROP_ALIASES - {"حيالين"}
DROP_GEONAMES_ALIASES = {172159: {"عين التينة"}, 173797: {"الحول"}}
EXTRA_GOV_ALIASES = {
    "Hama": ["حماه", "Hamah"], "Idleb": ["ادلب", "Idlib", "Edlib"],
    "Dar'a": ["Daraa", "Deraa"], "Deir ez Zor": ["ديرالزور", "دير الزور", "Deir al-Zour"],
    "Lattakia": ["Latakia", "لاذقية"], "Tartous": ["Tartus"], "As Sweida": ["Suwayda", "Sweida"],
    "Ar Raqqa": ["Raqqa"], "Al Hasakeh": ["Hasakah", "Hasakeh"],
    "Rural Damascus": ["Rif Dimashq", "ريف دمشق", "Damascus countryside"],
}
ADMIN_HEADS = ("ناحية ", "منطقة ", "محافظة ", "مدينة ", "مركز ")
# English names as the press (and ACLED) writes them, where GeoNames' transliteration differs.
NAME_EN = {172082: "Azaz", 174448: "Abu Kamal", 172256: "Ayn al Arab", 174186: "Afrin",
           173377: "Al Qamishli", 172374: "At Tabqa", 173480: "Al Mayadin", 163808: "Tadmur",
           174506: "Hajin", 170691: "Dhiban", 173927: "Al Busayrah", 173230: "Amuda",
           170592: "Duma", 167611: "Maarrat an Numan", 168325: "Khan Shaykhun",
           169023: "Jisr ash Shughur", 168661: "Kafr Nabl", 164816: "Saraqib", 174018: "Al Bab",
           167357: "Manbij", 169179: "Jarabulus", 163476: "Tall Rifat", 163750: "Tall Abyad",
           172134: "Ayn Issa", 173530: "Al Malikiyah", 165509: "Ras al Ayn", 172837: "Ash Shaddadi"}


def ascii_name(s: str) -> str:
    """GeoNames-style 'Al Ḩasakah' / 'Dar‘ā' as plain 'Al Hasakah' / "Dar'a" (ACLED style)."""
    s = s.replace("\u2018", "'").replace("\u2019", "'").replace("`", "'")
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).replace("’", "'")
    return re.sub(r"(^|\s)'", r"\1", s)  # "'Ayn al 'Arab" -> "Ayn al Arab"


def is_arabic(s: str) -> bool:
    return bool(re.search("[\u0621-\u064a]", s))


def usable_alias(s: str) -> bool:
    """Arabic-letter or Latin names only: Persian, Kurdish and Cyrillic forms add noise."""
    if is_arabic(s):
        return not re.search("[\u06a0-\u06ff\u0750-\u077f]", s) and len(place_key(s)) >= 2
    return bool(re.fullmatch(r"[A-Za-z][A-Za-z '\-.]+", ascii_name(s)))


def dist_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    dlat = math.radians(b[0] - a[0])
    dlon = math.radians(b[1] - a[1]) * math.cos(math.radians((a[0] + b[0]) / 2))
    return 6371.0 * math.hypot(dlat, dlon)


def strip_head(s: str) -> str:
    for h in ADMIN_HEADS:
        if s.startswith(h):
            return s[len(h):]
    return s


def aliases_of(row: dict, drop: set[str]) -> list[str]:
    out = []
    for a in row.get("aliases", []):
        v = a["value"].strip()
        if v and v not in drop and v not in DROP_ALIASES and usable_alias(v):
            out.append(v)
    return out


def dedupe(xs: list[str], exclude: tuple[str, ...] = ()) -> list[str]:
    seen = set(exclude)
    out = []
    for x in xs:
        if x and x not in seen:
            seen.add(x)
            out.append(x)
    return out


# --- Who's On First ----------------------------------------------------------------------------------
WOF_DIR = "wof"
# GeoNames feature codes left out: land tracts ("Ard ..."), abandoned and historical places.
WOF_DROP = {"PPLL", "PPLQ", "PPLH"}
WOF_TOWN = {"PPLA", "PPLA2", "PPLA3", ""}  # district and subdistrict seats; "locality" without a code
# WOF has no populations: a village ranks far below any cities500 town (population >= 500)
WOF_RANK = {"town": 1000, "village": 200, "neighbourhood": 200}
MERGE_KM = 5.0  # the same name this close is the same place
SEAT_KM = 40.0  # a subdistrict's seat lies this close to the subdistrict's centroid
# Districts the WOF layer folds into another: Qadmous (Tartous) is inside WOF's Banyas.
WOF_DISTRICT_ALSO = {("Tartous", "Baniyas"): ("Qadmous",)}
_AR_MARKS = re.compile("[\u064b-\u0652\u0670\u0640\u200b-\u200f\u202a-\u202e\ufeff]")


def clean_ar(s: str) -> str:
    """A WOF Arabic name without diacritics, tatweel and direction marks ("عربين\u200e\u200e"),
    in Arabic letters ("چولة" -> "جولة"), with "و" written onto the word after it ("سبع و اربعين")."""
    s = " ".join(_AR_MARKS.sub("", s).translate(PRESS_LETTERS).replace("\u060c", " ").split()).strip(" .-")
    return s.replace(" و ", " و")


def wof_names(s: str) -> list[str]:
    """The usable names in one WOF spelling: "دربازين تحتاني - هوري" is two names, of which only
    those of two words or more are kept (a lone "هوري", "حمص" would name other places); names
    with a word of one letter or a lone article ("آل كان") are left out."""
    s = clean_ar(s)
    parts = [p.strip() for p in s.split(" - ")] if " - " in s else [s]
    if len(parts) > 1:
        parts = [p for p in parts if len(p.split()) > 1]
    out = []
    for p in parts:
        words = place_key(p).split()
        if p and words and words[0] != "ال" and all(len(w) > 1 for w in words) and usable_alias(p):
            out.append(p)
    return out


def read_wof(shared: Path) -> tuple[list[dict], dict[str, list[str]], list[dict]]:
    """WOF localities (PPLL/PPLQ/PPLH dropped), their extra Arabic spellings, and admin rows."""
    d = shared / WOF_DIR

    def tsv(name: str) -> list[dict]:
        with (d / name).open(encoding="utf-8") as f:
            return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))

    places = [r for r in tsv("wof_sy_places.tsv") if r["kind"].partition(":")[2] not in WOF_DROP]
    aliases: dict[str, list[str]] = {}
    for r in tsv("wof_sy_aliases_ar.tsv"):
        aliases.setdefault(r["source_id"], []).append(r["alias_ar"])
    return places, aliases, tsv("wof_sy_admins.tsv")


def wof_admin_maps(admins: list[dict], govs: list[dict], dists: list[dict]) -> tuple[dict, dict]:
    """WOF's own admin1/admin2 spellings -> the contract's governorate and OpenSyria's district.

    Governorates through the OCHA admin1 p-code (checked against the Arabic name); districts
    through the English names and aliases OpenSyria gives each district (WOF uses the OCHA
    spellings, "Jebel Saman", "Ath-Thawrah"), else the Arabic name, within the governorate."""
    by_pcode = {g["externalIds"]["ochaPcode"]: g for g in govs}
    a1_map: dict[str, str] = {}
    for r in admins:
        if r["placetype"] != "region" or not r["ocha_admin1_pcode"]:
            continue
        g = by_pcode[r["ocha_admin1_pcode"]]
        if place_key(r["name_ar"]) != place_key(g["name"]["ar"]):
            raise SystemExit(f"WOF region {r['name_en']}: Arabic name {r['name_ar']} is not {g['name']['ar']}")
        a1_map[r["name_en"]] = OPEN_SYRIA_ADMIN1[g["id"]]
    gov_of = {g["id"]: OPEN_SYRIA_ADMIN1[g["id"]] for g in govs}
    latin: dict[tuple[str, str], str] = {}
    arabic: dict[tuple[str, str], str] = {}
    for dd in dists:
        a1 = gov_of[dd["governorateId"]]
        for v in [dd["name"]["en"], *(a["value"] for a in dd["aliases"])]:
            (arabic if is_arabic(v) else latin).setdefault(
                (a1, place_key(strip_head(v)) if is_arabic(v) else latin_key(v)), dd["name"]["en"])
        arabic.setdefault((a1, place_key(dd["name"]["ar"])), dd["name"]["en"])
    return a1_map, {"latin": latin, "arabic": arabic}


def latin_key(s: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_name(s).lower()).split())


def build(shared: Path, extra_path: Path, extra_check: list | None = None) -> list[dict]:
    govs = json.loads((shared / "governorates.json").read_text())
    dists = json.loads((shared / "districts.json").read_text())
    subs = json.loads((shared / "subdistricts.json").read_text())
    geo = json.loads((shared / "geonames_cities500_SY.json").read_text())
    gn = {g["geonameid"]: g for g in geo}
    dist_by_id = {d["id"]: d for d in dists}
    wof_places, wof_aliases, wof_admins = read_wof(shared)
    a1_map, a2_maps = wof_admin_maps(wof_admins, govs, dists)

    def gn_arabic(g: dict) -> list[str]:
        bad = DROP_GEONAMES_ALIASES.get(g["geonameid"], set())
        names = set(g["alternatenames"])
        # "رقه" beside "الرقة" is a Persian spelling; kept, it would make "فرقة" Raqqa
        return [a for a in g["alternatenames"] if is_arabic(a) and a not in bad and usable_alias(a)
                and a not in DROP_ALIASES and not (a.endswith("ه") and "ال" + a[:-1] + "ة" in names)]

    # GeoNames towns by (admin1, key) to find the seats of districts and subdistricts.
    town_by_key: dict[tuple[str, str], dict] = {}
    for g in sorted(geo, key=lambda g: -g["population"]):
        a1 = GEONAMES_ADMIN1[g["admin1code"]]
        for name in gn_arabic(g):
            town_by_key.setdefault((a1, place_key(name)), g)

    def seat_of(a1: str, names: list[str]) -> dict | None:
        for n in names:
            if is_arabic(n):
                g = town_by_key.get((a1, place_key(strip_head(strip_head(n)))))
                if g:
                    return g
        return None

    # --- WOF localities: names, admin1 and district -------------------------------------------------
    wof: list[dict] = []
    for r in wof_places:
        sid = r["source_id"]
        ids = dict(x.split(":", 1) for x in sid.split("|"))
        ar = dedupe([a for x in [r["name_ar"], *wof_aliases.get(sid, [])] for a in wof_names(x)
                     if a not in WOF_DROP_NAMES])
        code = r["kind"].partition(":")[2]
        kind = ("neighbourhood" if r["kind"] == "neighbourhood" else
                "town" if code in WOF_TOWN else "village")
        a1 = a1_map.get(r["admin1"], "")
        a2 = ""
        if a1 and r["admin2"]:
            a2 = a2_maps["latin"].get((a1, latin_key(r["admin2"]))) or ""
            if not a2:
                raise SystemExit(f"WOF district {r['admin2']!r} ({r['admin1']}) is not mapped")
        en = ascii_name(r["name_en"]).strip()
        wof.append(dict(
            id=f"wof:{ids['wof']}", gn=int(ids["gn"]) if "gn" in ids else None, kind=kind,
            code=code, name_en=en or (ar[0] if ar else ""), name_ar=ar[0] if ar else "", ar=ar,
            latin=[en] if en and usable_alias(en) else [], admin1=a1, admin2=a2,
            lat=float(r["lat"]), lon=float(r["lon"]), keys={place_key(strip_head(a)) for a in ar}))
    # a locality WOF leaves without a governorate or district takes its nearest neighbour's
    placed = [w for w in wof if w["admin1"] and w["admin2"]]
    for w in wof:
        if not (w["admin1"] and w["admin2"]):
            near = min((x for x in placed if not w["admin1"] or x["admin1"] == w["admin1"]),
                       key=lambda x: dist_km((x["lat"], x["lon"]), (w["lat"], w["lon"])))
            w["admin1"], w["admin2"] = near["admin1"], near["admin2"]
    wof_by_a1: dict[str, list[dict]] = {}
    wof_by_key: dict[tuple[str, str], list[dict]] = {}
    for w in wof:
        wof_by_a1.setdefault(w["admin1"], []).append(w)
        for k in w["keys"]:
            wof_by_key.setdefault((w["admin1"], k), []).append(w)

    def wof_seat(a1: str, a2: str, names: list[str], centroid: tuple[float, float]) -> dict | None:
        """The WOF locality that is a subdistrict's seat: its name, its district, near it."""
        best = None
        for n in names:
            if not is_arabic(n):
                continue
            for w in wof_by_key.get((a1, place_key(strip_head(strip_head(n)))), []):
                d = dist_km(centroid, (w["lat"], w["lon"]))
                if w["admin2"] != a2 or d > SEAT_KM:
                    continue
                score = (w["code"] not in ("PPLA2", "PPLA3"), d)
                if best is None or score < best[0]:
                    best = (score, w)
        return best[1] if best else None

    rows: list[dict] = []

    # --- governorates ------------------------------------------------------------------------
    for r in govs:
        a1 = OPEN_SYRIA_ADMIN1[r["id"]]
        cap_id, _cap_name = CAPITALS[a1]
        cap = gn[cap_id]
        al = aliases_of(r, set()) + EXTRA_GOV_ALIASES.get(a1, []) + [r["name"]["en"]]
        rows.append(dict(
            id=f"gov:{r['externalIds']['ochaPcode']}", kind="governorate", name_en=a1,
            name_ar=r["name"]["ar"], admin1=a1, admin2="", admin3="",
            lat=cap["latitude"], lon=cap["longitude"],
            population=(r.get("population") or {}).get("value") or 0,
            source=f"OpenSyria {r['id']}; capital GeoNames id {cap_id}",
            aliases=dedupe(al, (r["name"]["ar"], a1))))

    # --- districts -------------------------------------------------------------------------------
    for r in dists:
        a1 = OPEN_SYRIA_ADMIN1[r["governorateId"]]
        al = aliases_of(r, set())
        names = [r["name"]["ar"], *al]
        seat = gn.get(DISTRICT_SEATS[r["id"]]) if r["id"] in DISTRICT_SEATS else seat_of(a1, names)
        lat, lon = (seat["latitude"], seat["longitude"]) if seat else (
            r["centroid"]["latitude"], r["centroid"]["longitude"])
        src = f"OpenSyria {r['id']}" + (f"; seat GeoNames id {seat['geonameid']}" if seat
                                        else "; polygon centroid")
        rows.append(dict(
            id=f"dist:{r['externalIds']['ochaPcode']}", kind="district", name_en=r["name"]["en"],
            name_ar=r["name"]["ar"], admin1=a1, admin2=r["name"]["en"], admin3="", lat=lat, lon=lon,
            population=(r.get("population") or {}).get("value") or 0, source=src,
            aliases=dedupe(al, (r["name"]["ar"], r["name"]["en"]))))

    # --- subdistricts ----------------------------------------------------------------------------
    sub_rows: list[dict] = []
    seat_sub: dict[int, dict] = {}
    wof_seat_sub: dict[str, dict] = {}
    for r in subs:
        a1 = OPEN_SYRIA_ADMIN1[r["governorateId"]]
        d = dist_by_id.get(r["districtId"])
        a2 = d["name"]["en"] if d else ""
        al = aliases_of(r, set())
        names = [r["name"]["ar"], *al]
        centroid = (r["centroid"]["latitude"], r["centroid"]["longitude"])
        seat = gn[SUBDISTRICT_SEATS[r["id"]]] if r["id"] in SUBDISTRICT_SEATS else seat_of(a1, names)
        wseat = None if seat else wof_seat(a1, a2, names, centroid)
        pop = (r.get("population") or {}).get("value") or 0
        if seat:
            lat, lon = seat["latitude"], seat["longitude"]
            src = f"OpenSyria {r['id']}; seat GeoNames id {seat['geonameid']}"
        elif wseat:
            lat, lon = wseat["lat"], wseat["lon"]
            src = f"OpenSyria {r['id']}; seat Who's On First {wseat['id'][4:]}"
        else:
            lat, lon = centroid
            src = f"OpenSyria {r['id']}; polygon centroid"
        pcode = r["externalIds"].get("ochaPcode") or r["id"]
        row = dict(
            id=f"sub:{pcode}", kind="subdistrict", name_en=r["name"]["en"], name_ar=r["name"]["ar"],
            admin1=a1, admin2=a2, admin3=r["name"]["en"], lat=lat, lon=lon,
            population=pop, source=src, aliases=dedupe(al, (r["name"]["ar"], r["name"]["en"])),
            _seat=(lat, lon))
        if seat and seat["geonameid"] not in seat_sub:
            seat_sub[seat["geonameid"]] = row
        if wseat and wseat["id"] not in wof_seat_sub:
            wof_seat_sub[wseat["id"]] = row
        sub_rows.append(row)
    subs_by_a2: dict[tuple[str, str], list[dict]] = {}
    for s in sub_rows:
        subs_by_a2.setdefault((s["admin1"], s["admin2"]), []).append(s)
    for (a1, a2), also in WOF_DISTRICT_ALSO.items():
        for x in also:
            subs_by_a2[(a1, a2)] = subs_by_a2[(a1, a2)] + subs_by_a2[(a1, x)]

    def district_at(a1: str, lat: float, lon: float) -> str:
        """The district of the nearest WOF locality in the governorate."""
        near = min(wof_by_a1[a1], key=lambda w: dist_km((w["lat"], w["lon"]), (lat, lon)))
        return near["admin2"]

    def admin23(a1: str, lat: float, lon: float, a2: str = "", sub: dict | None = None) -> tuple[str, str]:
        """(district, subdistrict): the subdistrict a seat heads, else that of the nearest
        subdistrict seat within the district (WOF's district of the place, else of its nearest
        WOF neighbour)."""
        if sub is not None:
            return sub["admin2"], sub["admin3"]
        a2 = a2 or district_at(a1, lat, lon)
        cands = subs_by_a2.get((a1, a2), [])
        if not cands:
            return a2, ""
        s = min(cands, key=lambda s: dist_km(s["_seat"], (lat, lon)))
        return s["admin2"], s["admin3"]

    # --- GeoNames cities500 ----------------------------------------------------------------------
    wof_by_gn = {w["gn"]: w for w in wof if w["gn"] is not None}
    capital_ids = {cid: name for cid, name in CAPITALS.values()}
    gn_rows: dict[int, dict] = {}
    for g in geo:
        a1 = GEONAMES_ADMIN1[g["admin1code"]]
        ar = gn_arabic(g)
        gid = g["geonameid"]
        name_en = capital_ids.get(gid) or NAME_EN.get(gid) or ascii_name(g["name"])
        latin = [ascii_name(a) for a in g["alternatenames"] if not is_arabic(a) and usable_alias(a)]
        pop = int(g["population"] or 0)
        seat = seat_sub.get(gid)
        kind = "city" if (pop >= 100000 or gid in capital_ids) else "town"
        twin = wof_by_gn.get(gid)
        twin = twin if twin is not None and twin["admin1"] == a1 else None
        a2, a3 = admin23(a1, g["latitude"], g["longitude"], twin["admin2"] if twin else "", seat)
        # rank: the population where GeoNames knows it; a subdistrict seat is at least a
        # sizeable town, so it borrows a third of its subdistrict's population.
        rank = max(pop, (seat["population"] // 3) if seat else 0, 500)
        if seat:  # the seat's spelling is the standard one (not a Kurdish or old form)
            std = strip_head(seat["name_ar"])
            ar = sorted(ar, key=lambda a: place_key(a) != place_key(std))
        row = dict(
            id=f"gn:{gid}", kind=kind, name_en=name_en, name_ar=ar[0] if ar else "",
            admin1=a1, admin2=a2, admin3=a3, lat=g["latitude"], lon=g["longitude"], population=pop,
            rank=rank, source=f"GeoNames id {gid}",
            aliases=dedupe(ar[1:] + latin + [ascii_name(g["name"])], (ar[0] if ar else "", name_en)))
        if seat:  # the subdistrict's other names are the seat town's too ("كوباني")
            row["aliases"] = dedupe(row["aliases"] + [
                a for a in [seat["name_ar"], *seat["aliases"]]
                if is_arabic(a) and not a.startswith(("ناحية", "مركز"))], (row["name_ar"],))
        gn_rows[gid] = row

    # --- hand-curated extras -----------------------------------------------------------------------
    extra_rows = []
    with extra_path.open(encoding="utf-8") as f:
        lines = [ln for ln in f if ln.strip() and not ln.startswith("#")]
    for r in csv.DictReader(lines, delimiter="\t"):
        al = [a.strip() for a in (r.get("aliases") or "").split("|") if a.strip()]
        same = (r.get("same_as") or "").strip()
        if same:
            g = gn_rows[int(same.split(":")[-1])]
            if not g["name_ar"]:
                g["name_ar"] = r["name_ar"]
            g["aliases"] = dedupe(g["aliases"] + [r["name_ar"], *al], (g["name_ar"],))
            if r.get("kind"):
                g["kind"] = r["kind"]
            if r.get("name_en"):
                g["aliases"] = dedupe(g["aliases"] + [g["name_en"]], (g["name_ar"],))
                g["name_en"] = r["name_en"]
            continue
        a1 = r["admin1"].strip()
        if a1 not in ADMIN1:
            raise SystemExit(f"places_extra.tsv: bad admin1 {a1!r} for {r['name_ar']}")
        lat, lon = float(r["lat"]), float(r["lon"])
        a2, a3 = admin23(a1, lat, lon)
        extra_rows.append(dict(
            id=f"x:{r['name_en'].lower().replace(' ', '-').replace(chr(39), '')}", kind=r["kind"],
            name_en=r["name_en"], name_ar=r["name_ar"], admin1=a1, admin2=a2, admin3=a3, lat=lat,
            lon=lon, population=int(r.get("population") or 0), source=r["source"],
            aliases=dedupe(al, (r["name_ar"], r["name_en"]))))
        if extra_check is not None:
            extra_check.append((r, extra_rows[-1]))

    # --- WOF localities: merged into the rows above, or rows of their own --------------------------
    def keys_of_row(row: dict) -> set[str]:
        return {place_key(strip_head(a)) for a in [row["name_ar"], *row["aliases"]] if is_arabic(a)}

    def absorb(row: dict, w: dict) -> None:
        row["aliases"] = dedupe(row["aliases"] + w["ar"] + w["latin"], (row["name_ar"], row["name_en"]))
        if not row["name_ar"] and row["aliases"] and is_arabic(row["aliases"][0]):
            row["name_ar"] = row["aliases"].pop(0)
        row["source"] += f"; Who's On First {w['id'][4:]}"
        w["merged"] = row["id"]

    # points of the rows a WOF locality can be a twin of, by (admin1, key)
    point_rows = [*gn_rows.values(), *(x for x in extra_rows if x["kind"] not in ("region", "mountain"))]
    by_key: dict[str, list[dict]] = {}  # (across governorate lines: "داريا" of WOF's Damascus)
    for row in point_rows:
        for k in keys_of_row(row):
            by_key.setdefault(k, []).append(row)
    def same_name(w: dict, row: dict, row_keys: set[str]) -> bool:
        """One's own name is one of the other's names ("الباغوز" and "الباغوز فوقاني" are not)."""
        return w["key"] in row_keys or place_key(strip_head(row["name_ar"])) in w["keys"]

    for w in wof:
        w["key"] = place_key(strip_head(w["name_ar"])) if w["name_ar"] else ""
        row = gn_rows.get(w["gn"]) if w["gn"] is not None else None
        if row is None or row["admin1"] != w["admin1"]:
            near = [(dist_km((x["lat"], x["lon"]), (w["lat"], w["lon"])), i, x)
                    for k in w["keys"] for i, x in enumerate(by_key.get(k, []))]
            near = [t for t in near if t[0] <= MERGE_KM and same_name(w, t[2], keys_of_row(t[2]))]
            row = min(near, key=lambda t: t[:2])[2] if near else None
        if row is not None:
            absorb(row, w)
    wof_rows: list[dict] = []
    wof_by_row_key: dict[str, list[dict]] = {}
    order = {"town": 0, "neighbourhood": 1, "village": 2}
    for w in sorted(wof, key=lambda w: (order[w["kind"]], w["id"])):
        if "merged" in w:
            continue
        near = [(dist_km((x["lat"], x["lon"]), (w["lat"], w["lon"])), x)
                for k in w["keys"] for x in wof_by_row_key.get(k, [])]
        near = [t for t in near if t[0] <= MERGE_KM and same_name(w, t[1], keys_of_row(t[1]))]
        if near:  # the same place twice in WOF (a seat and a village of its name)
            absorb(min(near, key=lambda t: t[0])[1], w)
            continue
        if not w["name_ar"] and not w["latin"]:
            continue
        a2, a3 = admin23(w["admin1"], w["lat"], w["lon"], w["admin2"], wof_seat_sub.get(w["id"]))
        row = dict(
            id=w["id"], kind=w["kind"], name_en=w["name_en"], name_ar=w["name_ar"], admin1=w["admin1"],
            admin2=a2, admin3=a3, lat=w["lat"], lon=w["lon"], population=0, rank=WOF_RANK[w["kind"]],
            source=f"Who's On First {w['id'][4:]}" + (f"; GeoNames id {w['gn']}" if w["gn"] else ""),
            aliases=dedupe(w["ar"][1:] + w["latin"], (w["name_ar"], w["name_en"])))
        wof_rows.append(row)
        for k in w["keys"]:
            wof_by_row_key.setdefault(k, []).append(row)
    wof_rows.sort(key=lambda r: int(r["id"][4:]))

    out = rows + sub_rows + list(gn_rows.values()) + extra_rows + wof_rows
    for r in out:
        r.setdefault("rank", max(int(r.get("population") or 0), 500))
    # A known place (a cities500 town, a hand-curated place) whose namesakes in other
    # governorates are only WOF villages (GeoNames counts fewer than 500 people there, or
    # none) is the one the press means unless the context says otherwise: it ranks decisively.
    wof_keys: dict[str, set[str]] = {}
    old_keys: dict[str, set[str]] = {}
    for r in out:
        for k in keys_of_row(r):
            (wof_keys if r["id"].startswith("wof:") else old_keys).setdefault(k, set()).add(r["admin1"])
    assert max(WOF_RANK.values()) * DECISIVE_RATIO <= DECISIVE_MIN
    for r in [*gn_rows.values(), *extra_rows]:
        k = place_key(strip_head(r["name_ar"])) if r["name_ar"] else ""
        others = wof_keys.get(k, set()) - {r["admin1"]}
        if others and not (old_keys.get(k, set()) - {r["admin1"]}):
            r["rank"] = max(r["rank"], DECISIVE_MIN)
    return out


def check_extra(shared: Path, extra_path: Path) -> None:
    """Print each hand-curated place beside the WOF localities of its name in its governorate."""
    pairs: list = []
    build(shared, extra_path, pairs)
    wof_places, wof_aliases, wof_admins = read_wof(shared)
    govs = json.loads((shared / "governorates.json").read_text())
    dists = json.loads((shared / "districts.json").read_text())
    a1_map, _ = wof_admin_maps(wof_admins, govs, dists)
    by_key: dict[str, list[dict]] = {}
    for r in wof_places:
        for a in [r["name_ar"], *wof_aliases.get(r["source_id"], [])]:
            if clean_ar(a):
                by_key.setdefault(place_key(strip_head(clean_ar(a))), []).append(r)
    for src, row in pairs:
        keys = {place_key(strip_head(a)) for a in [row["name_ar"], *row["aliases"]] if is_arabic(a)}
        hits = {r["source_id"]: r for k in keys for r in by_key.get(k, [])
                if a1_map.get(r["admin1"]) == row["admin1"]}
        mark = "approx" if "approx" in src["source"] else "      "
        if not hits:
            print(f"{mark}\t{row['name_ar']}\t{row['admin1']}\t-")
            continue
        for r in sorted(hits.values(), key=lambda r: dist_km((float(r["lat"]), float(r["lon"])),
                                                            (row["lat"], row["lon"]))):
            d = dist_km((float(r["lat"]), float(r["lon"])), (row["lat"], row["lon"]))
            print(f"{mark}\t{row['name_ar']}\t{row['admin1']}\t{d:.1f} km\t{r['name_ar']}\t{r['name_en']}\t"
                  f"{r['kind']}\t{float(r['lat']):.5f}\t{float(r['lon']):.5f}\t{r['source_id']}")


def write(rows: list[dict], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("# Rasd gazetteer: built by scripts/build_gazetteer.py; sources in ATTRIBUTION.md\n")
        f.write("\t".join(COLUMNS) + "\n")
        for r in rows:
            vals = []
            for c in COLUMNS:
                v = r.get(c, "")
                if c == "aliases":
                    v = "|".join(v)
                elif c in ("lat", "lon"):
                    v = f"{float(v):.5f}"
                vals.append(str(v).replace("\t", " "))
            f.write("\t".join(vals) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data" / "gazetteer")
    ap.add_argument("--extra", type=Path, default=ROOT / "rasd" / "data" / "places_extra.tsv")
    ap.add_argument("--out", type=Path, default=ROOT / "rasd" / "data" / "gazetteer.tsv")
    ap.add_argument("--check-extra", action="store_true",
                    help="compare places_extra.tsv with WOF and write nothing")
    args = ap.parse_args()
    if args.check_extra:
        check_extra(args.shared, args.extra)
        return
    rows = build(args.shared, args.extra)
    write(rows, args.out)
    kinds: dict[str, int] = {}
    for r in rows:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    print(f"wrote {len(rows)} places to {args.out}: {kinds}")


if __name__ == "__main__":
    main()
