"""Read queries for dispatch: units, the outstanding list, recommendations, diverts, inspector
tasks and the briefing."""

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import connection, models
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import JSONObject, Left
from django.utils import timezone

from cad import clock
from cad import context as call_context
from cad.exceptions import Forbidden, NotFound, ValidationFailed
from cad.models import Area, Contact, Grade, Incident, IncidentStatus, IncidentTag
from cad.warnings import assessment_warnings, incident_risk_flags, record_line, warning
from core.roles import BRIEFING_ANY_READERS, has_role
from dispatch.models import (
    OPEN_ASSIGNMENT_STATUSES,
    Assignment,
    AssignmentStatus,
    Divert,
    DivertStatus,
    InspectorTask,
    InspectorTaskStatus,
    Unit,
    UnitStatus,
    UnitType,
)

EARTH_RADIUS_KM = 6371.0088
NARRATIVE_PREVIEW = 140
# The incident columns a row of the outstanding list shows, sorts and pages by.
OUTSTANDING_COLUMNS = (
    "id",
    "reference",
    "status",
    "grade",
    "grade_rank",
    "divert_tagged",
    "domestic_abuse",
    "address",
    "area",
    "latitude",
    "longitude",
    "received_at",
    "target_response_at",
    "first_arrived_at",
)


def _known(value: str | None, choices, what: str) -> str | None:
    if value and value not in choices.values:
        raise ValidationFailed(
            f"Unknown {what} '{value}'. Use one of: {', '.join(choices.values)}.",
            code=f"unknown_{what}",
        )
    return value or None


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two WGS84 points (degrees), in kilometres. The one
    distance every "nearest" in dispatch uses (`units_recommended`)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def _open_assignments_prefetch(to_attr: str = "open_assignments") -> Prefetch:
    return Prefetch(
        "assignments",
        queryset=Assignment.objects.filter(status__in=OPEN_ASSIGNMENT_STATUSES)
        .select_related("unit", "incident")
        .order_by("assigned_at", "id"),
        to_attr=to_attr,
    )


@dataclass(frozen=True)
class RowUnit:
    """A unit as a row of the outstanding list shows it: committed to the row's incident."""

    unit_id: int
    call_sign: str
    status: str  # an open AssignmentStatus: ASSIGNED, EN_ROUTE or AT_SCENE

    @property
    def status_display(self) -> str:
        return AssignmentStatus(self.status).label


def outstanding_rows(incidents: list[Incident]) -> list[Incident]:
    """Give each incident of one page of the outstanding list what its row shows besides its own
    columns: `listed_tags` (its tag names, which `Incident.tag_names` reads) and
    `open_assignments` (a `RowUnit` per open assignment, oldest first). Two queries whatever the
    page size (none for an empty page); returns the same list.

    Plain SQL read as tuples (`_ROW_TAGS_SQL`, `_ROW_UNITS_SQL`), not querysets: this runs for
    every page every dispatcher's list fetches, and building and compiling the two querysets
    was 2 ms of the page's ~13 ms of server CPU (5,000 open; `prefetch_related`, before that,
    built a queryset and a manager per row, a quarter of the page's time)."""
    by_id = {incident.pk: incident for incident in incidents}
    for incident in incidents:
        incident.listed_tags, incident.open_assignments = [], []
    if not by_id:
        return incidents
    ids = list(by_id)
    marks = ", ".join(["%s"] * len(ids))
    statuses = [str(status) for status in OPEN_ASSIGNMENT_STATUSES]
    with connection.cursor() as cursor:
        cursor.execute(_ROW_TAGS_SQL.format(ids=marks), ids)
        for incident_id, tag in cursor.fetchall():
            by_id[incident_id].listed_tags.append(tag)
        cursor.execute(
            _ROW_UNITS_SQL.format(ids=marks, statuses=", ".join(["%s"] * len(statuses))),
            ids + statuses,
        )
        for incident_id, unit_id, call_sign, status in cursor.fetchall():
            by_id[incident_id].open_assignments.append(RowUnit(unit_id, call_sign, status))
    return incidents


