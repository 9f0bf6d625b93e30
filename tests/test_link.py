"""Cross-article linking: one event per incident, order-independent, conflicts kept."""

import itertools

from rasd.link.merge import link, pair_score


def rec(aid, **kw):
    base = {
        "id": f"m-{aid}", "report_kind": "incident", "event_date": "2025-05-17", "date_end": "2025-05-17",
        "time_precision": 1, "disorder_type": "Political violence", "event_type": "Battles",
        "sub_event_type": "Armed clash",
        "actors": [{"key": "sy-police", "name": "Police", "side": 1, "role": "primary"},
                   {"key": "isis", "name": "IS", "side": 2, "role": "primary"}],
        "country": "Syria", "admin1": "Aleppo", "admin2": None, "admin3": None, "location": "Aleppo",
        "location_ar": "حلب", "latitude": 36.2, "longitude": 37.16, "geo_precision": 1,
        "fatalities": None, "killed": None, "injured": None, "arrested": None, "seized": [],
        "sources": [{"article_id": aid, "outlet": None, "url": None, "published": None}],
        "notes": "", "evidence": [{"field": "event_type", "article_id": aid, "start": 0, "end": 3, "text": "abc"}],
        "confidence": 0.7,
    }
    base.update(kw)
    return base


def test_undated_report_joins_dated_one():
    a = rec("a", event_date=None, date_end=None, time_precision=None, fatalities=1,
            killed={"side1": 1, "side2": None, "civilians": None}, arrested=4, seized=["ied"])
    b = rec("b", fatalities=2, killed={"side1": 1, "side2": 1, "civilians": None}, arrested=4,
            seized=["firearms"])
    (e,) = link([a, b])
    assert {s["article_id"] for s in e["sources"]} == {"a", "b"}
    assert e["event_date"] == "2025-05-17"
    assert e["fatalities"] == 2 and e["arrested"] == 4
    assert e["seized"] == ["firearms", "ied"]
    assert any(c["field"] == "fatalities" for c in e["conflicts"])
    assert len(e["evidence"]) == 2


def test_order_does_not_matter():
    ms = [rec("a"), rec("b", arrested=3), rec("c", admin1="Homs", location="Homs", latitude=34.7, longitude=36.7)]
    outs = [sorted(link(list(p)), key=lambda e: e["id"]) for p in itertools.permutations(ms)]
    assert all(o == outs[0] for o in outs)
    assert len(outs[0]) == 2


def test_different_governorates_or_days_stay_apart():
    assert pair_score(rec("a"), rec("b", admin1="Homs")) is None
    assert pair_score(rec("a"), rec("b", event_date="2025-05-20")) is None
    assert pair_score(rec("a"), rec("b", report_kind="aggregate")) is None
    assert pair_score(rec("a"), rec("a")) is None  # one article never links to itself


def test_disjoint_actors_stay_apart():
    """Other groups on another day are another incident; on the same day and governorate they only
    weigh against (outlets name the forces differently)."""
    other = [{"key": "sdf", "name": "SDF", "side": 1, "role": "primary"}]
    assert pair_score(rec("a"), rec("b", actors=other, event_date="2025-05-18")) is None
    assert pair_score(rec("a"), rec("b", actors=other)) < pair_score(rec("a"), rec("b"))


def test_no_chaining_through_a_vague_mention():
    a = rec("a", admin1=None, location=None, latitude=None, longitude=None, geo_precision=None)
    b = rec("b")
    c = rec("c", admin1="Homs", location="Homs", latitude=34.7, longitude=36.7)
    events = link([a, b, c])
    for e in events:
        admins = {s["article_id"] for s in e["sources"]}
        assert not {"b", "c"} <= admins


def test_stable_ids():
    a, b = rec("a"), rec("b")
    assert link([a, b])[0]["id"] == link([b, a])[0]["id"]


def test_deaths_take_the_conservative_figure_per_side():
    a = rec("a", fatalities=5, killed={"side1": 5, "side2": None, "civilians": None})
    b = rec("b", fatalities=7, killed={"side1": 3, "side2": 4, "civilians": None})
    (e,) = link([a, b])
    assert e["killed"] == {"side1": 3, "side2": 4, "civilians": None}
    assert e["fatalities"] == 7
    assert {c["field"] for c in e["conflicts"]} == {"fatalities"}


def test_arrests_take_the_fuller_count():
    (e,) = link([rec("a", arrested=3), rec("b", arrested=4)])
    assert e["arrested"] == 4
    assert e["conflicts"][0]["values"] == {"a": 3, "b": 4}


