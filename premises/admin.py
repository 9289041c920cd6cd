"""The register, read-only: premises come from `import_premises`, which computes the keys the
search and the matcher use; an edit here would bypass that."""

from django.contrib import admin

from premises.models import Premises


@admin.register(Premises)
class PremisesAdmin(admin.ModelAdmin):
    list_display = ("uprn", "one_line", "latitude", "longitude", "updated_at")
    search_fields = ("=uprn", "postcode", "street", "building_name")
    list_per_page = 50
    show_full_result_count = False  # no count(*) over a million rows per page

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
