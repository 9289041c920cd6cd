from datetime import timedelta

import pytest

from cad.exceptions import Conflict, Forbidden, ValidationFailed
from core.audit import audit_trail
from core.models import Notification
from riskflags import services
from riskflags.models import Marker, MarkerStatus, VictimContact
from tests.riskflags.conftest import ADDRESS, T0

pytestmark = pytest.mark.django_db


def _contact(marker, actor, purpose, outcome="NO_ANSWER", now=T0):
    return services.victim_contact_record(
        actor=actor,
        marker=marker,
        purpose=purpose,
        method="PHONE",
        outcome=outcome,
        notes="Rang twice",
        now=now,
    )


def test_a_new_marker_is_active_at_once_with_its_address_and_number_normalised(create_marker):
    marker = create_marker(address="12 acacia ave, leeds, ls62ab", phone="07700 900123")

    assert marker.status == MarkerStatus.ACTIVE
    assert marker.address_normalised == "12 acacia avenue leeds ls6 2ab"
    assert marker.phones == ["+447700900123"]
    assert marker.grade_floor == "IMMEDIATE"


def test_creating_a_marker_tells_the_oic_the_victim_must_be_informed(create_marker, oic):
    marker = create_marker()

    note = Notification.objects.get(user=oic, kind="marker.inform_victim")
    assert f"#{marker.pk}" in note.text and "Anne Example" in note.text
    assert note.link == f"/markers/{marker.pk}/"


def test_creating_a_marker_is_audited(create_marker, oic):
    marker = create_marker()

    [event] = audit_trail(marker).filter(action="marker.created")
    assert event.actor == oic
    assert event.data["reason"] == "Ex-husband threatened to kill her"


def test_a_marker_lasting_more_than_183_days_is_refused_and_nothing_is_saved(create_marker):
    with pytest.raises(ValidationFailed) as error:
        create_marker(starts_at=T0 - timedelta(days=100), expires_at=T0 + timedelta(days=120))

    assert error.value.code == "marker_too_long"
    assert not Marker.objects.exists()


def test_a_marker_of_exactly_183_days_is_allowed(create_marker):
    marker = create_marker(expires_at=T0 + timedelta(days=183))

    assert marker.expires_at - marker.starts_at == timedelta(days=183)


def test_an_expiry_before_the_start_is_refused(create_marker):
    with pytest.raises(ValidationFailed) as error:
        create_marker(expires_at=T0 - timedelta(hours=1))

    assert error.value.code == "expires_before_start"


def test_a_backdated_marker_that_has_already_ended_is_refused(create_marker):
    with pytest.raises(ValidationFailed) as error:
        create_marker(starts_at=T0 - timedelta(days=30), expires_at=T0 - timedelta(days=1))

    assert error.value.code == "expires_in_past"


def test_a_marker_cannot_start_in_the_future(create_marker):
    with pytest.raises(ValidationFailed) as error:
        create_marker(starts_at=T0 + timedelta(days=2), expires_at=T0 + timedelta(days=30))

    assert error.value.code == "starts_in_future"


def test_an_unknown_oic_is_refused(create_marker):
    with pytest.raises(ValidationFailed) as error:
        create_marker(oic="nobody")

    assert error.value.code == "unknown_oic"
    assert not Marker.objects.exists()


def test_an_oic_must_hold_the_oic_role(create_marker, make_staff):
    make_staff("CALL_HANDLER", username="handler1")

    with pytest.raises(ValidationFailed) as error:
        create_marker(oic="handler1")

    assert error.value.code == "not_an_oic"


def test_a_call_handler_cannot_create_a_marker(create_marker, make_staff):
    with pytest.raises(Forbidden):
        create_marker(actor=make_staff("CALL_HANDLER"))


def test_a_contact_attempt_is_recorded_with_its_outcome_and_audited(create_marker, oic):
    marker = create_marker()

    contact = _contact(marker, oic, "START", outcome="CONTACTED", now=T0 + timedelta(hours=2))

    assert contact.purpose == "START" and contact.outcome == "CONTACTED"
    assert contact.recorded_by == oic
    assert audit_trail(marker).filter(action="marker.contact_recorded").count() == 1


