"""Several independent reads in one round trip to the database.

A call being taken asks many small questions whose answers do not depend on each other (the
records, contacts and incidents at the caller's number and premises). Each is a statement the
database answers in well under a millisecond; sent one by one, each also costs a round trip
and a wake-up of both processes. `rows_together` sends them as one statement on PostgreSQL.
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet


def rows_together(querysets: list[QuerySet]) -> list[list[dict]]:
    """The rows of each `values()` queryset, as dicts keyed by column name, in no particular
    order (callers must not depend on it). On PostgreSQL one statement: each query's rows become one JSON array of the answer's
    single row. Values therefore come back as JSON gives them: numbers, strings, booleans,
    None and JSON columns decoded (as `JSONField` decodes them); select no dates or decimals.
    On other databases, one query each."""
    if not querysets:
        return []
    if connection.vendor != "postgresql":
        return [list(queryset) for queryset in querysets]
    columns, params = [], []
    for queryset in querysets:
        try:
            sql, query_params = queryset.query.sql_with_params()
        except EmptyResultSet:
            columns.append("'[]'::json")
            continue
        columns.append(f"COALESCE((SELECT json_agg(t) FROM ({sql}) AS t), '[]'::json)")
        params.extend(query_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(columns), params)
        return list(cursor.fetchone())
