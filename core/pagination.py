from rest_framework.pagination import PageNumberPagination

from core.exceptions import ValidationFailed


class Pagination(PageNumberPagination):
    """Pages of 50 by default; `?page_size=N` (1 to 500) asks for another size.

    A `page_size` that is not a positive whole number is a 400 (DRF would quietly fall back to
    the default, so a client's typo would go unnoticed).
    """

    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None:
            try:
                size = int(raw)
            except ValueError:
                size = 0
            if size < 1 or str(size) != raw.strip():
                raise ValidationFailed(
                    f"page_size must be a whole number from 1 to {self.max_page_size}.",
                    code="invalid_page_size",
                )
        return super().get_page_size(request)
