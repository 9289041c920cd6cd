import pytest
from django.core.management import call_command

from cad.models import OpeningCode


@pytest.mark.django_db
def test_an_administrator_can_add_an_opening_code_in_the_admin(client):
    call_command("create_staff", "ada", "--role", "ADMIN", "--password", "Long-enough-pw-1")
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="ada"))
    assert client.get("/django-admin/cad/openingcode/").status_code == 200
    response = client.post(
        "/django-admin/cad/openingcode/add/",
        {"code": "DRONE", "label": "Drone nuisance", "order": 500, "active": "on"},
    )
    assert response.status_code == 302
    assert OpeningCode.objects.get(code="DRONE").label == "Drone nuisance"


@pytest.mark.django_db
def test_other_roles_cannot_reach_the_admin(client, make_staff):
    client.force_login(make_staff("DISPATCHER"))
    response = client.get("/django-admin/cad/openingcode/")
    assert response.status_code == 302 and "login" in response.url