def test_tallies_to_different_days_stay_apart():
    """Two outlets' tallies of one campaign join only when they count to the same day."""
    t = dict(report_kind="aggregate", event_date="2025-05-10", time_precision=2)
    a = rec("a", date_end="2025-05-14", fatalities=194, **t)
    b = rec("b", date_end="2025-05-20", fatalities=541, **t)
    c = rec("c", date_end="2025-05-15", fatalities=200, **t)
    assert pair_score(a, b) is None
    assert pair_score(a, c) is not None
    assert len(link([a, b, c])) == 2


def test_tallies_over_different_periods_stay_apart():
    """403 killed in five days and 250 in two days, both counted to the same day, are two tallies."""
    t = dict(report_kind="aggregate", date_end="2025-05-22", time_precision=2)
    assert pair_score(rec("a", event_date="2025-05-18", **t), rec("b", event_date="2025-05-21", **t)) is None
    assert pair_score(rec("a", event_date="2025-05-18", **t), rec("b", event_date="2025-05-19", **t)) is not None
    month = dict(report_kind="aggregate", date_end="2025-05-31", time_precision=3)
    assert pair_score(rec("a", event_date="2025-05-01", **month), rec("b", event_date="2025-05-03", **month)) is not None



def test_outlets_that_disagree_on_wording_still_link() -> None:
    """A riot for one outlet is a protest for another; the army for one is the police for another."""
    riot = rec("a", event_type="Riots", sub_event_type="Violent demonstration", actors=[])
    protest = rec("b", event_type="Protests", sub_event_type="Peaceful protest", actors=[])
    (e,) = link([riot, protest])
    assert e["sub_event_type"] == "Violent demonstration"  # the type that says most of what happened
    army = [{"key": "sy-military", "name": "Army", "side": 1, "role": "primary"}]
    police = [{"key": "sy-police", "name": "Police", "side": 1, "role": "primary"}]
    assert pair_score(rec("a", actors=army), rec("b", actors=police)) is not None  # same day and governorate
    assert pair_score(rec("a", actors=army), rec("b", actors=police, event_date="2025-05-18")) is None


def test_an_article_published_before_an_event_does_not_report_it():
    """Over the 31k corpus 227 events had a source published days before the event: never again."""
    early = rec("a", event_date=None, date_end=None, time_precision=None,
                sources=[{"article_id": "a", "outlet": None, "url": None, "published": "2025-05-10"}])
    later = rec("b", sources=[{"article_id": "b", "outlet": None, "url": None, "published": "2025-05-17"}])
    assert pair_score(early, later) is None and pair_score(later, early) is None
    same_day = rec("c", sources=[{"article_id": "c", "outlet": None, "url": None, "published": "2025-05-16"}])
    assert pair_score(same_day, later) is not None  # the day before: a slip of time zones, not a prophecy


def test_similar_but_different_stays_apart():
    """Two car bombs in one town two days apart, clashes in one neighbourhood a month apart."""
    bomb = dict(event_type="Explosions/Remote violence", sub_event_type="Remote explosive/landmine/IED")
    assert pair_score(rec("a", **bomb), rec("b", event_date="2025-05-19", **bomb)) is None
    assert pair_score(rec("a"), rec("b", event_date="2025-06-17")) is None
    assert len(link([rec("a", **bomb), rec("b", event_date="2025-05-19", **bomb)])) == 2


# --- outlets that disagree on wording, re-posts, and look-alikes that stay apart ---------------
JARAMANA = {"admin1": "Rural Damascus", "location": "Jaramana", "latitude": 33.4862, "longitude": 36.3461}


def pub(day):
    return lambda aid: [{"article_id": aid, "outlet": None, "url": None, "published": day}]


def test_clashes_and_shelling_at_one_spot_are_one_fight():
    """One outlet: clashes on Tuesday (known to the week); the other: mortar fire on homes the
    night before, by other named groups. Same town, one family of acts: one event."""
    a = rec("a", event_date="2025-04-29", date_end="2025-04-29", time_precision=2, **JARAMANA,
            sources=pub("2025-04-29")("a"))
    b = rec("b", event_date="2025-04-28", date_end="2025-04-28", event_type="Explosions/Remote violence",
            sub_event_type="Shelling/artillery/missile attack", **JARAMANA, sources=pub("2025-04-29")("b"),
            actors=[{"key": "druze-militia", "name": "Druze", "side": 1, "role": "primary"}])
    (e,) = link([a, b])
    assert {s["article_id"] for s in e["sources"]} == {"a", "b"}
    assert e["event_type"] == "Battles"  # the fighting over its shelling (merge_order)