def _sql_names() -> dict[str, str]:
    q = connection.ops.quote_name

    def column(model, name: str) -> str:
        return q(model._meta.get_field(name).column)

    return {
        "tag_table": q(IncidentTag._meta.db_table),
        "tag_incident": column(IncidentTag, "incident"),
        "tag": column(IncidentTag, "tag"),
        "assignment_table": q(Assignment._meta.db_table),
        "a_incident": column(Assignment, "incident"),
        "a_unit": column(Assignment, "unit"),
        "a_status": column(Assignment, "status"),
        "a_assigned_at": column(Assignment, "assigned_at"),
        "a_id": column(Assignment, "id"),
        "unit_table": q(Unit._meta.db_table),
        "u_id": column(Unit, "id"),
        "u_call_sign": column(Unit, "call_sign"),
    }


_N = _sql_names()
# `{ids}` and `{statuses}` are filled with one placeholder per value at run time.
_ROW_TAGS_SQL = (
    f"SELECT {_N['tag_incident']}, {_N['tag']} FROM {_N['tag_table']} "
    f"WHERE {_N['tag_incident']} IN ({{ids}})"
)
_ROW_UNITS_SQL = (
    f"SELECT a.{_N['a_incident']}, a.{_N['a_unit']}, u.{_N['u_call_sign']}, a.{_N['a_status']} "
    f"FROM {_N['assignment_table']} a JOIN {_N['unit_table']} u ON u.{_N['u_id']} = a.{_N['a_unit']} "
    f"WHERE a.{_N['a_incident']} IN ({{ids}}) AND a.{_N['a_status']} IN ({{statuses}}) "
    f"ORDER BY a.{_N['a_assigned_at']}, a.{_N['a_id']}"
)


def units(*, status: str | None = None, unit_type: str | None = None) -> QuerySet[Unit]:
    """Units by call sign, each with `open_assignments` (0 or 1) and its incident."""
    _known(status, UnitStatus, "status")
    _known(unit_type, UnitType, "unit_type")
    qs = Unit.objects.prefetch_related(_open_assignments_prefetch(), "officers")
    if status:
        qs = qs.filter(status=status)
    if unit_type:
        qs = qs.filter(unit_type=unit_type)
    return qs.order_by("call_sign")


def unit_get(unit_id: int) -> Unit:
    try:
        return units().get(pk=unit_id)
    except Unit.DoesNotExist:
        raise NotFound(f"Unit {unit_id} does not exist.") from None


def units_for_officer(user) -> QuerySet[Unit]:
    return units().filter(officers=user)


def live_groups_for(user) -> list[str]:
    """The live groups an officer's socket follows (`core.live.register_scope_provider`): the
    units they crew now and the incidents those units are committed to (open assignments).
    Two queries."""
    from core.live import incident_group, unit_group

    unit_ids = list(
        Unit.officers.through.objects.filter(user=user).values_list("unit_id", flat=True)
    )
    if not unit_ids:
        return []
    incident_ids = Assignment.objects.filter(
        unit_id__in=unit_ids, status__in=OPEN_ASSIGNMENT_STATUSES
    ).values_list("incident_id", flat=True)
    return [unit_group(u) for u in unit_ids] + [incident_group(i) for i in incident_ids]


def unit_status_counts() -> dict[str, int]:
    counts = dict.fromkeys(UnitStatus.values, 0)
    for row in Unit.objects.values("status").annotate(n=models.Count("id")):
        counts[row["status"]] = row["n"]
    return counts


def incident_assignments(incident_id: int) -> list[Assignment]:
    """Every assignment an incident has had, oldest first (open and ended)."""
    return list(
        Assignment.objects.filter(incident_id=incident_id)
        .select_related("unit")
        .order_by("assigned_at", "id")
    )


