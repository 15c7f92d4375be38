from typing import cast

from django.conf import settings
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from crm.core.pagination import CappedPaginator


class StandardPagination(PageNumberPagination):
    """?page=N&page_size=M, M capped by CRM_API_MAX_PAGE_SIZE.

    ``count`` stops at CRM_LIST_COUNT_CAP (500): past it the answer says ``"count": 500,
    "count_capped": true`` and ``next`` keeps leading on while rows remain (see crm/core/pagination.py).
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = settings.CRM_API_MAX_PAGE_SIZE
    django_paginator_class = CappedPaginator

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
