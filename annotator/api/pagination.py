"""Pagination of every API list (DRF's DEFAULT_PAGINATION_CLASS).

A module of its own because DRF imports the default pagination class while it builds
``GenericAPIView``: it must not import DRF's views itself.
"""

from rest_framework import pagination
from rest_framework.exceptions import ValidationError


class Pagination(pagination.PageNumberPagination):
    """``{"count", "next", "previous", "results"}`` with ``?page=`` and ``?page_size=``."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_page_size(self, request) -> int:
        # DRF silently falls back to the default on a bad value; we say what is wrong.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdecimal() or int(raw) < 1:
            raise ValidationError({"page_size": ["Must be a whole number from 1 to 1000."]})
        return min(int(raw), self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param)
        if (
            raw is not None
            and raw not in self.last_page_strings
            and (not raw.isdecimal() or int(raw) < 1)
        ):
            raise ValidationError({"page": ["Must be a page number: 1, 2, …"]})
        return super().paginate_queryset(queryset, request, view)


class SpanPagination(Pagination):
    # A document's spans are usually wanted all at once.
    page_size = 1000