def incident_for_dispatch(incident_id: int) -> Incident:
    """An incident with its tags and assignment history, for the dispatch actions panel."""
    try:
        return Incident.objects.prefetch_related(
            "tags",
            Prefetch("contacts", queryset=Contact.objects.order_by("received_at", "id")),
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("unit").order_by("assigned_at", "id"),
                to_attr="all_assignments",
            ),
            _open_assignments_prefetch(),
        ).get(pk=incident_id)
    except Incident.DoesNotExist:
        raise NotFound(f"Incident {incident_id} does not exist.") from None


# Outstanding list --------------------------------------------------------------------------------


def incidents_outstanding(
    *, grade: str | None = None, area: str | None = None, unresourced: bool = False
) -> QuerySet[Incident]:
    """Open incidents no unit has reached (OPEN or RESOURCED, and AT_SCENE ones tagged DIVERT
    whose units have all gone), most urgent first: grade, then
    DIVERT-tagged before untagged within a grade, then soonest target, then longest waiting.

    The sort keys are columns of the incident (`grade_rank`, generated from the grade, and
    `divert_tagged`), so the list pages by a keyset cursor (`core.pagination`) and the partial
    index `cad_incident_outstanding_idx` serves it: a page is its first rows, no sort. Only the
    columns a row shows are read (`OUTSTANDING_COLUMNS`, the narrative's start as
    `narrative_head`, the assessment's flags as `risk_assessment`). A constant number of queries
    whatever the size: the page, then its tags and open assignments (`outstanding_rows`, called
    on the page). Each row carries `is_divert`. Nothing is
    computed from the narrative or the assessment in SQL: that would run for every open
    incident before the sort, not just for the page shown."""
    _known(grade, Grade, "grade")
    _known(area, Area, "area")
    statuses = (
        [IncidentStatus.OPEN] if unresourced else [IncidentStatus.OPEN, IncidentStatus.RESOURCED]
    )
    # An incident whose only unit at scene was diverted away stays AT_SCENE with nobody there:
    # it is back on the list until a unit is committed again.
    diverted_away = Q(
        ~Exists(
            Assignment.objects.filter(incident=OuterRef("pk"), status__in=OPEN_ASSIGNMENT_STATUSES)
        ),
        divert_tagged=True,
        status=IncidentStatus.AT_SCENE,
    )
    qs = Incident.objects.filter(Q(status__in=statuses) | diverted_away)
    if grade:
        # By its rank, the index's first column, so a filtered page is read from it too.
        qs = qs.filter(grade_rank=Grade.values.index(grade), grade=grade)
    if area:
        qs = qs.filter(area=area)
    return (
        qs.only(*OUTSTANDING_COLUMNS)
        .annotate(
            is_divert=F("divert_tagged"),
            # What the row shows of the narrative and of the assessment (its flags), not the
            # whole text and the whole assessment (~1.5 KB of JSON a row).
            narrative_head=Left("narrative", NARRATIVE_PREVIEW * 2),
            risk_assessment=JSONObject(
                domestic_abuse=F("assessment__domestic_abuse"),
                risk_factors=F("assessment__risk_factors"),
                banners=F("assessment__banners"),
            ),
        )
        .order_by(
            "grade_rank",
            models.F("divert_tagged").desc(),
            models.F("target_response_at").asc(nulls_last=True),
            "received_at",
            "id",
        )
    )


def narrative_preview(incident: Incident) -> str:
    """The narrative's first words (from `narrative_head` when the list read only those)."""
    head = incident.__dict__.get("narrative_head")
    if head is None:
        head = incident.narrative or ""
    text = " ".join(head[: NARRATIVE_PREVIEW * 2].split())
    if len(text) > NARRATIVE_PREVIEW:
        text = text[:NARRATIVE_PREVIEW].rsplit(" ", 1)[0] + "…"
    return text


# Recommendation ----------------------------------------------------------------------------------


@dataclass
class UnitOption:
    unit: Unit
    distance_km: float | None
    has_capabilities: bool
    missing: list[str] = field(default_factory=list)


