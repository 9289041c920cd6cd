"""Reference data administrators maintain (ADMIN role): opening and closing codes. Codes are
never deleted (incidents refer to them); untick `active` to retire one."""

from django.contrib import admin

from cad.models import ClosingCode, OpeningCode


class ReferenceCodeAdmin(admin.ModelAdmin):
    search_fields = ("code", "label")
    list_filter = ("active",)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()


@admin.register(OpeningCode)
class OpeningCodeAdmin(ReferenceCodeAdmin):
    list_display = ("code", "label", "order", "active")
    list_editable = ("order", "active")


@admin.register(ClosingCode)
class ClosingCodeAdmin(ReferenceCodeAdmin):
    list_display = ("code", "label", "active")
    list_editable = ("active",)
