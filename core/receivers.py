"""Live sockets follow the account: receivers that close a user's sockets the moment their
account changes, whichever way it changed (a service, the Django admin, a shell).

- Deactivation (a user saved with `is_active` false) and logout close with 4401: the page stops
  reconnecting and asks the person to log in again. Logout closes only the sockets of the
  session that ended.
- A change of groups (roles) closes with 4000: the page reconnects at once and the socket is
  given the groups of the new roles, or refused with 4403 when none is left.
- A password change closes with 4000 too: the reconnect is accepted only for a session that
  Django kept valid (the one that changed it, `update_session_auth_hash`); every other session's
  socket is refused with 4401, as its pages are sent to the login.

Connected from `CoreConfig.ready()` (`connect()`).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import m2m_changed, post_save, pre_save

from core.live import CLOSE_ACCOUNT_CHANGED, CLOSE_UNAUTHENTICATED, user_sockets_close


def on_logged_out(sender, request=None, user=None, **kwargs):
    if user is None:
        return
    session = getattr(request, "session", None)
    user_sockets_close(
        user.pk,
        code=CLOSE_UNAUTHENTICATED,
        reason="logged out",
        session_key=getattr(session, "session_key", None),
    )


def on_user_saving(sender, instance, raw=False, update_fields=None, **kwargs):
    """Note whether this save changes the password (read before the row is overwritten)."""
    instance._cad_password_changed = False
    if (
        raw
        or instance.pk is None
        or (update_fields is not None and "password" not in update_fields)
    ):
        return
    stored = sender._default_manager.filter(pk=instance.pk).values_list("password", flat=True)
    instance._cad_password_changed = stored.first() not in (None, instance.password)


def on_user_saved(sender, instance, created=False, **kwargs):
    if not created and not instance.is_active:
        user_sockets_close(instance.pk, code=CLOSE_UNAUTHENTICATED, reason="account deactivated")
    elif getattr(instance, "_cad_password_changed", False):
        user_sockets_close(instance.pk, code=CLOSE_ACCOUNT_CHANGED, reason="password changed")


def on_groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """`user.groups` (forward) or `group.user_set` (reverse) changed."""
    if action == "pre_clear" and reverse:
        # Who is in the group is gone after the clear: note it now.
        instance._cad_cleared_users = list(instance.user_set.values_list("pk", flat=True))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        user_ids = [instance.pk]
    elif action == "post_clear":
        user_ids = getattr(instance, "_cad_cleared_users", [])
    else:
        user_ids = sorted(pk_set or ())
    for user_id in user_ids:
        user_sockets_close(user_id, code=CLOSE_ACCOUNT_CHANGED, reason="roles changed")


def connect() -> None:
    User = get_user_model()
    user_logged_out.connect(on_logged_out, dispatch_uid="core.live_close_on_logout")
    pre_save.connect(on_user_saving, sender=User, dispatch_uid="core.live_note_password_change")
    post_save.connect(on_user_saved, sender=User, dispatch_uid="core.live_close_on_deactivation")
    m2m_changed.connect(
        on_groups_changed,
        sender=User.groups.through,
        dispatch_uid="core.live_close_on_role_change",
    )
