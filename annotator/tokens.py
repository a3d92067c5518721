"""Tokens and sentences from spaCy's rule-based English tokenizer.

No trained pipeline is needed (none can be downloaded here): a blank English pipeline with
the rule-based sentencizer. spaCy's character offsets (``token.idx``) are Python string
indices, that is Unicode code points, the same unit as span offsets.
"""

from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc


@lru_cache(maxsize=1)
def pipeline() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def parse(text: str) -> Doc:
    """The text as a spaCy Doc with tokens and sentence boundaries."""
    return pipeline()(text)
