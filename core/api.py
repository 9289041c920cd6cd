"""Shared API plumbing: error format, pagination, auth token and live ticket endpoints."""

import logging

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from core import services
from core.exceptions import DomainError, Forbidden, Unauthenticated
from core.serializers import UNKNOWN_FIELD, InputSerializer, QueryInput

logger = logging.getLogger(__name__)


def parse_input(serializer_class, data, **kwargs) -> dict:
    """Validate request data with a shape-only serializer and return its `validated_data`.

    The serializer must be a `core.serializers.InputSerializer` (a body: unknown fields are a
    400 `unknown_field`) or `QueryInput` (a query string); anything else is a programming
    error (TypeError), so no view can read a body that lets a misspelt field pass.

    Raises DRF's `ValidationError`, which `exception_handler` answers as a 400
    `{"detail", "code", "errors"}`. `kwargs` go to the serializer (e.g. `context`).
    """
    if not issubclass(serializer_class, InputSerializer | QueryInput):
        raise TypeError(
            f"{serializer_class.__name__} must subclass core.serializers.InputSerializer "
            "(request bodies) or QueryInput (query strings)."
        )
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def exception_handler(exc, context):
    """Every error is `{"detail": str, "code": str}` (plus field errors where there are any).
    A database or Redis outage (`core.unavailable`): 503 with `Retry-After`."""
    from core.unavailable import outage_of, outage_response

    if outage_of(exc) is not None:
        return outage_response(context["request"], exc) if context.get("request") else None
    if isinstance(exc, DomainError):
        body = {"detail": exc.message, "code": exc.code}
        if exc.fields:
            body["errors"] = exc.fields
        return Response(body, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        code = UNKNOWN_FIELD if UNKNOWN_FIELD in _codes(exc.get_codes()) else "invalid"
        body = {"detail": _first_message(data), "code": code, "errors": data}
    elif isinstance(data, dict) and "detail" in data:
        body = dict(data)
        body["detail"] = str(data["detail"])
        codes = exc.get_codes() if hasattr(exc, "get_codes") else None
        body["code"] = codes if isinstance(codes, str) else getattr(exc, "default_code", "error")
    else:
        body = {"detail": str(data), "code": "error"}
    response.data = body
    return response


def _codes(codes) -> set[str]:
    """Every error code in DRF's nested `get_codes()` answer."""
    if isinstance(codes, dict):
        return set().union(*(_codes(value) for value in codes.values()))
    if isinstance(codes, list):
        return set().union(*(_codes(value) for value in codes))
    return {codes}


def _first_message(data) -> str:
    """A readable one-line summary of DRF field errors: 'field: message'."""
    if isinstance(data, dict):
        for key, value in data.items():
            inner = _first_message(value)
            return inner if key in ("non_field_errors", "detail") else f"{key}: {inner}"
    if isinstance(data, list) and data:
        return _first_message(data[0])
    return str(data)


class LoginThrottle(AnonRateThrottle):
    rate = "30/min"


class TokenView(APIView):
    """POST {username, password} -> {token}. Locked accounts (django-axes) get 403."""

    authentication_classes = []
    permission_classes = [AllowAny]

    class Input(InputSerializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=256, trim_whitespace=False)

    @extend_schema(
        request=Input,
        responses={
            200: inline_serializer("Token", {"token": serializers.CharField()}),
            401: OpenApiResponse(description="Wrong username or password, or inactive"),
            403: OpenApiResponse(description="Locked after repeated failures (`locked_out`)"),
        },
        auth=[],
    )
    def post(self, request):
        credentials = parse_input(self.Input, request.data)
        user = authenticate(request._request, **credentials)
        if getattr(request._request, "axes_locked_out", False):
            # Answer in the API's own error format instead of axes' HTML lockout page.
            del request._request.axes_locked_out
            raise _locked()
        if user is None or not user.is_active:
            raise Unauthenticated("Unable to log in with those credentials.")
        token = services.token_for(user=user)
        return Response({"token": token})


def _locked():
    return Forbidden(
        "This account is locked after repeated failed logins. Ask an administrator or try later.",
        code="locked_out",
    )


class LiveTicketView(APIView):
    """POST -> {ticket, expires_at}: a single-use, 30-second ticket for `/ws/live/?ticket=`."""

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "LiveTicket",
            {"ticket": serializers.CharField(), "expires_at": serializers.DateTimeField()},
        ),
    )
    def post(self, request):
        ticket = services.live_ticket_issue(actor=request.user)
        return Response(
            {"ticket": ticket.key, "expires_at": ticket.expires_at}, status=status.HTTP_200_OK
        )


class MeView(APIView):
    """GET -> the authenticated user's name and roles."""

    @extend_schema(
        responses=inline_serializer(
            "Me", {"username": serializers.CharField(), "roles": serializers.ListField()}
        )
    )
    def get(self, request):
        from core.roles import user_roles

        return Response(
            {"username": request.user.get_username(), "roles": sorted(user_roles(request.user))}
        )
