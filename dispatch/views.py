"""Dispatch screens: the outstanding list, the unit board, the incident actions panel, the
controller's divert reviews, the inspector's tasks and the officer's briefing.

Thin: parse the form, call one service or selector, render. Forms post with htmx and get the
re-rendered panel back; without htmx they redirect. A refused action shows its message and
changes nothing (the service raised before writing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import TemplateView

from cad import clock
from cad import context as call_context
from cad.models import Area, Grade, Incident
from cad.selectors import incident_get
from core.exceptions import DomainError, Forbidden, NotFound, ValidationFailed
from core.navigation import Screen, register_screen
from core.pagination import MAX_PAGE_SIZE, keyset_page
from core.permissions import RoleRequiredMixin
from core.roles import (
    DISPATCH_DESKS,
    DIVERT_QUEUE_READERS,
    INSPECTOR_QUEUE_READERS,
    UNIT_BOARD_READERS,
    UNIT_DIRECTORS,
    UNIT_MOVERS,
    UNIT_READERS,
    Role,
    has_role,
)
from dispatch import selectors, services
from dispatch.models import DivertStatus, InspectorTaskStatus, Unit, UnitStatus

PAGE_SIZE = 100


def incident_url(incident_id: int) -> str:
    """The incident's own page (cad), or the dispatch view of it if cad has none."""
    try:
        return reverse("incident-detail", args=[incident_id])
    except NoReverseMatch:
        return reverse("dispatch-incident", args=[incident_id])


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _safe_next(request) -> str | None:
    """The posted `next` URL when it stays on this site (never an open redirect)."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _minutes(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    return f"{minutes // 60}h{minutes % 60:02d}" if minutes >= 60 else f"{minutes}m"


# --- Outstanding list ----------------------------------------------------------------------------


@dataclass
class OutstandingRow:
    incident: Incident
    url: str
    preview: str
    due_soon_at: datetime | None
    waiting: str
    has_marker: bool
    has_da: bool


def _page_size(request) -> int:
    size = _int(request.GET.get("page_size")) or PAGE_SIZE
    return min(max(size, 1), MAX_PAGE_SIZE)


def _given_count(request) -> int | None:
    value = request.GET.get("count", "")
    return int(value) if value.isdigit() else None


def outstanding_context(request) -> dict:
    """The rows of one page of the outstanding list. Pages follow a keyset cursor (`?cursor=`),
    so an incident reached or closed while the dispatcher reads never pushes another one out of
    sight between two pages; a live refresh re-renders the same cursor's page."""
    grade = request.GET.get("grade") or None
    area = request.GET.get("area") or None
    unresourced = request.GET.get("unresourced") == "1"
    error = ""
    try:
        qs = selectors.incidents_outstanding(grade=grade, area=area, unresourced=unresourced)
    except ValidationFailed as exc:
        error, grade, area = exc.message, None, None
        qs = selectors.incidents_outstanding()
    try:
        page = keyset_page(qs, cursor=request.GET.get("cursor"), size=_page_size(request))
    except ValidationFailed as exc:
        error = exc.message
        page = keyset_page(qs, cursor=None, size=_page_size(request))
    now = timezone.now()
    leads = clock.due_soon_leads()
    selectors.outstanding_rows(page.items)
    rows = [
        OutstandingRow(
            incident=incident,
            url=incident_url(incident.pk),
            preview=selectors.narrative_preview(incident),
            due_soon_at=clock.incident_due_soon_at(incident, leads),
            waiting=_minutes(now - incident.received_at),
            has_marker=selectors.incident_has_marker(incident),
            has_da=selectors.incident_is_domestic_abuse(incident),
        )
        for incident in page.items
    ]
    # Counted on the first page only; a later page shows the count its link carries.
    count = qs.count() if not request.GET.get("cursor") else _given_count(request)
    query = request.GET.copy()
    query.pop("cursor", None)
    if count is not None:
        query["count"] = str(count)
    return {
        "rows": rows,
        "page": page,
        "count": count,
        "filters": {"grade": grade or "", "area": area or "", "unresourced": unresourced},
        "grades": Grade.choices,
        "areas": Area.choices,
        "query": query.urlencode(),
        "error": error,
        "can_dispatch": has_role(request.user, *DISPATCH_DESKS),
        "now": now,
    }


