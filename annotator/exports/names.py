"""The file name of an export: one rule for the page, the API, the admin and the command.

``<project>_<layer>[_reviewed|_complete]_<format>[_<split>].<extension>``, e.g.
``kim-putin-arms-talks_gold_doccano_train80-dev10-test10.jsonl``. The format is always in
the name because jsonl, doccano and hf share ``.jsonl`` (and conll, spacy and brat
``.zip`` with a split): without it one download overwrote another in the Downloads folder.

Every part is an ASCII slug (``[a-z0-9.-]``; ``_`` separates the parts), so the name
needs no quoting, has no path separator, and reads the same on every system. A name
that keeps too little of itself in ASCII (Cyrillic, Chinese…) falls back to
``project-<id>`` (``user-<id>`` for a username): better a plain name than a few stray
digits or letters.
"""

import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..models import Project
    from .base import Format
    from .options import ExportOptions

SLUG_MAX = 60  # of the project's part: the whole name stays well under any file system limit

# Letters NFKD does not take apart into an ASCII letter and an accent.
_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "Th",
        "ı": "i",
    }
)


def slug(value: str, *, fallback: str, limit: int = SLUG_MAX) -> str:
    """``value`` as lowercase ASCII words joined by ``-``, or ``fallback``.

    Unlike Django's ``slugify``, punctuation of any script (an en dash, a slash, an
    apostrophe) separates words instead of gluing them: "Kim–Putin" is ``kim-putin``, not
    ``kimputin``. The fallback is taken when fewer than half of the name's letters survive.
    """
    decomposed = unicodedata.normalize("NFKD", value.translate(_LETTERS))
    kept = []
    letters = ascii_letters = 0
    for char in decomposed:
        category = unicodedata.category(char)
        if category.startswith("M"):
            continue  # an accent taken off its letter
        if category.startswith("L"):
            letters += 1
            ascii_letters += char.isascii()
        kept.append(char.lower() if char.isascii() and char.isalnum() else " ")
    words = "".join(kept).split()
    if not words or 2 * ascii_letters < letters:
        return fallback
    result = "-".join(words)
    if len(result) > limit:
        result = result[:limit].rsplit("-", 1)[0] if "-" in result[:limit] else result[:limit]
    return result


def export_filename(*, project: "Project", options: "ExportOptions", format_: "Format") -> str:
    """The download's name; different for every format, layer, status and split."""
    layer = options.layer
    if layer.kind == "user":
        layer_part = slug(layer.username or "", fallback=f"user-{layer.user_id}")
    else:
        layer_part = layer.kind
    parts = [slug(project.name, fallback=f"project-{project.pk}"), layer_part]
    if options.status == "complete":
        parts.append("reviewed" if layer.kind == "gold" else "complete")
    parts.append(format_.name)
    if options.split:
        split = "-".join(
            f"{name}{_percent(fraction)}"
            for name, fraction in zip(("train", "dev", "test"), options.split, strict=True)
        )
        # The seed moves documents between splits; 0 (the default) goes without saying.
        parts.append(split if options.seed == 0 else f"{split}-seed{options.seed}")
    extension = "zip" if format_.zipped(options) else format_.extension
    return f"{'_'.join(parts)}.{extension}"


def _percent(fraction: float) -> str:
    """80 for 0.8, 33.3 for 0.333: short, and never a sign (fractions are >= 0)."""
    return f"{round(fraction * 100, 1):g}"
