from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.core.api.views import UserLanguageMixin
from crm.core.parsing import parse_int
from crm.core.search import search_all


class SearchView(UserLanguageMixin, APIView):
    """Global search over every registered entity, limited to what the caller may see."""

    @extend_schema(parameters=[OpenApiParameter("q", OpenApiTypes.STR, required=True),
                               OpenApiParameter("limit", OpenApiTypes.INT)], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        query = request.query_params.get("q", "").strip()
        if not query:
            raise ValidationError({"q": [_("Enter something to search for.")]})
        limit = min(max(parse_int(request.query_params.get("limit"), default=10) or 1, 1), 50)
        results = [
            {"entity": hit.entity, "entity_label": str(provider.label), "id": hit.id, "title": hit.title,
             "subtitle": hit.subtitle, "url": hit.url}
            for provider, hits in search_all(request.user, query, limit) for hit in hits
        ]
        return Response({"query": query, "results": results})