class OutstandingView(RoleRequiredMixin, TemplateView):
    """The dispatcher's main screen: open incidents nobody has reached, most urgent first."""

    allowed_roles = DISPATCH_DESKS + (Role.ADMIN, Role.CALL_HANDLER)
    template_name = "dispatch/outstanding.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **outstanding_context(self.request)}


class OutstandingRowsView(OutstandingView):
    template_name = "dispatch/_outstanding_table.html"


# --- Incident actions (assign / divert / release) ------------------------------------------------


def actions_context(request, incident_id: int, error: str = "") -> dict:
    try:
        incident = selectors.incident_for_dispatch(incident_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    committed_elsewhere = [
        unit
        for unit in selectors.units().exclude(
            status__in=[UnitStatus.AVAILABLE, UnitStatus.UNAVAILABLE]
        )
        if unit.open_assignments and unit.open_assignments[0].incident_id != incident.pk
    ]
    options = selectors.units_recommended_for(incident, limit=8) if incident.is_open else []
    return {
        "incident": incident,
        "incident_url": incident_url(incident.pk),
        "is_divert": incident.divert_tagged,
        "has_marker": selectors.incident_has_marker(incident),
        "has_da": selectors.incident_is_domestic_abuse(incident),
        "warnings": [
            w
            for w in selectors.incident_warning_list(
                incident, reader=call_context.Reader(user=request.user, via="dispatch panel")
            )
            if w["code"] != "DIVERT"
        ],
        "contacts": list(incident.contacts.all()),
        "open_assignments": incident.open_assignments,
        "ended_assignments": [a for a in incident.all_assignments if not a.is_open],
        "options": options,
        "options_order": selectors.units_order_note(options),
        "committed_elsewhere": committed_elsewhere,
        "can_dispatch": has_role(request.user, *DISPATCH_DESKS),
        "error": error,
    }


def _panel_or_redirect(request, incident_id: int, error: str = ""):
    if request.htmx:
        return render(
            request,
            "dispatch/_incident_actions_panel.html",
            actions_context(request, incident_id, error),
        )
    if error:
        messages.error(request, error)
    return redirect("dispatch-incident", incident_id)


class IncidentDispatchView(RoleRequiredMixin, TemplateView):
    """The incident from dispatch's side: its units, their history, and the actions."""

    allowed_roles = UNIT_BOARD_READERS
    template_name = "dispatch/incident.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            **actions_context(self.request, kwargs["pk"]),
        }


class IncidentActionsPanelView(IncidentDispatchView):
    """The actions panel alone (htmx): the incident page includes it via
    `dispatch/_incident_actions.html`."""

    template_name = "dispatch/_incident_actions_panel.html"


class IncidentAssignFormView(RoleRequiredMixin, View):
    allowed_roles = DISPATCH_DESKS

    def post(self, request, pk: int):
        error = ""
        try:
            unit = selectors.unit_get(_int(request.POST.get("unit")) or 0)
            services.unit_assign(actor=request.user, unit=unit, incident=incident_get(pk))
            if not request.htmx:
                messages.success(request, f"{unit.call_sign} assigned.")
        except DomainError as exc:
            error = exc.message
        return _panel_or_redirect(request, pk, error)


class IncidentDivertHereFormView(RoleRequiredMixin, View):
    """Divert the chosen committed unit to this incident (the form lives on the incident the
    unit is being taken *to*)."""

    allowed_roles = DISPATCH_DESKS

    def post(self, request, pk: int):
        error = ""
        try:
            services.unit_divert(
                actor=request.user,
                unit=selectors.unit_get(_int(request.POST.get("unit")) or 0),
                to_incident=incident_get(pk),
                reason=request.POST.get("reason", ""),
            )
            if not request.htmx:
                messages.warning(request, "Divert recorded: the controller will review it.")
        except DomainError as exc:
            error = exc.message
        return _panel_or_redirect(request, pk, error)


