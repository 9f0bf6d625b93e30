"""Build rasd/data/gazetteer.tsv from ../shared/data/gazetteer/ and rasd/data/places_extra.tsv.

Run from the repository root:  python scripts/build_gazetteer.py [--shared ../shared/data/gazetteer]

Sources (see rasd/data/ATTRIBUTION.md): OpenSyria data-geography (governorates, districts,
subdistricts with aliases; CC BY 4.0), GeoNames cities500 for Syria (CC BY 4.0), and the
hand-curated extra places. The program never reads ../shared: it ships the TSV this writes.

Choices worth knowing:
- admin1 is spelled exactly as in EVENTS.md.
- Governorates carry the coordinates of their capital city (not the polygon centroid), so a
  governorate-only event (geo_precision 3) lands on the capital as ACLED places it. Rural
  Damascus has no capital of its own inside it; Douma, its largest city, stands in.
- Districts and subdistricts are placed on their seat town when a GeoNames town of the same
  name lies in the same governorate (OpenSyria centroids are polygon centroids, which can lie
  in empty desert); otherwise on the centroid.
- A GeoNames place gets admin2/admin3 from the subdistrict it is the seat of, else from the
  nearest subdistrict centroid within the same governorate (an approximation: polygons are not
  shipped; near a boundary the nearest centroid can be the neighbouring subdistrict).
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

from rasd.geo.gazetteer import ADMIN1, COLUMNS, place_key  # noqa: E402

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


def build(shared: Path, extra_path: Path) -> list[dict]:
    govs = json.loads((shared / "governorates.json").read_text())
    dists = json.loads((shared / "districts.json").read_text())
    subs = json.loads((shared / "subdistricts.json").read_text())
    geo = json.loads((shared / "geonames_cities500_SY.json").read_text())
    gn = {g["geonameid"]: g for g in geo}
    dist_by_id = {d["id"]: d for d in dists}

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
    for r in subs:
        a1 = OPEN_SYRIA_ADMIN1[r["governorateId"]]
        d = dist_by_id.get(r["districtId"])
        al = aliases_of(r, set())
        names = [r["name"]["ar"], *al]
        seat = gn[SUBDISTRICT_SEATS[r["id"]]] if r["id"] in SUBDISTRICT_SEATS else seat_of(a1, names)
        pop = (r.get("population") or {}).get("value") or 0
        lat, lon = (seat["latitude"], seat["longitude"]) if seat else (
            r["centroid"]["latitude"], r["centroid"]["longitude"])
        src = f"OpenSyria {r['id']}" + (f"; seat GeoNames id {seat['geonameid']}" if seat
                                        else "; polygon centroid")
        pcode = r["externalIds"].get("ochaPcode") or r["id"]
        row = dict(
            id=f"sub:{pcode}", kind="subdistrict", name_en=r["name"]["en"], name_ar=r["name"]["ar"],
            admin1=a1, admin2=d["name"]["en"] if d else "", admin3=r["name"]["en"], lat=lat, lon=lon,
            population=pop, source=src, aliases=dedupe(al, (r["name"]["ar"], r["name"]["en"])),
            _centroid=(r["centroid"]["latitude"], r["centroid"]["longitude"]))
        if seat and seat["geonameid"] not in seat_sub:
            seat_sub[seat["geonameid"]] = row
        sub_rows.append(row)
    subs_by_a1: dict[str, list[dict]] = {}
    for s in sub_rows:
        subs_by_a1.setdefault(s["admin1"], []).append(s)

    def admin23(a1: str, lat: float, lon: float, gid: int | None = None) -> tuple[str, str]:
        s = seat_sub.get(gid) if gid is not None else None
        if s is None:
            cands = subs_by_a1.get(a1, [])
            if not cands:
                return "", ""
            s = min(cands, key=lambda s: dist_km(s["_centroid"], (lat, lon)))
        return s["admin2"], s["admin3"]

    # --- GeoNames cities500 ----------------------------------------------------------------------
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
        a2, a3 = admin23(a1, g["latitude"], g["longitude"], gid)
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

    out = rows + sub_rows + list(gn_rows.values()) + extra_rows
    for r in out:
        r.setdefault("rank", max(int(r.get("population") or 0), 500))
    return out


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
    args = ap.parse_args()
    rows = build(args.shared, args.extra)
    write(rows, args.out)
    kinds: dict[str, int] = {}
    for r in rows:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    print(f"wrote {len(rows)} places to {args.out}: {kinds}")


if __name__ == "__main__":
    main()
