"""How API requests say who they are."""

from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import OuterRef
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from core.roles import Role, remember_roles


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication ("Authorization: Token <key>"), which also reads the user's
    roles in the same query on PostgreSQL, so a request's role checks (`core.roles`) do not
    read them again: one query per request instead of two. The roles are the ones
    `core.roles.user_roles` reads, read during the same request, so every check stays as
    strict. Returns (user, token); raises AuthenticationFailed for an unknown key or an
    inactive user, as DRF's does."""

    def authenticate_credentials(self, key):
        model = self.get_model()
        tokens = model.objects.select_related("user")
        if connection.vendor == "postgresql":
            tokens = tokens.annotate(
                role_names=ArraySubquery(
                    Group.objects.filter(user=OuterRef("user_id"), name__in=Role.values)
                    .order_by()
                    .values("name")
                )
            )
        try:
            token = tokens.get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if hasattr(token, "role_names"):
            remember_roles(token.user, token.role_names)
        return (token.user, token)
