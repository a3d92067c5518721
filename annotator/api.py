"""The REST API of shared/API.md, on Django REST Framework."""

from rest_framework import pagination


class Pagination(pagination.PageNumberPagination):
    """``{"count", "next", "previous", "results"}`` with ``?page=`` and ``?page_size=``."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


urlpatterns: list = []
