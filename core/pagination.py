"""Keyset (cursor) pagination: pages that do not shift under a reader.

A page number is a position in a list that moves: close an incident on page 1 and the first
incident of page 2 slides onto page 1, unseen; record a new call and the last of page 1 is
shown again on page 2. A keyset cursor instead remembers the sort values of the last row shown
and asks for the rows that sort after it, so rows added or removed elsewhere in the list never
make the reader skip or repeat one.

The ordering is the queryset's own (`order_by`, or the model's `Meta.ordering`), so the
selector that builds a list stays the one place that says how it is sorted. Every key must be a
column or an annotation on the row (no `__` lookups); the primary key is added last when it is
not there already, so every row has a unique position. NULLs sort as PostgreSQL sorts them by
default (last going up, first going down) unless the ordering says `nulls_last`/`nulls_first`.

`keyset_page` serves HTML screens; `CursorPagination` (the API's default) wraps it in DRF's
cursor paginator, keeping `{next, previous, results}` and adding `count` only on request
(`?count=true`), since counting a large list costs what the page saved.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from django.db.models import F, OrderBy, Q, QuerySet
from rest_framework import pagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import replace_query_param

from core.exceptions import ValidationFailed

MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class Key:
    """One sort key: `name` (a column or annotation), its direction and where NULLs go."""

    name: str
    descending: bool = False
    nulls_last: bool = True

    def reversed(self) -> Key:
        return Key(self.name, not self.descending, not self.nulls_last)

    def order_by(self) -> OrderBy:
        nulls = {"nulls_last": True} if self.nulls_last else {"nulls_first": True}
        return OrderBy(F(self.name), descending=self.descending, **nulls)

    def after(self, value) -> Q:
        """Rows that sort strictly after `value` on this key alone."""
        if value is None:
            # NULLs at the end: nothing follows a NULL; NULLs first: every value does.
            return Q(pk__in=[]) if self.nulls_last else Q(**{f"{self.name}__isnull": False})
        found = Q(**{f"{self.name}__{'lt' if self.descending else 'gt'}": value})
        if self.nulls_last:
            found |= Q(**{f"{self.name}__isnull": True})
        return found

    def equal(self, value) -> Q:
        if value is None:
            return Q(**{f"{self.name}__isnull": True})
        return Q(**{self.name: value})


def _key(entry) -> Key:
    if isinstance(entry, str):
        descending = entry.startswith("-")
        name = entry.lstrip("-+")
        return Key(name, descending, nulls_last=not descending)
    if isinstance(entry, OrderBy) and isinstance(entry.expression, F):
        if entry.nulls_last:
            nulls_last = True
        elif entry.nulls_first:
            nulls_last = False
        else:
            nulls_last = not entry.descending
        return Key(entry.expression.name, entry.descending, nulls_last)
    raise TypeError(f"Keyset pagination cannot order by {entry!r}: use a column or annotation.")


def ordering_keys(queryset: QuerySet) -> list[Key]:
    """The queryset's ordering as keys, ending with the primary key (a unique position)."""
    entries = list(queryset.query.order_by) or list(queryset.model._meta.ordering or ())
    keys = [_key(entry) for entry in entries]
    for key in keys:
        if "__" in key.name or key.name == "?":
            raise TypeError(f"Keyset pagination needs columns on the row, not '{key.name}'.")
    names = {key.name for key in keys}
    if not names & {"pk", "id", queryset.model._meta.pk.name}:
        last = keys[-1].descending if keys else False
        keys.append(Key("pk", last, nulls_last=not last))
    return keys


def _after_position(keys: list[Key], position: list) -> Q:
    """Rows after `position` in the order of `keys` (lexicographic: equal on the first keys,
    then after on the next one)."""
    found = Q(pk__in=[])
    equal_so_far = Q()
    for key, value in zip(keys, position, strict=True):
        found |= equal_so_far & key.after(value)
        equal_so_far &= key.equal(value)
    return found


