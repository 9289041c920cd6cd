"""How API requests say who they are."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.postgres.fields import ArrayField
from django.db import connection, models
from django.db.models.expressions import RawSQL
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
            tokens = tokens.annotate(role_names=_roles_of_the_tokens_user(model))
        try:
            token = tokens.get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if hasattr(token, "role_names"):
            remember_roles(token.user, token.role_names)
        return (token.user, token)


def _roles_of_the_tokens_user(token_model) -> RawSQL:
    """The names of the roles the token's user holds, as an array (PostgreSQL). Plain SQL: the
    ORM's subquery takes longer to build than the second query it saves."""
    quote = connection.ops.quote_name
    through = get_user_model().groups.through._meta
    user_column = through.get_field("user").column
    group_column = through.get_field("group").column
    group_id = Group._meta.pk.column
    sql = (
        f"ARRAY(SELECT g.name FROM {quote(Group._meta.db_table)} AS g "  # noqa: S608 (names)
        f"JOIN {quote(through.db_table)} AS m ON m.{quote(group_column)} = g.{quote(group_id)} "
        f"WHERE m.{quote(user_column)} = {quote(token_model._meta.db_table)}."
        f"{quote(token_model._meta.get_field('user').column)} AND g.name = ANY(%s))"
    )
    return RawSQL(sql, (list(Role.values),), output_field=ArrayField(models.CharField()))