class UnitReleaseFormView(RoleRequiredMixin, View):
    allowed_roles = DISPATCH_DESKS

    def post(self, request, pk: int):
        incident_id = _int(request.POST.get("incident")) or 0
        error = ""
        try:
            services.unit_release(
                actor=request.user,
                unit=selectors.unit_get(pk),
                reason=request.POST.get("reason", ""),
            )
        except DomainError as exc:
            error = exc.message
        if not incident_id:
            if error:
                messages.error(request, error)
            return redirect("dispatch-units")
        return _panel_or_redirect(request, incident_id, error)


# --- Unit board ----------------------------------------------------------------------------------


def board_context(request) -> dict:
    status = request.GET.get("status") or None
    if status not in UnitStatus.values:
        status = None
    return {
        "units": selectors.units(status=status),
        "status": status or "",
        "statuses": UnitStatus.choices,
        "counts": selectors.unit_status_counts(),
        "can_dispatch": has_role(request.user, *UNIT_DIRECTORS),
        "now": timezone.now(),
    }


class UnitBoardView(RoleRequiredMixin, TemplateView):
    allowed_roles = UNIT_BOARD_READERS
    template_name = "dispatch/units.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **board_context(self.request)}


class UnitBoardRowsView(UnitBoardView):
    template_name = "dispatch/_units_table.html"


