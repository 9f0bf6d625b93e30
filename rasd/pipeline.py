"""The pipeline, readable in one place: each component adds one kind of annotation to a Doc.

Order matters only where a component reads an earlier layer: numbers skip spans the date
layer already claimed (years, day numbers); incidents read every layer before it.
"""

from __future__ import annotations

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


def make_doc(article: Article, components: Iterable[Component] = PIPELINE) -> Doc:
    """Run the components in order over one article."""
    doc = Doc(article.text, article)
    for component in components:
        component(doc)
    return doc


def run(articles: Iterable[Article], components: Iterable[Component] = PIPELINE) -> Iterator[Doc]:
    comps = list(components)
    for article in articles:
        yield make_doc(article, comps)
