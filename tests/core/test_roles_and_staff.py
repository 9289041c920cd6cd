import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from core.roles import Role, has_role


@pytest.mark.django_db
def test_every_role_exists_as_a_group_after_migrating():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


@pytest.mark.django_db
def test_create_staff_creates_a_user_with_the_given_roles():
    call_command(
        "create_staff",
        "dana",
        "--role",
        "DISPATCHER",
        "--role",
        "CONTROLLER",
        "--password",
        "Long-enough-pw-1",
    )
    user = get_user_model().objects.get(username="dana")
    assert user.check_password("Long-enough-pw-1")
    assert set(user.groups.values_list("name", flat=True)) == {"DISPATCHER", "CONTROLLER"}
    assert has_role(user, Role.CONTROLLER)
    assert not has_role(user, Role.SUPERVISOR)


@pytest.mark.django_db
def test_create_staff_refuses_an_unknown_role_and_creates_nobody():
    with pytest.raises(CommandError, match="Unknown role WIZARD"):
        call_command("create_staff", "eve", "--role", "WIZARD", "--password", "x")
    assert not get_user_model().objects.filter(username="eve").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["x", "demo", "12345678", "password123"])
def test_create_staff_refuses_a_password_the_validators_refuse(password):
    with pytest.raises(CommandError, match="Password refused"):
        call_command("create_staff", "dana", "--role", "DISPATCHER", "--password", password)
    assert not get_user_model().objects.filter(username="dana").exists()


@pytest.mark.django_db
def test_create_staff_prompts_for_the_password_when_none_is_given(monkeypatch):
    answers = iter(["Prompted-pw-123", "Prompted-pw-123"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("create_staff", "fred", "--role", "OFFICER")
    assert get_user_model().objects.get(username="fred").check_password("Prompted-pw-123")


@pytest.mark.django_db
def test_create_staff_refuses_mismatched_prompted_passwords(monkeypatch):
    answers = iter(["one-password", "another-one"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError, match="did not match"):
        call_command("create_staff", "gail", "--role", "OFFICER")


@pytest.mark.django_db
def test_create_staff_is_audited(make_staff):
    from core.models import AuditEvent

    call_command("create_staff", "hana", "--role", "ADMIN", "--password", "Long-enough-pw-1")
    user = get_user_model().objects.get(username="hana")
    assert user.is_staff  # administrators maintain reference data in the admin
    assert AuditEvent.objects.filter(action="staff.created", object_id=str(user.pk)).exists()


@pytest.mark.django_db
def test_seed_demo_creates_one_login_per_role_and_is_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    users = get_user_model().objects.filter(username__in=[r.lower() for r in Role.values])
    assert users.count() == len(Role.values)
    call_handler = users.get(username="call_handler")
    assert call_handler.check_password("demo")
    assert list(call_handler.groups.values_list("name", flat=True)) == ["CALL_HANDLER"]


@pytest.mark.django_db
def test_seed_demo_refuses_known_passwords_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo")
