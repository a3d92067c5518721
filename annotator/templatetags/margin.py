"""Filters for Margin's templates."""

from django import template
from django.utils.safestring import SafeString, mark_safe

from ..models import Status
from ..rendering import article_escape

register = template.Library()


@register.filter(is_safe=True)
def article_text(value: str) -> SafeString:
    """A piece of the article, escaped so that the page's text is the stored text exactly
    (carriage returns included: see ``rendering.article_escape``)."""
    return mark_safe(article_escape(value))


@register.filter
def status_label(value: str) -> str:
    """A document status as people read it ("In progress"), not as it is stored."""
    try:
        return Status(value).label
    except ValueError:
        return value
