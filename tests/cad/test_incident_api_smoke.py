import pytest


@pytest.mark.django_db
def test_a_999_call_creates_an_incident_with_reference_contact_and_target(api):
    client = api("CALL_HANDLER")
    response = client.post(
        "/api/v1/incidents/",
        {
            "channel": "999",
            "caller_phone": "07700 900123",
            "address": "12 Acacia Avenue, Leeds LS6 2AB",
            "narrative": "Man shouting in the street",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"].startswith("CAD-")
    assert body["caller_phone"] == "+447700900123"
    assert body["log"][0]["text"] == "Man shouting in the street"