class UnitStatusFormView(RoleRequiredMixin, View):
    """Status from the unit board or the officer's briefing."""

    allowed_roles = UNIT_MOVERS

    def post(self, request, pk: int):
        try:
            services.unit_set_status(
                actor=request.user,
                unit=selectors.unit_get(pk),
                status=request.POST.get("status", ""),
                note=request.POST.get("note", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(_safe_next(request) or "dispatch-units")


# --- Controller's divert reviews -----------------------------------------------------------------


@dataclass
class ReviewCard:
    divert: object
    original_marker: bool
    target_marker: bool
    original_waiting: str
    target_waiting: str
    since: str
    # The taken-from incident's warnings (intelligence, markers) as the reviewer may read them.
    original_warnings: list = field(default_factory=list)


def _review_warnings(request, incident) -> list[dict]:
    """What the incident page warns about `incident` (intelligence, markers), through the same
    context service (cad.context, so withheld by role and audited as a read, via "divert
    review"); the divert itself is the card's subject, not repeated as a warning."""
    reader = call_context.Reader(user=request.user, via="divert review")
    return [
        w for w in selectors.incident_warning_list(incident, reader=reader) if w["code"] != "DIVERT"
    ]


def reviews_context(request, error: str = "") -> dict:
    now = timezone.now()
    pending = [
        ReviewCard(
            divert=d,
            original_warnings=_review_warnings(request, d.from_incident),
            original_marker=selectors.incident_has_marker(d.from_incident),
            target_marker=selectors.incident_has_marker(d.to_incident),
            original_waiting=_minutes(now - d.from_incident.received_at),
            target_waiting=_minutes(now - d.to_incident.received_at),
            since=_minutes(now - d.requested_at),
        )
        for d in selectors.diverts(status=DivertStatus.PENDING_REVIEW)
    ]
    recent = (
        selectors.diverts()
        .exclude(status=DivertStatus.PENDING_REVIEW)
        .order_by("-reviewed_at", "-id")[:20]
    )
    return {"pending": pending, "recent": recent, "error": error, "now": now}


class DivertReviewQueueView(RoleRequiredMixin, TemplateView):
    allowed_roles = DIVERT_QUEUE_READERS
    template_name = "dispatch/divert_reviews.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **reviews_context(self.request)}


class DivertReviewQueueBodyView(DivertReviewQueueView):
    template_name = "dispatch/_divert_reviews_body.html"


class DivertReviewFormView(RoleRequiredMixin, View):
    allowed_roles = (Role.CONTROLLER,)

    def post(self, request, pk: int):
        error = ""
        try:
            services.divert_review(
                actor=request.user,
                divert=selectors.divert_get(pk),
                decision=request.POST.get("decision", ""),
                note=request.POST.get("note", ""),
            )
        except DomainError as exc:
            error = exc.message
        if request.htmx:
            return render(
                request, "dispatch/_divert_reviews_body.html", reviews_context(request, error)
            )
        if error:
            messages.error(request, error)
        return redirect("dispatch-divert-reviews")


# --- Inspector's tasks ---------------------------------------------------------------------------


@dataclass
class TaskCard:
    task: object
    options: list
    since: str

    @property
    def options_order(self) -> str:
        return selectors.units_order_note(self.options)


def tasks_context(request, error: str = "") -> dict:
    now = timezone.now()
    available = selectors.units_available()  # once, ranked per task below
    cards = [
        TaskCard(
            task=task,
            options=selectors.units_recommended_for(task.incident, limit=8, available=available),
            since=_minutes(now - task.opened_at),
        )
        for task in selectors.inspector_tasks(status=InspectorTaskStatus.OPEN)
    ]
    recent = selectors.inspector_tasks(status=InspectorTaskStatus.RESOLVED).order_by(
        "-resolved_at", "-id"
    )[:20]
    return {"cards": cards, "recent": recent, "error": error, "now": now}


class InspectorQueueView(RoleRequiredMixin, TemplateView):
    allowed_roles = INSPECTOR_QUEUE_READERS
    template_name = "dispatch/inspector_tasks.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **tasks_context(self.request)}


class InspectorQueueBodyView(InspectorQueueView):
    template_name = "dispatch/_inspector_tasks_body.html"


class InspectorTaskResolveFormView(RoleRequiredMixin, View):
    allowed_roles = (Role.INSPECTOR,)

    def post(self, request, pk: int):
        error = ""
        try:
            services.inspector_task_resolve(
                actor=request.user,
                task=selectors.inspector_task_get(pk),
                unit=selectors.unit_get(_int(request.POST.get("unit")) or 0),
                note=request.POST.get("note", ""),
            )
        except DomainError as exc:
            error = exc.message
        if request.htmx:
            return render(
                request, "dispatch/_inspector_tasks_body.html", tasks_context(request, error)
            )
        if error:
            messages.error(request, error)
        return redirect("dispatch-inspector-tasks")


# --- Officer's briefing --------------------------------------------------------------------------


class UnitBriefingPageView(RoleRequiredMixin, TemplateView):
    """Mobile-friendly: the whole incident for the unit's current commitment."""

    allowed_roles = UNIT_READERS
    template_name = "dispatch/briefing.html"

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs).render()
        briefing = response.context_data["briefing"]
        if briefing.incident is not None:
            # THRIVE and the log are free text that may quote evidence the reader may not read.
            response.content = call_context.redact_html(
                response.content,
                call_context.withheld_evidence(
                    briefing.incident.assessment, reader=briefing.reader
                ),
            )
        return response

    def get_context_data(self, **kwargs):
        try:
            briefing = selectors.unit_briefing(
                kwargs["pk"], user=self.request.user, via="briefing page"
            )
        except NotFound as exc:
            raise Http404(exc.message) from None
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from None
        unit = briefing.unit
        control_room = has_role(self.request.user, *UNIT_DIRECTORS)
        return {
            **super().get_context_data(**kwargs),
            "briefing": briefing,
            "has_marker": bool(briefing.incident)
            and selectors.incident_has_marker(briefing.incident),
            "has_da": bool(briefing.incident)
            and selectors.incident_is_domestic_abuse(briefing.incident),
            "can_move": has_role(self.request.user, *UNIT_DIRECTORS)
            or unit.officers.filter(pk=self.request.user.pk).exists(),
            "next_statuses": _next_statuses(unit, control_room=control_room),
        }


def _next_statuses(unit: Unit, *, control_room: bool = True) -> list[tuple[str, str]]:
    """The statuses to offer. A crew cannot release itself before arrival (the control room
    does that, with a reason), so a crew is not offered AVAILABLE while ASSIGNED or EN_ROUTE."""
    wanted = {
        UnitStatus.ASSIGNED: [UnitStatus.EN_ROUTE, UnitStatus.AT_SCENE, UnitStatus.AVAILABLE],
        UnitStatus.EN_ROUTE: [UnitStatus.AT_SCENE, UnitStatus.AVAILABLE],
        UnitStatus.AT_SCENE: [UnitStatus.AVAILABLE],
        UnitStatus.AVAILABLE: [UnitStatus.UNAVAILABLE],
        UnitStatus.UNAVAILABLE: [UnitStatus.AVAILABLE],
    }[UnitStatus(unit.status)]
    if not control_room and unit.status in (UnitStatus.ASSIGNED, UnitStatus.EN_ROUTE):
        wanted = [s for s in wanted if s != UnitStatus.AVAILABLE]
    return [(s.value, s.label) for s in wanted]


class MyBriefingView(RoleRequiredMixin, TemplateView):
    """An officer's units; with exactly one, straight to its briefing."""

    allowed_roles = UNIT_READERS
    template_name = "dispatch/my_briefing.html"

    def get(self, request, *args, **kwargs):
        units = list(selectors.units_for_officer(request.user))
        if len(units) == 1:
            return redirect("dispatch-unit-briefing", units[0].pk)
        return self.render_to_response(self.get_context_data(units=units))


# --- Registration (from DispatchConfig.ready) -------------------------------------------------


# --- Live map ------------------------------------------------------------------------------------


class LiveMapView(RoleRequiredMixin, TemplateView):
    """Open incidents (by grade and time left) and units (by status) on a map, kept live over
    the socket; clicking an incident opens the same assignment panel as the outstanding list.
    The tile layer is `settings.MAP_TILE_URL`; without one, a plain grid with coordinates."""

    allowed_roles = DISPATCH_DESKS
    template_name = "dispatch/map.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
            "tile_max_zoom": settings.MAP_TILE_MAX_ZOOM,
        }


