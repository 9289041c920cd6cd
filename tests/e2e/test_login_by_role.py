import pytest


@pytest.mark.django_db(transaction=True)
def test_each_role_logs_in_and_sees_its_own_home_page(login, page, make_staff, live_server):
    handler = make_staff("CALL_HANDLER", username="ann_handler")
    supervisor = make_staff("SUPERVISOR", username="sam_supervisor")

    login(handler)
    assert page.locator(".role-home[data-role=CALL_HANDLER]").is_visible()
    assert page.locator(".role-home[data-role=SUPERVISOR]").count() == 0
    assert page.get_by_text("Call taking").first.is_visible()
    page.click("text=Log out")
    page.wait_for_url(f"{live_server.url}/login/")

    login(supervisor)
    assert page.locator(".role-home[data-role=SUPERVISOR]").is_visible()
    assert page.locator(".role-home[data-role=CALL_HANDLER]").count() == 0
    assert page.get_by_text("Downgrade sign-off").first.is_visible()
