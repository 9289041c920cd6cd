"""Call-taking screens: thin views that parse a form, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from cad import context as call_context
from cad import selectors, services
from cad.forms import (
    AssessForm,
    CallForm,
    CloseForm,
    ContactForm,
    DaAnswersForm,
    DecisionForm,
    DetailsForm,
    DomesticAbuseForm,
    DuplicateQueryForm,
    GradeForm,
    IncidentFilterForm,
    LogForm,
    MergeForm,
    ThriveForm,
)
from cad.grading.thrive import thrive_suggest
from cad.models import GradeRequest
from cad.panels import incident_panel_templates, replaced_fields
from cad.warnings import assessment_warnings, findings_not_warned
from core.exceptions import DomainError
from core.pagination import keyset_page
from core.permissions import RoleRequiredMixin
from core.roles import (
    CALL_ASSESSORS,
    CALL_TAKERS,
    CLOSERS,
    DETAILS_EDITORS,
    DOWNGRADE_QUEUE_READERS,
    DOWNGRADE_SIGNERS,
    GRADERS,
    INCIDENT_MERGERS,
    INCIDENT_READERS,
    LOG_WRITERS,
    has_role,
)


def _form_errors(form) -> str:
    return "; ".join(
        f"{'' if field == '__all__' else field.replace('_', ' ') + ': '}{' '.join(errs)}"
        for field, errs in form.errors.items()
    )


class CallTakingView(RoleRequiredMixin, View):
    """One page to take a call: the assessment updates as the handler types; saving creates
    the incident (Ctrl+Enter also confirms the recommended grade)."""

    allowed_roles = CALL_TAKERS
    template_name = "cad/call_taking.html"

    def get(self, request):
        return render(request, self.template_name, {"form": CallForm()})

    def post(self, request):
        form = CallForm(request.POST)
        if form.is_valid():
            try:
                incident = services.incident_create(actor=request.user, **form.service_kwargs())
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                if getattr(incident, "replayed", False):
                    messages.info(request, f"{incident.reference} was already saved.")
                else:
                    messages.success(
                        request, f"{incident.reference} created, graded {incident.grade}."
                    )
                return redirect("incident-detail", pk=incident.pk)
        return render(request, self.template_name, {"form": form}, status=400)


class AssessPartialView(RoleRequiredMixin, View):
    """htmx: the live assessment panel for the call form as typed so far. Records nothing."""

    allowed_roles = CALL_TAKERS

    def post(self, request):
        form = AssessForm(request.POST)
        context = {"narrative": request.POST.get("narrative", "")}
        if not form.is_valid():
            context["error"] = _form_errors(form)
        else:
            try:
                assessment, _ = services.call_assess(**form.service_kwargs())
                context["assessment"] = assessment.as_dict()
                context["warnings"] = assessment_warnings(context["assessment"], narrative=False)
                context["risk_factors"] = findings_not_warned(
                    context["assessment"], context["warnings"]
                )
                context["thrive"] = thrive_suggest(context["assessment"])
            except DomainError as error:
                context["error"] = error.message
        return render(request, "cad/_assessment.html", context)


class PossibleDuplicatesPartialView(RoleRequiredMixin, View):
    """htmx: the open incidents the call being typed may be about ("possibly the same
    incident"), each with its key to attach the call to it. Records nothing."""

    allowed_roles = CALL_TAKERS

    def post(self, request):
        form = DuplicateQueryForm(request.POST)
        duplicates = (
            selectors.possible_duplicates(**form.selector_kwargs()) if form.is_valid() else []
        )
        return render(request, "cad/_possible_duplicates.html", {"duplicates": duplicates})


class CallAttachView(RoleRequiredMixin, View):
    """The call on the call-taking form, attached to an offered open incident instead of
    creating a new one (it is recorded as a further contact on it)."""

    allowed_roles = CALL_TAKERS

    def post(self, request, pk: int):
        form = CallForm(request.POST)
        if form.is_valid():
            try:
                contact = services.call_attach(
                    actor=request.user,
                    incident=selectors.incident_get(pk),
                    **form.attach_kwargs(),
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                incident = contact.incident
                incident.refresh_from_db()
                messages.success(
                    request,
                    f"Call attached to {incident.reference}, now {incident.grade}"
                    + (" (DA)." if incident.domestic_abuse else "."),
                )
                return redirect("incident-detail", pk=incident.pk)
        return render(request, "cad/call_taking.html", {"form": form}, status=400)


class SwitchboardView(RoleRequiredMixin, View):
    """Record a contact that raises no incident, in a few seconds."""

    allowed_roles = CALL_TAKERS
    template_name = "cad/switchboard.html"

    def _render(self, request, form, status=200):
        recent = selectors.contact_list(handler=request.user)[:15]
        return render(request, self.template_name, {"form": form, "recent": recent}, status=status)

    def get(self, request):
        return self._render(request, ContactForm())

    def post(self, request):
        form = ContactForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            reference = data.pop("incident")
            try:
                incident = selectors.incident_by_reference(reference) if reference else None
                contact = services.contact_create(actor=request.user, incident=incident, **data)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                text = f"Contact #{contact.pk} recorded ({contact.channel})."
                if not contact.phone_valid:
                    text += (
                        f" The number '{contact.caller_phone}' was not recognised: kept as given."
                    )
                messages.success(request, text)
                return redirect("switchboard")
        return self._render(request, form, status=400)


class IncidentListView(RoleRequiredMixin, View):
    allowed_roles = INCIDENT_READERS

    def get(self, request):
        form = IncidentFilterForm(request.GET)
        filters = form.cleaned_data if form.is_valid() else {}
        try:
            incidents = selectors.incident_list(
                status=filters.get("status"),
                grade=filters.get("grade"),
                channel=filters.get("channel"),
                domestic_abuse=filters.get("domestic_abuse"),
                open_only=filters.get("open"),
                q=filters.get("q"),
            )
        except DomainError as error:
            messages.error(request, error.message)
            incidents = selectors.incident_list()
        # A keyset cursor, not a page number: incidents recorded or closed while the list is
        # read never push one out of sight between two pages.
        try:
            page = keyset_page(incidents, cursor=request.GET.get("cursor"), size=50)
        except DomainError as error:
            messages.error(request, error.message)
            page = keyset_page(incidents, cursor=None, size=50)
        query = request.GET.copy()
        query.pop("cursor", None)
        return render(
            request,
            "cad/incident_list.html",
            {"form": form, "page": page, "query": query.urlencode()},
        )


class IncidentDetailView(RoleRequiredMixin, View):
    allowed_roles = INCIDENT_READERS

    def get(self, request, pk: int):
        reader = call_context.Reader(user=request.user, via="incident page")
        try:
            # Read before the page: a change made meanwhile shows as "changed", never hides.
            live_version = selectors.incident_version(pk)
            page = selectors.incident_page(pk, reader=reader)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("incident-list")
        incident = page["incident"]
        services.incident_view_record(actor=request.user, incident=incident, via="page")
        page.update(
            live_version=live_version,
            extra_panels=incident_panel_templates(),
            all_fields=page["panels"],
            panels={
                k: v
                for k, v in page["panels"].items()
                if k not in replaced_fields() and k != "withheld"
            },
            withheld=page["panels"].get("withheld", []),
            grade_form=GradeForm(initial={"grade": incident.grade}),
            log_form=LogForm(),
            close_form=CloseForm(),
            details_form=DetailsForm(
                initial={
                    "caller_name": incident.caller_name,
                    "caller_phone": incident.caller_phone,
                    "address": incident.address,
                    "named_people": "\n".join(incident.named_people),
                    "area": incident.area,
                    "opening_code": incident.opening_code_id or "",
                }
            ),
            can_grade=_has(request, GRADERS),
            can_log=_has(request, LOG_WRITERS),
            can_close=_has(request, CLOSERS),
            can_edit=_has(request, DETAILS_EDITORS),
            can_merge=_has(request, INCIDENT_MERGERS),
            possible_duplicates=selectors.incident_possible_duplicates(incident)
            if incident.is_open and _has(request, INCIDENT_MERGERS)
            else [],
            focus_grade=incident.is_open and incident.graded_by_id is None,
            thrive_compact=True,
            due_soon_at=selectors.incident_due_soon_at(incident),
            **_call_assessment(request, incident),
        )
        response = render(request, "cad/incident_detail.html", page)
        # THRIVE and the log are free text that may quote evidence the reader may not read.
        response.content = call_context.redact_html(
            response.content, call_context.withheld_evidence(incident.assessment, reader=reader)
        )
        return response


class IncidentVersionView(RoleRequiredMixin, View):
    """GET {"version": str}: the token the incident page rendered (cad.selectors.incident_version),
    read fresh, so the page says "this incident has changed" only when it has. 404 {detail,
    code} for an unknown incident."""

    allowed_roles = INCIDENT_READERS

    def get(self, request, pk: int):
        try:
            return JsonResponse({"version": selectors.incident_version(pk)})
        except DomainError as error:
            return JsonResponse({"detail": error.message, "code": error.code}, status=error.status)


def _call_assessment(request, incident) -> dict:
    """THRIVE and the DA answers on the incident page, with their forms for those who may
    change them while the incident is open."""
    thrive = incident.thrive_current
    editable = incident.is_open and _has(request, CALL_ASSESSORS)
    return {
        "thrive": thrive,
        "thrive_history": sorted(incident.thrive_assessments.all(), key=lambda v: v.version),
        "thrive_form": ThriveForm(panel=thrive.as_panel() if thrive else None)
        if editable
        else None,
        "da_form": DaAnswersForm(answers=incident.da_answers) if editable else None,
    }


def _has(request, roles) -> bool:
    return has_role(request.user, *roles)


class IncidentActionView(RoleRequiredMixin, View):
    """POST a form about one incident, call one service, and go back to the incident page with
    the outcome (a domain error is shown, nothing is half-written)."""

    form_class = None
    success = ""

    def act(self, request, incident, data):  # pragma: no cover - overridden
        raise NotImplementedError

    def post(self, request, pk: int):
        form = self.form_class(request.POST)
        if not form.is_valid():
            messages.error(request, _form_errors(form))
            return redirect("incident-detail", pk=pk)
        try:
            result = self.act(request, selectors.incident_get(pk), form)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, result if isinstance(result, str) else self.success)
        return redirect(reverse("incident-detail", args=[pk]) + self.anchor)

    anchor = ""


class IncidentGradeFormView(IncidentActionView):
    allowed_roles = GRADERS
    form_class = GradeForm

    def act(self, request, incident, form):
        result = services.incident_grade(actor=request.user, incident=incident, **form.cleaned_data)
        if isinstance(result, GradeRequest):
            return (
                f"Downgrade to {result.requested_grade} sent to a supervisor "
                f"({result.why_supervisor}). The incident stays {result.from_grade}."
            )
        return f"Graded {result.grade}."


class IncidentLogFormView(IncidentActionView):
    allowed_roles = LOG_WRITERS
    form_class = LogForm
    success = "Log line added."
    anchor = "#log"

    def act(self, request, incident, form):
        services.incident_log_add(actor=request.user, incident=incident, **form.cleaned_data)


class IncidentCloseFormView(IncidentActionView):
    allowed_roles = CLOSERS
    form_class = CloseForm
    success = "Incident closed."

    def act(self, request, incident, form):
        services.incident_close(actor=request.user, incident=incident, **form.cleaned_data)


class IncidentDomesticAbuseFormView(IncidentActionView):
    allowed_roles = GRADERS
    form_class = DomesticAbuseForm
    success = "DA qualifier updated."

    def act(self, request, incident, form):
        services.incident_set_domestic_abuse(
            actor=request.user, incident=incident, **form.cleaned_data
        )


class IncidentThriveFormView(IncidentActionView):
    allowed_roles = CALL_ASSESSORS
    form_class = ThriveForm
    anchor = "#thrive"

    def act(self, request, incident, form):
        record = services.incident_thrive_record(
            actor=request.user, incident=incident, **form.service_kwargs()
        )
        return f"THRIVE v{record.version} recorded ({record.get_status_display().lower()})."


class IncidentDaAnswersFormView(IncidentActionView):
    allowed_roles = CALL_ASSESSORS
    form_class = DaAnswersForm
    success = "DA answers recorded; the call was reassessed."
    anchor = "#da-answers"

    def act(self, request, incident, form):
        services.incident_da_answers_record(
            actor=request.user, incident=incident, **form.service_kwargs()
        )


class IncidentDetailsFormView(IncidentActionView):
    allowed_roles = DETAILS_EDITORS
    form_class = DetailsForm
    success = "Details updated; checks re-run."

    def act(self, request, incident, form):
        services.incident_update_details(
            actor=request.user, incident=incident, **form.service_kwargs()
        )


class IncidentMergeFormView(RoleRequiredMixin, View):
    """Merge this incident into another (by reference) and go to the survivor."""

    allowed_roles = INCIDENT_MERGERS

    def post(self, request, pk: int):
        form = MergeForm(request.POST)
        if not form.is_valid():
            messages.error(request, _form_errors(form))
            return redirect("incident-detail", pk=pk)
        try:
            survivor = services.incident_merge(
                actor=request.user,
                incident=selectors.incident_get(pk),
                into=selectors.incident_by_reference(form.cleaned_data["into"]),
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("incident-detail", pk=pk)
        messages.success(
            request, f"Merged into {survivor.reference}: it carries on with both logs."
        )
        return redirect("incident-detail", pk=survivor.pk)


class GradeRequestQueueView(RoleRequiredMixin, View):
    """Supervisors: pending downgrade requests, oldest first, with approve / refuse."""

    allowed_roles = DOWNGRADE_QUEUE_READERS

    def get(self, request):
        queue = selectors.grade_request_queue()
        queue["can_decide"] = _has(request, DOWNGRADE_SIGNERS)
        return render(request, "cad/grade_requests.html", queue)


class GradeRequestDecideView(RoleRequiredMixin, View):
    allowed_roles = DOWNGRADE_SIGNERS

    def post(self, request, pk: int):
        form = DecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _form_errors(form))
            return redirect("grade-request-queue")
        try:
            decided = services.grade_request_decide(
                actor=request.user,
                grade_request=selectors.grade_request_get(pk),
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                f"{decided.incident.reference}: downgrade to {decided.requested_grade} "
                f"{decided.status.lower()}.",
            )
        return redirect("grade-request-queue")