def units_available() -> list[Unit]:
    """The available units, once, for ranking against several places (see `units_recommended`)."""
    return list(Unit.objects.filter(status=UnitStatus.AVAILABLE).order_by("call_sign"))


def units_recommended(
    *,
    latitude: float | None,
    longitude: float | None,
    capabilities=(),
    limit: int = 20,
    available: list[Unit] | None = None,
) -> list[UnitOption]:
    """Available units ranked for a place: those with every capability asked for first, then
    by straight-line (haversine) distance; units with no known position come last. Pass
    `available` (from `units_available`) to rank many places with one query."""
    wanted = [str(c).strip().upper() for c in capabilities or () if str(c).strip()]
    options = []
    for unit in available if available is not None else units_available():
        distance = None
        if None not in (latitude, longitude, unit.latitude, unit.longitude):
            distance = haversine_km(latitude, longitude, unit.latitude, unit.longitude)
        have = set(unit.capabilities or ())
        missing = [c for c in wanted if c not in have]
        options.append(UnitOption(unit, distance, not missing, missing))
    options.sort(
        key=lambda o: (
            not o.has_capabilities,
            o.distance_km is None,
            o.distance_km or 0.0,
            o.unit.call_sign,
        )
    )
    return options[:limit] if limit else options


def units_order_note(options: list[UnitOption]) -> str:
    """How a list from `units_recommended` is ordered, said truthfully: "nearest first" only when
    at least one distance is known (the incident and the unit both have a position), with how
    many units without a position follow; otherwise "alphabetical (no positions)"."""
    known = sum(1 for o in options if o.distance_km is not None)
    if not known:
        return "alphabetical (no positions)"
    unknown = len(options) - known
    if unknown:
        return f"nearest first; {unknown} without a position last, alphabetical"
    return "nearest first"


def units_recommended_for(
    incident: Incident, *, capabilities=(), limit: int = 20, available: list[Unit] | None = None
):
    return units_recommended(
        latitude=incident.latitude,
        longitude=incident.longitude,
        capabilities=capabilities,
        limit=limit,
        available=available,
    )


# Diverts and inspector tasks ---------------------------------------------------------------------


def diverts(*, status: str | None = None) -> QuerySet[Divert]:
    _known(status, DivertStatus, "status")
    qs = Divert.objects.select_related(
        "unit", "from_incident", "to_incident", "requested_by", "reviewed_by", "inspector_task"
    ).prefetch_related("from_incident__tags", "to_incident__tags")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("requested_at", "id")


def divert_get(divert_id: int) -> Divert:
    try:
        return diverts().get(pk=divert_id)
    except Divert.DoesNotExist:
        raise NotFound(f"Divert {divert_id} does not exist.") from None


def inspector_tasks(*, status: str | None = None) -> QuerySet[InspectorTask]:
    _known(status, InspectorTaskStatus, "status")
    qs = InspectorTask.objects.select_related(
        "incident", "divert__unit", "divert__to_incident", "unit", "resolved_by"
    ).prefetch_related("incident__tags")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("opened_at", "id")


def inspector_task_get(task_id: int) -> InspectorTask:
    try:
        return inspector_tasks().get(pk=task_id)
    except InspectorTask.DoesNotExist:
        raise NotFound(f"Inspector task {task_id} does not exist.") from None


def incident_has_marker(incident: Incident) -> bool:
    return "MARKER" in incident_risk_flags(incident)


def incident_is_domestic_abuse(incident: Incident) -> bool:
    return "DA" in incident_risk_flags(incident)


# Briefing ----------------------------------------------------------------------------------------


@dataclass
class Briefing:
    """What an attending officer reads on the way: the whole incident, not its first line."""

    unit: Unit
    assignment: Assignment | None
    incident: Incident | None
    warnings: list[dict] = field(default_factory=list)
    intel_summary: list[str] = field(default_factory=list)
    other_units: list[str] = field(default_factory=list)
    context: dict = field(default_factory=dict)
    # Who reads it (`cad.context.Reader`; None: the system).
    reader: call_context.Reader | None = None


