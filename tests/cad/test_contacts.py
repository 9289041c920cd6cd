import pytest

from cad import services
from cad.exceptions import ValidationFailed
from core.audit import audit_trail
from tests.cad.factories import call_handler

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "typed", ["07700 900123", "+44 7700 900123", "447700900123", "0044 7700 900123"]
)
def test_a_uk_number_in_any_format_is_stored_as_one_e164_number(typed):
    contact = services.contact_create(
        actor=call_handler(), channel="SWITCHBOARD", caller_phone=typed, summary="Message"
    )
    assert contact.caller_phone == "+447700900123"
    assert contact.phone_valid is True
    assert contact.caller_phone_raw == typed


def test_an_unparseable_number_is_kept_as_given_and_flagged():
    contact = services.contact_create(
        actor=call_handler(), channel="101", caller_phone="07700 9001", summary="Cut off"
    )
    assert contact.caller_phone == "07700 9001"
    assert contact.phone_valid is False


@pytest.mark.parametrize("channel", ["999", "101", "SWITCHBOARD", "ONLINE", "FRONT_COUNTER"])
def test_a_contact_is_recorded_on_every_channel_with_handler_and_time(channel):
    handler = call_handler()
    contact = services.contact_create(
        actor=handler, channel=channel, summary="Asked for an update", address="4 Mill Lane"
    )
    assert contact.handler == handler
    assert contact.received_at is not None
    assert contact.address_normalised == "4 mill lane"


def test_an_unknown_channel_is_refused_with_the_list_of_channels():
    with pytest.raises(ValidationFailed) as error:
        services.contact_create(actor=call_handler(), channel="FAX", summary="x")
    assert error.value.code == "unknown_channel"
    assert "SWITCHBOARD" in error.value.message


def test_a_contact_that_raised_no_incident_needs_a_summary():
    with pytest.raises(ValidationFailed) as error:
        services.contact_create(actor=call_handler(), channel="SWITCHBOARD", summary="  ")
    assert error.value.code == "summary_required"


def test_recording_a_contact_is_audited():
    handler = call_handler()
    contact = services.contact_create(actor=handler, channel="ONLINE", summary="Report")
    events = list(audit_trail(contact))
    assert [e.action for e in events] == ["contact.recorded"]
    assert events[0].actor == handler
