"""Nobody grants themselves a role: the Django admin does not offer one's own roles or
`is_superuser`, and every role change (admin, service, `create_staff`) is in the audit."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from core.exceptions import Forbidden
from core.models import AuditEvent
from core.staff import staff_roles_set
from tests.factories import staff

pytestmark = pytest.mark.django_db


def _role_ids(*names):
    return [str(g.pk) for g in Group.objects.filter(name__in=names)]


def _change_form(user, **overrides):
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "is_staff": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
    }
    data.update(overrides)
    return data


def test_an_administrator_cannot_give_itself_a_role_or_superuser_in_the_admin(client):
    admin_user = staff("ADMIN", is_staff=True)
    client.force_login(admin_user)
    url = f"/django-admin/auth/user/{admin_user.pk}/change/"

    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="is_superuser"' not in html
    assert 'name="groups"' not in html
    assert 'name="user_permissions"' not in html

    client.post(
        url,
        _change_form(admin_user, is_superuser="on", groups=_role_ids("ADMIN", "SUPPORT_OPERATOR")),
    )

    admin_user.refresh_from_db()
    assert not admin_user.is_superuser
    assert sorted(admin_user.groups.values_list("name", flat=True)) == ["ADMIN"]


def test_an_administrator_changing_another_accounts_roles_is_audited(client):
    admin_user = staff("ADMIN", is_staff=True)
    other = staff("CALL_HANDLER")
    client.force_login(admin_user)
    url = f"/django-admin/auth/user/{other.pk}/change/"
    assert 'name="is_superuser"' not in client.get(url).content.decode()

    response = client.post(
        url, _change_form(other, is_staff="", groups=_role_ids("CALL_HANDLER", "DISPATCHER"))
    )

    assert response.status_code == 302
    assert sorted(other.groups.values_list("name", flat=True)) == ["CALL_HANDLER", "DISPATCHER"]
    event = AuditEvent.objects.get(action="staff.roles_changed", object_id=str(other.pk))
    assert event.actor == admin_user
    assert event.data == {"from": ["CALL_HANDLER"], "to": ["CALL_HANDLER", "DISPATCHER"]}


def test_role_groups_and_their_permissions_are_not_editable_in_the_admin(client):
    client.force_login(staff("ADMIN", is_staff=True))

    assert client.get("/django-admin/auth/group/").status_code == 404


def test_the_roles_service_refuses_ones_own_account():
    admin_user = staff("ADMIN")

    with pytest.raises(Forbidden) as refused:
        staff_roles_set(actor=admin_user, user=admin_user, roles=["ADMIN", "SUPPORT_OPERATOR"])

    assert refused.value.code == "own_roles"
    assert not admin_user.groups.filter(name="SUPPORT_OPERATOR").exists()


def test_create_staff_records_the_roles_before_and_after_and_who_ran_it():
    user = staff("CALL_HANDLER", username="carol")

    call_command("create_staff", "carol", "--role", "SUPPORT_OPERATOR", "--password", "Xy-9876543")

    event = AuditEvent.objects.filter(action="staff.updated", object_id=str(user.pk)).get()
    assert event.data["from"] == ["CALL_HANDLER"]
    assert event.data["to"] == ["CALL_HANDLER", "SUPPORT_OPERATOR"]
    assert event.data["via"].startswith("create_staff by ")