def _briefing_warnings(
    incident: Incident, context: dict, assessment: dict
) -> tuple[list[dict], list[str]]:
    """Each warning once, highest risk first (`cad.warnings`), then an intelligence summary
    of the records that are not already a warning; both as the reader may read them (`context`
    and `assessment` come reader-filtered)."""
    warnings = assessment_warnings(assessment, fields=context)
    intel = context.get("intel_check") if isinstance(context.get("intel_check"), dict) else {}
    records = [r for r in intel.get("records") or [] if isinstance(r, dict)]
    named = {w["ref"] for w in warnings if w["ref"]}
    summary = [
        f"{record_line(r)} (record #{r.get('id')})"
        for r in records
        if f"record #{r.get('id')}" not in named
    ]
    if incident_is_domestic_abuse(incident):
        warnings.insert(0, warning("danger", "DA", "", "Domestic abuse incident"))
    if incident.divert_tagged:
        warnings.append(
            warning("warning", "DIVERT", "", "A unit sent to this incident was diverted away")
        )
    previous_incidents = intel.get("previous_incidents") or []
    previous_contacts = intel.get("previous_contacts") or []
    if previous_incidents:
        summary.append(f"{len(previous_incidents)} previous incident(s) at this number/address")
    if previous_contacts:
        summary.append(f"{len(previous_contacts)} previous contact(s) from this number/address")
    if intel and not records and not previous_incidents and not previous_contacts:
        summary.append("Intelligence check ran: nothing recorded")
    if "intelligence" in (context.get("withheld") or []):
        summary.append("Intelligence is not shown to your role")
    elif not intel:
        summary.append("No intelligence check on record for this incident")
    return warnings, summary


def incident_warning_list(incident: Incident, *, reader: call_context.Reader | None) -> list[dict]:
    """The warnings the dispatcher's panel shows: the briefing's, without the summary, as
    `reader` may read them."""
    context = call_context.incident_fields(incident, reader=reader)
    assessment = call_context.assessment_for(incident.assessment, reader=reader)
    return _briefing_warnings(incident, context, assessment)[0]


def unit_briefing(unit_id: int, *, user=None, via: str = "briefing api") -> Briefing:
    """The briefing for the unit's current commitment (incident None when it has none).

    With `user`: an officer reads only the briefing of a unit they crew (Forbidden otherwise);
    the control room reads any. The crew reads the incident's intelligence and markers; anyone
    else reads what their role reads on its own screens (QA reviewers no intelligence), and
    each read is audited with `via` ("briefing api", "briefing page")."""
    from cad.selectors import incident_get

    unit = unit_get(unit_id)
    if (
        user is not None
        and not has_role(user, *BRIEFING_ANY_READERS)
        and not unit.officers.filter(pk=user.pk).exists()
    ):
        raise Forbidden(
            f"You are not in the crew of {unit.call_sign}: only its crew and the control room "
            "can read its briefing.",
            code="not_crew",
        )
    assignment = unit.open_assignments[0] if unit.open_assignments else None
    if assignment is None:
        return Briefing(unit=unit, assignment=None, incident=None)
    incident = incident_get(assignment.incident_id)
    reader = None
    if user is not None:
        crew = unit.officers.filter(pk=user.pk).exists()
        reader = call_context.Reader(user=user, via=via, crew=crew)
    context = call_context.incident_fields(incident, reader=reader)
    assessment = call_context.assessment_for(incident.assessment, reader=reader)
    warnings, summary = _briefing_warnings(incident, context, assessment)
    others = list(
        Assignment.objects.filter(incident=incident, status__in=OPEN_ASSIGNMENT_STATUSES)
        .exclude(unit=unit)
        .values_list("unit__call_sign", flat=True)
    )
    return Briefing(
        unit=unit,
        assignment=assignment,
        incident=incident,
        warnings=warnings,
        intel_summary=summary,
        other_units=others,
        context=context,
        reader=reader,
    )


