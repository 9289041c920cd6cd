"""One way to lock a row for an update inside a service's transaction.

Every service that changes an incident, a unit, a marker or an alert locks the row first, so
two control-room desks acting on the same thing serialise instead of overwriting each other.
"""

from django.db import models

from core.exceptions import NotFound


def lock_row(model_or_queryset, pk, *, no_key: bool = True, label: str | None = None):
    """Return the row with primary key `pk`, locked until the transaction ends.

    `no_key=True` takes PostgreSQL's FOR NO KEY UPDATE: rows that reference this one (log
    lines, alerts, assignments) can still be inserted while it is held, which keeps the one
    lock order (incident first, then its dependants) free of deadlocks. Pass `no_key=False`
    for a full FOR UPDATE. `model_or_queryset` may be a model or a queryset (to add
    `select_related`). Must be called inside `transaction.atomic()`.

    Raises `core.exceptions.NotFound` ("<Label> <pk> does not exist.") when there is no row.
    """
    queryset = (
        model_or_queryset
        if isinstance(model_or_queryset, models.QuerySet)
        else model_or_queryset._default_manager.all()
    )
    try:
        return queryset.select_for_update(no_key=no_key).get(pk=pk)
    except queryset.model.DoesNotExist:
        name = label or queryset.model._meta.verbose_name.capitalize()
        raise NotFound(f"{name} {pk} does not exist.") from None


def lock_rows_in_order(model_or_queryset, pks, *, no_key: bool = True) -> dict:
    """Lock several rows in ascending primary-key order (the deadlock-free order).

    Returns `{pk: row}`. Raises `NotFound` for the first pk with no row.
    """
    return {pk: lock_row(model_or_queryset, pk, no_key=no_key) for pk in sorted(set(pks))}
