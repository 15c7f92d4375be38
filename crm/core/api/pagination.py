from functools import partial
from typing import cast

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from crm.core.pagination import CappedPaginator


class StandardPagination(PageNumberPagination):
    """?page=N&page_size=M, M capped by CRM_API_MAX_PAGE_SIZE.

    ``count`` stops at CRM_LIST_COUNT_CAP (500): past it the answer says ``"count": 500,
    "count_capped": true`` and ``next`` keeps leading on while rows remain (see crm/core/pagination.py).
    ``next`` carries ``after=``, the position of the page's last row, so following it costs the same on page
    1,000 as on page 2 (keyset paging); ``page`` alone still jumps to any page, counting rows from the top.
    """

    cursor_query_param = "after"

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = settings.CRM_API_MAX_PAGE_SIZE
    django_paginator_class = CappedPaginator

    def paginate_queryset(self, queryset, request, view=None):
        after = request.query_params.get(self.cursor_query_param) or None
        self.django_paginator_class = partial(CappedPaginator, after=after)  # type: ignore[assignment]
        rows: list | None = super().paginate_queryset(queryset, request, view)
        if self.page is not None and cast(CappedPaginator, self.page.paginator).cursor_refused:
            raise NotFound(_("Invalid cursor: follow the next link of the page before, or ask for ?page= alone."))
        return rows

    def get_next_link(self):
        link = super().get_next_link()
        if link is None:
            return None
        cursor = getattr(self.page, "next_cursor", "")
        if cursor:
            return replace_query_param(link, self.cursor_query_param, cursor)
        return remove_query_param(link, self.cursor_query_param)

    def get_previous_link(self):
        link = super().get_previous_link()
        return None if link is None else remove_query_param(link, self.cursor_query_param)

    def get_paginated_response(self, data):
        assert self.page is not None  # paginate_queryset() ran first
        paginator = cast(CappedPaginator, self.page.paginator)
        return Response(
            {
                "count": paginator.count,
                "count_capped": paginator.count_capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        properties = response["properties"]
        properties["count_capped"] = {
            "type": "boolean",
            "example": False,
            "description": "True when there are more rows than `count`, which then stops at the cap (500).",
        }
        response["properties"] = {
            name: properties[name] for name in ("count", "count_capped", "next", "previous", "results")
        }
        response["required"] = ["count", "count_capped", "results"]
        return response
