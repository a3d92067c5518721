"""What the shared pages ask about managing: may this user create projects?"""

from django import template

from ..permissions import can_create_projects

register = template.Library()


@register.simple_tag(takes_context=True)
def may_create_projects(context) -> bool:
    """For the project list's "New project" entry: ``permissions.can_create_projects``."""
    return can_create_projects(context["request"].user)
