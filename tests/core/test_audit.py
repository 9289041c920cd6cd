import pytest
from django.db import DatabaseError, connection, transaction

from core.audit import audit_record, audit_trail
from core.models import AuditEvent


@pytest.mark.django_db
def test_audit_record_appends_an_event_about_an_object(make_staff):
    user = make_staff("SUPERVISOR")
    event = audit_record(actor=user, action="thing.done", obj=user, summary="did it", data={"a": 1})
    assert list(audit_trail(user)) == [event]
    assert event.actor == user and event.data == {"a": 1}


@pytest.mark.django_db
def test_the_database_refuses_to_update_an_audit_event(make_staff):
    event = audit_record(actor=None, action="x", object_type="t", object_id=1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE core_auditevent SET action = 'forged' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "x"


@pytest.mark.django_db
def test_the_database_refuses_to_delete_an_audit_event():
    event = audit_record(actor=None, action="x", object_type="t", object_id=1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
def test_the_orm_cannot_save_changes_to_an_audit_event_either():
    event = audit_record(actor=None, action="x", object_type="t", object_id=1)
    event.action = "forged"
    with pytest.raises(DatabaseError), transaction.atomic():
        event.save()
