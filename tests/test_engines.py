"""Engines give the same records whatever the parallelism."""

from rasd.cli import samples_dir
from rasd.engines import local
from rasd.ingest import iter_articles
from rasd.link.merge import link


def _events(jobs: int) -> list[dict]:
    mentions = []
    for _art, found, error in local.extract(iter_articles([str(samples_dir())]), jobs=jobs):
        assert error is None
        mentions.extend(found)
    return link(mentions)


def test_jobs_give_identical_events():
    one, two = _events(1), _events(2)
    assert one and one == two


def test_a_failing_article_is_reported_not_raised(monkeypatch):
    import rasd.pipeline

    def boom(article, *a, **k):
        raise ValueError("broken")

    monkeypatch.setattr(rasd.pipeline, "make_doc", boom)
    (art,) = [a for a in iter_articles([str(next(samples_dir().glob("01_*.txt")))])]
    _a, found, error = local.extract_one(art)
    assert found is None and "broken" in error
