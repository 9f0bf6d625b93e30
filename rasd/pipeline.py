"""The pipeline, readable in one place: each component adds one kind of annotation to a Doc.

Order matters only where a component reads an earlier layer: numbers skip spans the date
layer already claimed (years, day numbers); incidents read every layer before it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator

from rasd.arabic.dates import dates
from rasd.arabic.numbers import numbers
from rasd.doc import Article, Doc
from rasd.extract.actors import actors
from rasd.extract.incidents import incidents
from rasd.extract.seized import seized
from rasd.extract.triggers import triggers
from rasd.geo.toponyms import places

Component = Callable[[Doc], None]

ARABIC_LAYER: list[Component] = [dates, numbers]
PIPELINE: list[Component] = [dates, numbers, triggers, actors, seized, places, incidents]


# A news article is tens of kilobytes; a 50 MB "article" is a dump or an attack. Only its first
# MAX_ARTICLE_CHARS are read (a prefix, so every evidence offset still quotes the original text),
# which bounds the time and memory of one article (about 5 s and 200 MB on one core).
MAX_ARTICLE_CHARS = 1_000_000
log = logging.getLogger(__name__)


def make_doc(article: Article, components: Iterable[Component] = PIPELINE) -> Doc:
    """Run the components in order over one article (its first MAX_ARTICLE_CHARS characters)."""
    text = article.text
    if len(text) > MAX_ARTICLE_CHARS:
        log.warning("%s: article of %d characters read up to its first %d",
                    article.path or article.id, len(text), MAX_ARTICLE_CHARS)
        text = text[:MAX_ARTICLE_CHARS]
    doc = Doc(text, article)
    for component in components:
        component(doc)
    return doc


def run(articles: Iterable[Article], components: Iterable[Component] = PIPELINE) -> Iterator[Doc]:
    comps = list(components)
    for article in articles:
        yield make_doc(article, comps)
