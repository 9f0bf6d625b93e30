"""The pipeline, readable in one place: each component adds one kind of annotation to a Doc.

Order matters only where a component reads an earlier layer: numbers skip spans the date
layer already claimed (years, day numbers); incidents read every layer before it. Triggers come
first because they read only the text: extraction (`make_doc(..., acts_only=True)`) stops after
them when no act was told, which is four articles in ten of a news corpus (politics, sport,
economy) and yields no event either way.
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
from rasd.extract.triggers import NON_EVENT, triggers
from rasd.geo.toponyms import places

Component = Callable[[Doc], None]

ARABIC_LAYER: list[Component] = [dates, numbers]
PIPELINE: list[Component] = [triggers, dates, numbers, actors, seized, places, incidents]


# A news article is tens of kilobytes; a 50 MB "article" is a dump or an attack. Only its first
# MAX_ARTICLE_CHARS are read (a prefix, so every evidence offset still quotes the original text),
# which bounds the time and memory of one article (about 5 s and 200 MB on one core).
MAX_ARTICLE_CHARS = 1_000_000
log = logging.getLogger(__name__)


def tells_an_act(doc: Doc) -> bool:
    """Did a trigger of an act (not a trap, not an accident) fire? No incident comes without one."""
    return any(s.label not in NON_EVENT for s in doc.get("triggers"))


def make_doc(article: Article, components: Iterable[Component] = PIPELINE, *, acts_only: bool = False) -> Doc:
    """Run the components in order over one article (its first MAX_ARTICLE_CHARS characters);
    with `acts_only`, stop after the triggers of an article that tells no act."""
    text = article.text
    if len(text) > MAX_ARTICLE_CHARS:
        log.warning("%s: article of %d characters read up to its first %d",
                    article.path or article.id, len(text), MAX_ARTICLE_CHARS)
        text = text[:MAX_ARTICLE_CHARS]
    doc = Doc(text, article)
    for component in components:
        component(doc)
        if component is triggers:
            if acts_only and not tells_an_act(doc):
                break
            doc.sentences  # noqa: B018  (built here, once, for the components that read them)
    return doc


def run(articles: Iterable[Article], components: Iterable[Component] = PIPELINE) -> Iterator[Doc]:
    comps = list(components)
    for article in articles:
        yield make_doc(article, comps)