class LiveMapDataView(RoleRequiredMixin, View):
    """The map's data as JSON (`dispatch.selectors.map_snapshot`), fetched on load, on every
    (re)connect of the live socket and after incident changes."""

    allowed_roles = DISPATCH_DESKS

    def get(self, request):
        return JsonResponse(selectors.map_snapshot())


def register_screens() -> None:
    for screen in (
        Screen(
            "outstanding",
            "Outstanding incidents",
            "dispatch-outstanding",
            DISPATCH_DESKS,
            "Open incidents no unit has reached, most urgent first.",
            20,
        ),
        Screen(
            "map",
            "Live map",
            "dispatch-map",
            DISPATCH_DESKS,
            "Open incidents by grade and time left, units by status.",
            21,
        ),
        Screen("units", "Unit board", "dispatch-units", UNIT_DIRECTORS, "Units by status.", 22),
        Screen(
            "divert_reviews",
            "Divert reviews",
            "dispatch-divert-reviews",
            (Role.CONTROLLER,),
            "Approve or override every divert.",
            24,
        ),
        Screen(
            "inspector_tasks",
            "Inspector tasks",
            "dispatch-inspector-tasks",
            (Role.INSPECTOR,),
            "Find a replacement unit for approved diverts.",
            26,
        ),
        Screen(
            "briefing",
            "My briefing",
            "dispatch-briefing",
            (Role.OFFICER,),
            "The whole log of the incident your unit is sent to.",
            28,
        ),
    ):
        register_screen(screen)