def test_a_story_reposted_days_later_is_the_same_incident_on_its_first_day():
    a = rec("a", event_date="2025-04-11", date_end="2025-04-11", injured=3, **JARAMANA,
            sources=pub("2025-04-11")("a"))
    b = rec("b", event_date="2025-04-20", date_end="2025-04-20", injured=3, **JARAMANA,
            sources=pub("2025-04-20")("b"),
            actors=[{"key": "opposition", "name": "Opposition", "side": 1, "role": "primary"}])
    (e,) = link([a, b])
    assert e["event_date"] == "2025-04-11"  # not after its first report
    # without the shared toll the late "today" is another day, reported after the first article
    assert len(link([a, dict(b, injured=None)])) == 2


def test_look_alikes_stay_apart():
    bomb = {"event_type": "Explosions/Remote violence", "sub_event_type": "Remote explosive/landmine/IED"}
    two_days = [rec("a", event_date="2025-05-17", **bomb), rec("b", event_date="2025-05-19", date_end="2025-05-19", **bomb)]
    assert len(link(two_days)) == 2  # two car bombs in one town two days apart
    month = [rec("a"), rec("b", event_date="2025-06-17", date_end="2025-06-17")]
    assert len(link(month)) == 2  # clashes in one neighbourhood a month apart
    # the same toll in the same town a week later, but an arrest raid and a bombing: apart
    raid = rec("a", event_type="Strategic developments", sub_event_type="Arrests", arrested=3, injured=3,
               sources=pub("2025-05-17")("a"))
    blast = rec("b", event_date="2025-05-24", date_end="2025-05-24", injured=3, sources=pub("2025-05-24")("b"), **bomb)
    assert len(link([raid, blast])) == 2


def test_a_rare_act_re_reported_for_days_is_one_incident():
    """A chemical attack is re-told for days (statements, inspectors), each story dated on its own day."""
    chem = {"event_type": "Explosions/Remote violence", "sub_event_type": "Chemical weapon",
            "actors": [{"key": "civilians", "name": "Civilians", "side": 2, "role": "primary"}]}
    days = ["2025-04-07", "2025-04-09", "2025-04-12"]
    ms = [rec(f"a{i}", event_date=d, date_end=d, sources=pub(d)(f"a{i}"), **chem) for i, d in enumerate(days)]
    (e,) = link(ms)
    assert e["event_date"] == "2025-04-07" and len(e["sources"]) == 3
    # an ordinary attack re-told a week later without a shared toll is another day's attack
    other = {**chem, "sub_event_type": "Remote explosive/landmine/IED"}
    assert len(link([rec(f"b{i}", event_date=d, date_end=d, sources=pub(d)(f"b{i}"), **other)
                     for i, d in enumerate(days)])) == 3


def recall(aid, published, **kw):
    """An article that recalls an earlier event (report_kind background), undated unless told."""
    return rec(aid, **{"report_kind": "background", "event_date": None, "date_end": None, "time_precision": None,
                       "sources": pub(published)(aid), **kw})


def test_a_recall_joins_its_incident_as_a_mentions_source():
    """'Weeks after the clashes in Aleppo ...': the later article is a source of kind mentions; its
    figures, date and place are not the incident's, and the incident stays an incident."""
    inc = rec("a", fatalities=4, sources=pub("2025-05-17")("a"))
    later = recall("b", "2025-05-30", fatalities=40, evidence=[
        {"field": "report_kind", "article_id": "b", "start": 0, "end": 4, "text": "وكان"},
        {"field": "fatalities", "article_id": "b", "start": 9, "end": 11, "text": "40"}])
    for ms in ([inc, later], [later, inc]):
        (e,) = link(ms)
        assert e["report_kind"] == "incident" and e["fatalities"] == 4 and e["event_date"] == "2025-05-17"
        assert [(s["article_id"], s.get("kind")) for s in e["sources"]] == [("a", None), ("b", "mentions")]
        assert {(ev["article_id"], ev["field"]) for ev in e["evidence"]} == {("a", "event_type"), ("b", "report_kind")}
        assert not e["conflicts"]
    # a dated recall joins within its precision's tolerance, not another day's clash
    assert len(link([inc, recall("c", "2025-06-02", event_date="2025-05-17", date_end="2025-05-17",
                                 time_precision=1)])) == 1
    assert len(link([inc, recall("c", "2025-06-02", event_date="2025-05-20", date_end="2025-05-20",
                                 time_precision=1)])) == 2


def test_a_recall_that_matches_nothing_stays_background():
    inc = rec("a", sources=pub("2025-05-17")("a"))
    elsewhere = recall("b", "2025-05-30", admin1="Homs", location="Homs", latitude=34.7, longitude=36.7)
    months_later = recall("c", "2025-09-30")  # undated: only the month before its article
    before = recall("d", "2025-05-10")  # published before the incident: not about it
    dated_before = recall("e", "2025-05-12", event_date="2025-05-17", date_end="2025-05-17", time_precision=2)
    out = link([inc, elsewhere, months_later, before, dated_before])
    assert sorted(e["report_kind"] for e in out) == ["background"] * 4 + ["incident"]
    (e,) = [e for e in out if e["report_kind"] == "incident"]
    assert [s["article_id"] for s in e["sources"]] == ["a"]