def time_waiting(incident: Incident, now: datetime | None = None) -> timedelta:
    return (now or timezone.now()) - incident.received_at


class AssignmentsContextProvider:
    """Adds `assignments: [{id, unit, call_sign, status, ...}]` to the incident's API
    representation through `cad.context`, so `cad` never imports dispatch. It contributes
    nothing to grading."""

    name = "dispatch"

    def gather(self, query) -> call_context.ContextResult:
        return call_context.ContextResult(provider=self.name)

    def attach(self, *, incident, result, actor) -> None:
        if call_context.just_created(incident):
            # An incident being taken has no unit yet: its 201 body needs no query for them.
            call_context.hold(incident, self.name, [])

    def incident_fields(self, incident, *, reader) -> dict:
        found = getattr(incident, "all_assignments", None)
        if found is None:
            found = call_context.held(incident, self.name)
        if found is None:
            found = incident_assignments(incident.pk)
        return {
            "assignments": [
                {
                    "id": a.pk,
                    "unit": a.unit_id,
                    "call_sign": a.unit.call_sign,
                    "status": a.status,
                    "assigned_at": a.assigned_at.isoformat(),
                    "arrived_at": a.arrived_at.isoformat() if a.arrived_at else None,
                    "ended_at": a.ended_at.isoformat() if a.ended_at else None,
                    "ended_reason": a.ended_reason,
                }
                for a in found
            ]
        }


# Live map ----------------------------------------------------------------------------------------

MAP_INCIDENT_LIMIT = 1000


def map_snapshot(now: datetime | None = None) -> dict:
    """What the live map draws, in one read: every open incident (not CLOSED, most urgent first,
    at most MAP_INCIDENT_LIMIT) and every unit, each with its WGS84 position (None when unknown:
    the page lists those beside the map rather than guessing a place).

    Shape: {"now": ISO, "incidents": [{id, reference, grade, status, address, latitude,
    longitude, target_at, due_soon_at, clock (a cad.clock.ClockState), divert}], "units": [{id,
    call_sign, status, unit_type, latitude, longitude, position_at, incident}]}. Times ISO 8601
    UTC. The clock is `cad.clock.clock_state` at `now`; the page recomputes it every second
    from `target_at` and `due_soon_at` as time passes (the same rule as countdown.js)."""
    now = now or timezone.now()
    leads = clock.due_soon_leads()
    incidents = []
    open_incidents = Incident.objects.exclude(status=IncidentStatus.CLOSED).order_by(
        "grade_rank", F("target_response_at").asc(nulls_last=True), "received_at", "id"
    )[:MAP_INCIDENT_LIMIT]
    for incident in open_incidents:
        due_soon = clock.incident_due_soon_at(incident, leads)
        running = clock.clock_running(incident)
        incidents.append(
            {
                "id": incident.pk,
                "reference": incident.reference,
                "grade": incident.grade,
                "status": incident.status,
                "address": incident.address,
                "latitude": incident.latitude,
                "longitude": incident.longitude,
                "target_at": _iso(incident.target_response_at) if running else None,
                "due_soon_at": _iso(due_soon) if running else None,
                "clock": clock.clock_state(incident, lead=leads.get(incident.grade), now=now),
                "divert": incident.divert_tagged,
            }
        )
    units_drawn = [
        {
            "id": unit.pk,
            "call_sign": unit.call_sign,
            "status": unit.status,
            "unit_type": unit.get_unit_type_display(),
            "latitude": unit.latitude,
            "longitude": unit.longitude,
            "position_at": _iso(unit.position_at),
            "incident": unit.open_assignments[0].incident_id if unit.open_assignments else None,
        }
        for unit in units()
    ]
    return {"now": _iso(now), "incidents": incidents, "units": units_drawn}


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None