def _json_value(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value


def position_of(row, keys: list[Key]) -> list:
    return [_json_value(getattr(row, "pk" if k.name == "pk" else k.name)) for k in keys]


def encode_cursor(position: list, *, reverse: bool) -> str:
    raw = json.dumps({"p": position, "r": 1 if reverse else 0}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, keys: list[Key]) -> tuple[list, bool]:
    """`(position, reverse)`; raises ValidationFailed (`invalid_cursor`) for anything else,
    including a cursor from another list (a different number of keys)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        position, reverse = data["p"], bool(data.get("r"))
        valid = isinstance(position, list) and len(position) == len(keys)
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeError):
        valid = False
    if not valid:
        raise ValidationFailed(
            "That page cursor is not valid here: start again from the first page.",
            code="invalid_cursor",
        )
    return position, reverse


@dataclass
class KeysetPage:
    """One page: `items` in list order, and the cursors of the pages either side (None at an
    end)."""

    items: list
    next_cursor: str | None = None
    previous_cursor: str | None = None
    keys: list[Key] = field(default_factory=list)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


def keyset_page(queryset: QuerySet, *, cursor: str | None, size: int) -> KeysetPage:
    """The page of `size` rows after (or, for a `previous` cursor, before) the cursor's
    position; the first page without one. Two queries at most: none counts the list.

    Raises ValidationFailed (`invalid_cursor`) for a cursor that is not one of this list's."""
    keys = ordering_keys(queryset)
    position, reverse = decode_cursor(cursor, keys) if cursor else (None, False)
    order = [k.reversed() for k in keys] if reverse else keys
    rows = queryset.order_by(*[k.order_by() for k in order])
    if position is not None:
        rows = rows.filter(_after_position(order, position))
    fetched = list(rows[: size + 1])
    items = fetched[:size]
    more = len(fetched) > size
    if reverse:
        items.reverse()
    page = KeysetPage(items=items, keys=keys)
    # Forward: more rows after this page means a next page; a cursor means rows before it.
    # Backward (a `previous` cursor) the other way round.
    has_next = more if not reverse else True
    has_previous = (position is not None) if not reverse else more
    if items:
        if has_next:
            page.next_cursor = encode_cursor(position_of(items[-1], keys), reverse=False)
        if has_previous:
            page.previous_cursor = encode_cursor(position_of(items[0], keys), reverse=True)
    elif position is not None:
        # An empty page (the rows after the cursor went): step back or on from the cursor itself.
        page.previous_cursor = encode_cursor(position, reverse=True) if not reverse else None
        page.next_cursor = encode_cursor(position, reverse=False) if reverse else None
    return page


COUNT_VALUES = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def wants_count(value) -> bool:
    """`?count=`: true/1/yes or false/0/no (any case); absent or empty is false.

    Raises ValidationFailed (`invalid_count`) for anything else, so a typo is not read as "no"."""
    text = str(value or "").strip().lower()
    if not text:
        return False
    if text not in COUNT_VALUES:
        raise ValidationFailed(
            f"count must be true or false, not {str(value)[:40]!r}.", code="invalid_count"
        )
    return COUNT_VALUES[text]


class CursorPagination(pagination.CursorPagination):
    """The API's pagination: DRF's cursor paginator over `keyset_page`.

    `?page_size=` (1 to 500), `?cursor=` from a `next`/`previous` link, `?count=true` to add
    the total. The response is `{next, previous, results}` (+ `count` when asked)."""

    page_size = api_settings.PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    count_query_param = "count"
    ordering = None  # the queryset's own
    template = None

    def get_page_size(self, request):
        """`?page_size=` as asked (at most 500), the default without it. Anything but a positive
        whole number is a 400 (DRF would quietly fall back to the default, so a client's typo
        would go unnoticed)."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None:
            try:
                size = int(raw)
            except ValueError:
                size = 0
            if size < 1 or str(size) != raw.strip():
                raise ValidationFailed(
                    f"page_size must be a whole number from 1 to {self.max_page_size}.",
                    code="invalid_page_size",
                )
        return super().get_page_size(request)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        if not self.page_size:
            return None
        self.base_url = request.build_absolute_uri()
        self.count = (
            queryset.count()
            if wants_count(request.query_params.get(self.count_query_param))
            else None
        )
        self.keyset = keyset_page(
            queryset, cursor=request.query_params.get(self.cursor_query_param), size=self.page_size
        )
        return self.keyset.items

    def _link(self, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        return replace_query_param(self.base_url, self.cursor_query_param, cursor)

    def get_next_link(self):
        return self._link(self.keyset.next_cursor)

    def get_previous_link(self):
        return self._link(self.keyset.previous_cursor)

    def get_paginated_response(self, data):
        body = {"next": self.get_next_link(), "previous": self.get_previous_link()}
        if self.count is not None:
            body["count"] = self.count
        body["results"] = data
        return Response(body)

    def get_paginated_response_schema(self, schema):
        described = super().get_paginated_response_schema(schema)
        described["properties"]["count"] = {
            "type": "integer",
            "description": "The total, only with ?count=true.",
        }
        return described

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = (
                    f"Rows per page, at most {self.max_page_size} (a larger number is served "
                    f"as {self.max_page_size})."
                )
        return parameters + [
            {
                "name": self.count_query_param,
                "required": False,
                "in": "query",
                "description": "true: add the total number of rows (`count`).",
                "schema": {"type": "boolean"},
            }
        ]
