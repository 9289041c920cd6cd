"""Staff accounts in the Django admin, with the rule that nobody grants themselves a role.

- Roles are the control-room groups; the admin sets them through `core.staff.staff_roles_set`,
  which refuses one's own account and writes the change to the append-only audit.
- On one's own account the roles and the account flags are read-only; `is_superuser` is never
  offered to an administrator who is not one, and not on one's own account to anyone. Django
  permissions per user are not used (roles decide everything), so they are not offered.
- Groups are the fixed roles a migration creates: they are not edited here, so nobody changes
  what a role may do from the admin.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group

from core.audit import audit_record
from core.roles import Role, has_role
from core.staff import staff_roles_set

User = get_user_model()
FLAGS = ("is_active", "is_staff", "is_superuser")


class StaffAdmin(UserAdmin):
    """Accounts, for ADMIN and superusers."""

    list_display = ("username", "first_name", "last_name", "is_active", "roles")
    list_filter = ("is_active", "groups")

    @admin.display(description="Roles")
    def roles(self, user) -> str:
        return ", ".join(sorted(g.name for g in user.groups.all()))

    def _allowed(self, request) -> bool:
        return request.user.is_active and has_role(request.user, Role.ADMIN)

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return False  # accounts are deactivated, never deleted: the audit trail names them

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return super().get_fieldsets(request, obj)
        flags = ["is_active", "is_staff"]
        if request.user.is_superuser and obj.pk != request.user.pk:
            flags.append("is_superuser")
        return (
            (None, {"fields": ("username", "password")}),
            ("Personal info", {"fields": ("first_name", "last_name", "email")}),
            ("Roles", {"fields": (*flags, "groups")}),
            ("Important dates", {"fields": ("last_login", "date_joined")}),
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = ["last_login", "date_joined"]
        if obj is not None and obj.pk == request.user.pk:
            readonly += ["is_active", "is_staff", "groups"]
        return readonly

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["queryset"] = Group.objects.filter(name__in=Role.values).order_by("name")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        before = {}
        if change:
            before = User.objects.filter(pk=obj.pk).values(*FLAGS).first() or {}
        super().save_model(request, obj, form, change)
        changed = {
            f: getattr(obj, f) for f in FLAGS if f in before and before[f] != getattr(obj, f)
        }
        if changed:
            audit_record(
                actor=request.user,
                action="staff.flags_changed",
                obj=obj,
                object_type="auth.user",
                summary=f"{obj.get_username()}: "
                + ", ".join(f"{flag} {value}" for flag, value in changed.items()),
                data={"from": {f: before[f] for f in changed}, "to": changed, "via": "admin"},
            )

    def save_related(self, request, form, formsets, change):
        # Roles go through the one service (own account refused, audited), not the form.
        groups = form.cleaned_data.pop("groups", None)
        super().save_related(request, form, formsets, change)
        if groups is not None:
            staff_roles_set(actor=request.user, user=form.instance, roles=[g.name for g in groups])


admin.site.unregister(User)
admin.site.unregister(Group)
admin.site.register(User, StaffAdmin)
