from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Control room core: roles, audit, live updates"

    def ready(self):
        from core.screens import register_core_screens

        register_core_screens()
        # Every app's post_migrate: permissions are created app by app, after core's own.
        post_migrate.connect(grant_admin_permissions, dispatch_uid="core.grant_admin_permissions")
        # Live sockets close when their user is deactivated, changes roles or logs out.
        from core import receivers

        receivers.connect()


# Models the ADMIN role maintains in the Django admin (reference data and users).
ADMIN_MODELS = {
    "auth": None,
    "cad": {"openingcode", "closingcode", "gradepolicy"},
    "dispatch": None,
    "monitoring": None,
    "staffing": None,
    "intelligence": None,
    "riskflags": None,
    "axes": None,
}


def grant_admin_permissions(**kwargs):
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.filter(name="ADMIN").first()
    if group is None:
        return
    perms = []
    for perm in Permission.objects.select_related("content_type"):
        app, model = perm.content_type.app_label, perm.content_type.model
        if app in ADMIN_MODELS and (ADMIN_MODELS[app] is None or model in ADMIN_MODELS[app]):
            # Audit rows are append-only everywhere, admin included.
            if not perm.codename.startswith("delete_") or app in ("auth", "axes"):
                perms.append(perm)
    group.permissions.add(*perms)
