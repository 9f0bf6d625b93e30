"""`rasd gazetteer ...`: look places up and add the villages the gazetteer lacks.

The main CLI attaches the `gazetteer` group; the library itself never prints.
"""

from __future__ import annotations

import json

import click

from rasd.cli.common import attacher
from rasd.geo.gazetteer import ADMIN1, KINDS, add_user_place, get_gazetteer, group_places, same_place, user_places_path


@click.group("gazetteer")
def gazetteer() -> None:
    """Search the gazetteer and add your own places."""


@gazetteer.command("search")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per place.")
@click.option("--limit", default=20, show_default=True, help="At most this many places.")
def search_cmd(name: str, as_json: bool, limit: int) -> None:
    """Places whose Arabic or English name is NAME or starts with it."""
    hits = get_gazetteer().search(name, limit=limit * 3)
    if not hits:
        click.echo(f"no place matches {name!r}", err=True)
        raise SystemExit(1)
    for p, also in group_places(hits)[:limit]:
        kinds = [p.kind] + [q.kind for q in also if q.kind != p.kind]
        sources = list(dict.fromkeys(x.strip() for q in (p, *also) for x in q.source.split(";") if x.strip()))
        if as_json:
            click.echo(json.dumps({**p.to_dict(), "kinds": kinds, "sources": sources}, ensure_ascii=False))
            continue
        admin = " / ".join(a for a in (p.admin1, p.admin2, p.admin3) if a) or p.country
        coords = f"{p.lat:.4f}, {p.lon:.4f}" if p.lat is not None and p.lon is not None else "-"
        kind = p.kind + (f" (also {', '.join(kinds[1:])} seat)" if len(kinds) > 1 else "")
        click.echo(f"{p.name_ar}\t{p.name_en}\t{kind}\t{admin}\t{coords}\t{'; '.join(sources)}")


@gazetteer.command("add")
@click.option("--ar", "name_ar", required=True, help="Arabic name as the press writes it.")
@click.option("--en", "name_en", required=True, help="English (romanised) name.")
@click.option("--admin1", required=True, type=click.Choice(ADMIN1), help="Governorate.")
@click.option("--admin2", default=None, help="District.")
@click.option("--admin3", default=None, help="Subdistrict.")
@click.option("--lat", required=True, type=float)
@click.option("--lon", required=True, type=float)
@click.option("--kind", default="village", show_default=True,
              type=click.Choice([k for k in KINDS if k != "country"]))
@click.option("--aliases", default="", help="Other spellings, separated by |.")
def add_cmd(name_ar: str, name_en: str, admin1: str, admin2: str | None, admin3: str | None,
            lat: float, lon: float, kind: str, aliases: str) -> None:
    """Append a place to your places CSV; it is used from the next run on."""
    try:
        path, updated = add_user_place(name_ar, name_en, admin1, lat, lon, kind=kind, admin2=admin2,
                                       admin3=admin3, aliases=[a for a in aliases.split("|") if a.strip()])
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    known = [p for p in get_gazetteer().places if not p.id.startswith("user:")
             and same_place(p, name_ar, admin1, lat, lon)]
    verb = "updated" if updated else "added"
    click.echo(f"{verb} {name_ar} ({name_en}, {admin1}) in {path}"
               + (f"; it updates {known[0].name_en} ({known[0].source})" if known else ""))


@gazetteer.command("path")
def path_cmd() -> None:
    """Print where your places CSV lives ($RASD_PLACES or the XDG data folder)."""
    click.echo(str(user_places_path()))


COMMANDS = [gazetteer]
attach = attacher(COMMANDS)