def test_a_contact_with_an_unknown_outcome_is_refused(create_marker, oic):
    marker = create_marker()

    with pytest.raises(ValidationFailed):
        services.victim_contact_record(
            actor=oic, marker=marker, purpose="START", method="PHONE", outcome="MAYBE", now=T0
        )

    assert not VictimContact.objects.exists()


def test_withdrawal_without_victim_contact_is_refused(create_marker, oic):
    marker = create_marker()

    with pytest.raises(Conflict) as error:
        services.marker_withdraw(actor=oic, marker=marker, reason="No further incidents", now=T0)

    assert error.value.code == "victim_contact_required"
    marker.refresh_from_db()
    assert marker.status == MarkerStatus.ACTIVE
    assert not audit_trail(marker).filter(action="marker.withdrawn").exists()


def test_a_contact_for_another_purpose_does_not_permit_withdrawal(create_marker, oic):
    marker = create_marker()
    _contact(marker, oic, "START", outcome="CONTACTED")

    with pytest.raises(Conflict):
        services.marker_withdraw(actor=oic, marker=marker, reason="No further incidents", now=T0)


def test_withdrawal_after_a_failed_contact_attempt_succeeds_and_keeps_the_marker(
    create_marker, oic
):
    marker = create_marker()
    _contact(marker, oic, "WITHDRAWAL", outcome="NO_ANSWER")

    marker = services.marker_withdraw(
        actor=oic, marker=marker, reason="No further incidents", now=T0 + timedelta(hours=1)
    )

    assert marker.status == MarkerStatus.WITHDRAWN
    assert marker.withdrawn_at == T0 + timedelta(hours=1)
    assert marker.withdrawn_by == oic
    [event] = audit_trail(marker).filter(action="marker.withdrawn")
    assert event.data["victim_contacted"] is False
    assert Marker.objects.filter(pk=marker.pk).exists()


def test_a_withdrawn_marker_cannot_be_withdrawn_again(create_marker, oic):
    marker = create_marker()
    _contact(marker, oic, "WITHDRAWAL")
    services.marker_withdraw(actor=oic, marker=marker, reason="No further incidents", now=T0)

    with pytest.raises(Conflict) as error:
        services.marker_withdraw(actor=oic, marker=marker, reason="Again", now=T0)

    assert error.value.code == "marker_withdrawn"


def test_editing_a_withdrawn_marker_is_refused_and_nothing_changes(create_marker, oic):
    marker = create_marker()
    _contact(marker, oic, "WITHDRAWAL")
    services.marker_withdraw(actor=oic, marker=marker, reason="No further incidents", now=T0)

    with pytest.raises(Conflict):
        services.marker_update(actor=oic, marker=marker, reason="Changed", now=T0)
    with pytest.raises(Conflict):
        services.marker_extend(
            actor=oic, marker=marker, expires_at=T0 + timedelta(days=100), reason="x", now=T0
        )

    marker.refresh_from_db()
    assert marker.reason == "Ex-husband threatened to kill her"
    assert marker.status == MarkerStatus.WITHDRAWN


def test_extension_without_an_extension_contact_is_refused(create_marker, oic):
    marker = create_marker()
    _contact(marker, oic, "REVIEW", outcome="CONTACTED")

    with pytest.raises(Conflict) as error:
        services.marker_extend(
            actor=oic, marker=marker, expires_at=T0 + timedelta(days=120), reason="Risk", now=T0
        )

    assert error.value.code == "victim_contact_required"
    marker.refresh_from_db()
    assert marker.expires_at == T0 + timedelta(days=90)


def test_extension_after_a_contact_moves_the_expiry_and_is_audited(create_marker, oic):
    marker = create_marker()
    later = T0 + timedelta(days=80)
    _contact(marker, oic, "EXTENSION", outcome="CONTACTED", now=later)

    marker = services.marker_extend(
        actor=oic,
        marker=marker,
        expires_at=later + timedelta(days=183),
        reason="He is out of prison next month",
        now=later,
    )

    assert marker.expires_at == later + timedelta(days=183)
    [event] = audit_trail(marker).filter(action="marker.extended")
    assert event.data["reason"] == "He is out of prison next month"


