"""The premises API: thin views that parse, call one selector, and render."""

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import parse_input
from core.exceptions import NotFound
from core.permissions import HasRole
from core.roles import OPERATIONS, Role
from premises.search import premises_search
from premises.selectors import premises_get
from premises.serializers import PremisesSerializer, SearchHitSerializer, SearchInput

# Who searches the register: everyone on the operational floor, and the OIC placing a marker.
PREMISES_READERS = OPERATIONS + (Role.OIC,)


class PremisesSearchView(APIView):
    """GET ?q=21a acacia ho mill la[&limit=10] -> premises best first, each with its UPRN, the
    address on one line and its coordinates (WGS84). Words in any order; abbreviations, half-typed
    words and typos are read. `q` missing, empty or over 200 characters: 400."""

    permission_classes = [HasRole]
    allowed_roles = PREMISES_READERS

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=True, description="What the handler typed"),
            OpenApiParameter("limit", int, description="1-50, default 10"),
        ],
        responses={
            200: inline_serializer(
                "PremisesSearch",
                {"query": serializers.CharField(), "results": SearchHitSerializer(many=True)},
            ),
            400: OpenApiResponse(description='Bad input: {"detail", "code"}'),
        },
    )
    def get(self, request):
        data = parse_input(SearchInput, request.query_params)
        hits = premises_search(data["q"], limit=data["limit"])
        return Response({"query": data["q"], "results": SearchHitSerializer(hits, many=True).data})


class PremisesDetailView(APIView):
    """GET /premises/{uprn}/ -> one premises; 404 for a UPRN not in the register."""

    permission_classes = [HasRole]
    allowed_roles = PREMISES_READERS

    @extend_schema(responses={200: PremisesSerializer, 404: OpenApiResponse(description="None")})
    def get(self, request, uprn: int):
        premises = premises_get(uprn)
        if premises is None:
            raise NotFound(f"No premises with UPRN {uprn} in the register.")
        return Response(PremisesSerializer(premises).data)
