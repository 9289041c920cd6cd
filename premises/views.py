"""The address box's search results (htmx fragment): thin, one selector call."""

from django.shortcuts import render
from django.views import View

from core.permissions import RoleRequiredMixin
from premises.api import PREMISES_READERS
from premises.search import MAX_QUERY_CHARS, premises_search

# Results offered under the address box: enough to pick from by keyboard.
OFFERED = 8


class PremisesSearchFragmentView(RoleRequiredMixin, View):
    """GET ?address=... -> the list the handler picks a premises from (empty under 3 characters,
    a note when the text is too long or nothing matches)."""

    allowed_roles = PREMISES_READERS

    def get(self, request):
        query = (request.GET.get("address") or request.GET.get("q") or "").strip()
        too_long = len(query) > MAX_QUERY_CHARS
        hits = premises_search(query, limit=OFFERED) if 3 <= len(query) and not too_long else []
        return render(
            request,
            "premises/_search_results.html",
            {"query": query, "hits": hits, "too_long": too_long},
        )