def test_a_second_extension_needs_a_new_contact_attempt(create_marker, oic):
    marker = create_marker()
    _contact(marker, oic, "EXTENSION", now=T0 + timedelta(days=1))
    services.marker_extend(
        actor=oic,
        marker=marker,
        expires_at=T0 + timedelta(days=120),
        reason="Risk remains",
        now=T0 + timedelta(days=1),
    )

    with pytest.raises(Conflict):
        services.marker_extend(
            actor=oic,
            marker=marker,
            expires_at=T0 + timedelta(days=150),
            reason="Again",
            now=T0 + timedelta(days=2),
        )


def test_an_extension_beyond_183_days_from_now_is_refused(create_marker, oic):
    marker = create_marker()
    _contact(marker, oic, "EXTENSION")

    with pytest.raises(ValidationFailed) as error:
        services.marker_extend(
            actor=oic, marker=marker, expires_at=T0 + timedelta(days=200), reason="x", now=T0
        )

    assert error.value.code == "marker_too_long"


def test_editing_an_active_marker_records_before_and_after(create_marker, oic):
    marker = create_marker()

    services.marker_update(
        actor=oic,
        marker=marker,
        phones=["07700 900123", "07700 900999"],
        reason="Threats to kill",
        now=T0,
    )

    marker.refresh_from_db()
    assert marker.phones == ["+447700900123", "+447700900999"]
    [event] = audit_trail(marker).filter(action="marker.updated")
    assert event.data["before"]["phones"] == ["+447700900123"]
    assert event.data["after"]["reason"] == "Threats to kill"


def test_removing_a_number_by_editing_is_refused_as_a_withdrawal(create_marker, oic):
    marker = create_marker()

    with pytest.raises(Conflict) as error:
        services.marker_update(actor=oic, marker=marker, phones=["07700 900999"], now=T0)

    assert error.value.code == "use_withdrawal"
    assert "withdraw the marker" in str(error.value).lower()
    marker.refresh_from_db()
    assert marker.phones == ["+447700900123"]


def test_lowering_the_grade_floor_by_editing_is_refused_as_a_withdrawal(create_marker, oic):
    marker = create_marker(grade_floor="IMMEDIATE")

    with pytest.raises(Conflict) as error:
        services.marker_update(actor=oic, marker=marker, grade_floor="PRIORITY", now=T0)

    assert error.value.code == "use_withdrawal"
    marker.refresh_from_db()
    assert marker.grade_floor == "IMMEDIATE"


def test_raising_the_grade_floor_by_editing_is_allowed(create_marker, oic):
    marker = create_marker(grade_floor="PRIORITY")

    services.marker_update(actor=oic, marker=marker, grade_floor="IMMEDIATE", now=T0)

    marker.refresh_from_db()
    assert marker.grade_floor == "IMMEDIATE"


def test_another_oic_cannot_manage_the_marker(create_marker, make_staff):
    marker = create_marker()
    other = make_staff("OIC", username="oic_jones")

    for act in (
        lambda: services.marker_update(actor=other, marker=marker, reason="x", now=T0),
        lambda: services.marker_withdraw(actor=other, marker=marker, reason="x", now=T0),
        lambda: services.marker_extend(
            actor=other, marker=marker, expires_at=T0 + timedelta(days=90), reason="x", now=T0
        ),
        lambda: _contact(marker, other, "START"),
    ):
        with pytest.raises(Forbidden) as error:
            act()
        assert error.value.code == "not_this_markers_oic"


def test_a_supervisor_manages_any_marker(create_marker, supervisor):
    marker = create_marker()

    services.marker_update(actor=supervisor, marker=marker, reason="Updated by sgt", now=T0)

    marker.refresh_from_db()
    assert marker.reason == "Updated by sgt"


def test_the_same_address_typed_differently_matches_the_marker(create_marker):
    create_marker()

    marker = Marker.objects.get()

    assert marker.address == ADDRESS