def test_recalls_of_one_incident_need_not_agree_with_each_other():
    """Two recalls naming other groups both point to the incident: they join it even though the two
    alone would not be one event (complete linkage holds between reports and each recall)."""
    inc = rec("a", sources=pub("2025-05-17")("a"))
    r1 = recall("b", "2025-05-20", actors=[{"key": "isis", "name": "IS", "side": 2, "role": "primary"}])
    r2 = recall("c", "2025-05-22", actors=[{"key": "sy-police", "name": "Police", "side": 1, "role": "primary"},
                                           {"key": "hts", "name": "HTS", "side": 2, "role": "primary"}])
    outs = [link(list(p)) for p in itertools.permutations([inc, r1, r2])]
    assert all(o == outs[0] for o in outs)
    (e,) = outs[0]
    assert [s.get("kind") for s in e["sources"]] == [None, "mentions", "mentions"]


def test_undated_mentions_link_only_near_their_publication():
    """No chain of undated mentions spans months: an undated report is of the days before its article."""
    dated = rec("a", sources=pub("2025-05-17")("a"))
    undated = rec("b", event_date=None, date_end=None, time_precision=None, sources=pub("2025-05-19")("b"))
    assert len(link([dated, undated])) == 1
    late = rec("c", event_date=None, date_end=None, time_precision=None, sources=pub("2025-08-19")("c"))
    assert len(link([dated, late])) == 2
    assert len(link([undated, late])) == 2


def test_a_recall_joins_the_incident_the_reports_make_not_each_report():
    """Two reports of one raid, one a day off (dated by its 'yesterday'): a recall of the raid's day
    joins the incident, whose day is the reports' merged day, though it is two days from one report."""
    a = rec("a", sources=pub("2025-05-17")("a"), fatalities=3)
    b = rec("b", event_date="2025-05-18", date_end="2025-05-18", sources=pub("2025-05-19")("b"),
            fatalities=3)
    r = recall("c", "2025-05-25", event_date="2025-05-16", date_end="2025-05-16", time_precision=1)
    assert pair_score(b, r) is None and pair_score(a, r) is not None
    (e,) = link([a, b, r])
    assert [s.get("kind") for s in e["sources"]] == [None, None, "mentions"]
    # a recall never joins two reported incidents into one
    other = rec("d", admin1="Homs", location="Homs", latitude=34.7, longitude=36.7, sources=pub("2025-05-17")("d"))
    assert len(link([a, other, recall("e", "2025-05-25", admin1=None, location=None, latitude=None,
                                      longitude=None)])) >= 2


def test_the_tellings_of_one_rare_act_are_one_incident_though_two_of_them_disagree():
    """A chemical attack told at Douma and 'in Eastern Ghouta' on its day, then again at Douma ten
    days later (the inspectors' visit, dated on its own day): the late story and the Ghouta report
    would not link (another spot, days apart), yet all three tell one attack."""
    chem = {"event_type": "Explosions/Remote violence", "sub_event_type": "Chemical weapon", "admin1": "Rural Damascus",
            "actors": [{"key": "civilians", "name": "Civilians", "side": 2, "role": "primary"}]}
    duma = {"location": "Duma", "latitude": 33.5711, "longitude": 36.4019, "geo_precision": 1}
    ghouta = {"location": "Eastern Ghouta", "latitude": 33.55, "longitude": 36.42, "geo_precision": 2}
    d1 = rec("d1", event_date="2018-04-07", date_end="2018-04-07", sources=pub("2018-04-08")("d1"), **chem, **duma)
    g1 = rec("g1", event_date="2018-04-07", date_end="2018-04-07", sources=pub("2018-04-08")("g1"), **chem, **ghouta)
    f1 = rec("f1", event_date="2018-04-17", date_end="2018-04-17", sources=pub("2018-04-17")("f1"), **chem, **duma)
    assert pair_score(g1, f1) is None
    (e,) = link([d1, g1, f1])
    assert e["event_date"] == "2018-04-07" and e["location"] == "Duma" and len(e["sources"]) == 3
    # an ordinary act told the same way stays apart
    ied = {**chem, "sub_event_type": "Remote explosive/landmine/IED"}
    assert len(link([rec(x["id"][2:], **{**x, **ied}) for x in (d1, g1, f1)])) == 2
