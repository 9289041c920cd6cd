import pytest
from django.test import override_settings

from tests.factories import PASSWORD


@pytest.mark.django_db
def test_token_endpoint_returns_a_token_that_authenticates_api_calls(anon_api, make_staff):
    user = make_staff("DISPATCHER", username="tina")
    response = anon_api.post(
        "/api/v1/auth/token/", {"username": "tina", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    anon_api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = anon_api.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json() == {"username": user.username, "roles": ["DISPATCHER"]}


@pytest.mark.django_db
def test_wrong_password_gets_a_clear_401_and_no_token(anon_api, make_staff):
    make_staff("DISPATCHER", username="uma")
    response = anon_api.post(
        "/api/v1/auth/token/", {"username": "uma", "password": "nope"}, format="json"
    )
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert "token" not in response.json()


@pytest.mark.django_db
@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_account_even_for_the_right_password(anon_api, make_staff):
    make_staff("DISPATCHER", username="vic")
    for _ in range(2):
        bad = anon_api.post(
            "/api/v1/auth/token/", {"username": "vic", "password": "wrong"}, format="json"
        )
        assert bad.status_code == 401
    third = anon_api.post(
        "/api/v1/auth/token/", {"username": "vic", "password": "wrong"}, format="json"
    )
    assert third.status_code == 403
    assert third.json()["code"] == "locked_out"
    right = anon_api.post(
        "/api/v1/auth/token/", {"username": "vic", "password": PASSWORD}, format="json"
    )
    assert right.status_code == 403
    assert right.json()["code"] == "locked_out"


@pytest.mark.django_db
@override_settings(AXES_FAILURE_LIMIT=3)
def test_login_page_locks_the_account_after_repeated_failures(client, make_staff):
    make_staff("CALL_HANDLER", username="wes")
    for _ in range(3):
        client.post("/login/", {"username": "wes", "password": "wrong"})
    response = client.post("/login/", {"username": "wes", "password": PASSWORD})
    assert response.status_code in (403, 429)
    assert b"locked" in response.content.lower()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_api_without_credentials_is_refused(anon_api):
    response = anon_api.get("/api/v1/incidents/")
    assert response.status_code in (401, 403)
    assert "detail" in response.json() and "code" in response.json()


@pytest.mark.django_db
def test_pages_redirect_to_login_when_not_logged_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/login/")


@pytest.mark.django_db
def test_a_role_is_refused_an_api_it_does_not_own(api):
    officer = api("OFFICER")
    response = officer.post("/api/v1/contacts/", {"channel": "101", "summary": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.django_db
def test_a_role_is_refused_a_screen_it_does_not_own(client, make_staff):
    from django.urls import include, path
    from django.views.generic import TemplateView

    from core.permissions import RoleRequiredMixin

    class SupervisorsOnly(RoleRequiredMixin, TemplateView):
        allowed_roles = ("SUPERVISOR",)
        template_name = "core/home.html"

    client.force_login(make_staff("CALL_HANDLER"))
    urlpatterns = [
        path("only-supervisors/", SupervisorsOnly.as_view()),
        path("", include("controlroom.urls")),
    ]
    with override_settings(ROOT_URLCONF=type("urls", (), {"urlpatterns": urlpatterns})):
        assert client.get("/only-supervisors/").status_code == 403
        client.force_login(make_staff("SUPERVISOR"))
        assert client.get("/only-supervisors/").status_code == 200


@pytest.mark.django_db
def test_home_page_lists_only_the_users_role_screens(client, make_staff):
    client.force_login(make_staff("QA_REVIEWER"))
    html = client.get("/").content.decode()
    assert 'data-role="QA_REVIEWER"' in html
    assert 'data-role="CALL_HANDLER"' not in html


@pytest.mark.django_db
def test_a_token_request_reads_the_user_and_their_roles_in_one_query(
    api, django_assert_num_queries
):
    client = api("DISPATCHER", "CONTROLLER")
    with django_assert_num_queries(1) as captured:
        me = client.get("/api/v1/me/")
    assert me.json()["roles"] == ["CONTROLLER", "DISPATCHER"]
    assert '"auth_group"' in captured.captured_queries[0]["sql"]


@pytest.mark.django_db
def test_a_role_given_or_taken_away_counts_from_the_next_request(api):
    from django.contrib.auth.models import Group

    client = api("DISPATCHER")
    handler = Group.objects.get(name="CALL_HANDLER")
    body = {"channel": "101", "summary": "Switchboard message"}
    assert client.post("/api/v1/contacts/", body, format="json").status_code == 403
    client.user.groups.add(handler)
    assert client.post("/api/v1/contacts/", body, format="json").status_code == 201
    client.user.groups.remove(handler)
    assert client.post("/api/v1/contacts/", body, format="json").status_code == 403
    assert client.get("/api/v1/me/").json()["roles"] == ["DISPATCHER"]


@pytest.mark.django_db
def test_a_token_of_an_inactive_user_or_an_unknown_token_is_refused(api, anon_api):
    client = api("DISPATCHER")
    client.user.is_active = False
    client.user.save(update_fields=["is_active"])
    assert client.get("/api/v1/me/").status_code == 401
    anon_api.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")
    assert anon_api.get("/api/v1/me/").status_code == 401


def test_roles_remembered_for_a_user_are_only_roles():
    from django.contrib.auth.models import User

    from core.roles import remember_roles, user_roles

    user = User(username="x")
    remember_roles(user, ["DISPATCHER", "not-a-role"])
    assert user_roles(user) == {"DISPATCHER"}
