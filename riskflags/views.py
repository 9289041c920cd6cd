"""HTML screens for markers: thin views that parse a form, call one service or selector, and
render. Domain errors are shown on the page with their 4xx status; nothing is half-written."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views import View

from core.exceptions import DomainError, NotFound
from core.permissions import RoleRequiredMixin
from core.roles import MARKER_MANAGERS, MARKER_MATCH_DISMISSERS, MARKER_READERS, Role, has_role
from riskflags import selectors, services
from riskflags.forms import ContactForm, ExtendForm, MarkerEditForm, MarkerForm, WithdrawForm
from riskflags.models import IN_FORCE, ContactPurpose, MarkerStatus


def _marker(pk: int):
    try:
        return selectors.marker_get(pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _form_error(form, error: DomainError):
    """The service's error on the form: on its field when the form has it, else at the top."""
    fields = [name for name in error.fields if name in form.fields]
    if not fields:
        form.add_error(None, error.message)
    for name in fields:
        for message in error.fields[name]:
            form.add_error(name, message)


class MarkerListView(RoleRequiredMixin, View):
    """All markers, by filter (active, due for review, awaiting START contact, ...)."""

    allowed_roles = MARKER_READERS

    def get(self, request):
        show = request.GET.get("show") or "active"
        if show not in selectors.MARKER_FILTERS:
            show = "active"
        q = (request.GET.get("q") or "").strip()[:200]
        now = timezone.now()
        counts = selectors.marker_counts(now=now)
        context = {
            "show": show,
            "q": q,
            "filters": [(k, label, counts[k]) for k, label in selectors.MARKER_FILTERS.items()],
            "rows": [
                {"marker": m, "status": m.status_at(now), "due": selectors.marker_due(m, now=now)}
                for m in selectors.marker_list(show=show, q=q, now=now)[:500]
            ],
            "can_manage": has_role(request.user, *MARKER_MANAGERS),
            "now": now,
        }
        template = "riskflags/_marker_panel.html" if request.htmx else "riskflags/list.html"
        services.marker_list_viewed(
            actor=request.user,
            marker_ids=[row["marker"].pk for row in context["rows"]],
            via="list page",
        )
        return TemplateResponse(request, template, context)


class MyMarkersView(RoleRequiredMixin, View):
    """The OIC's own markers, what is due first, and the ones that ended lately."""

    allowed_roles = (Role.OIC,)

    def get(self, request):
        now = timezone.now()
        rows = selectors.oic_markers(oic=request.user, now=now)
        return TemplateResponse(
            request,
            "riskflags/mine.html",
            {
                "rows": rows,
                "due_count": sum(1 for r in rows if r["due"]),
                "ended": selectors.oic_recently_ended(oic=request.user, now=now),
                "now": now,
            },
        )


class MarkerCreateView(RoleRequiredMixin, View):
    allowed_roles = MARKER_MANAGERS

    def _render(self, request, form, status=200, duplicates=()):
        return TemplateResponse(
            request,
            "riskflags/create.html",
            {"form": form, "duplicates": duplicates},
            status=status,
        )

    def get(self, request):
        now = timezone.localtime().replace(second=0, microsecond=0)
        initial = {"starts_at": now, "expires_at": now + timedelta(days=90)}
        if has_role(request.user, Role.OIC):
            initial["oic"] = request.user.get_username()
        return self._render(request, MarkerForm(initial=initial))

    def post(self, request):
        form = MarkerForm(request.POST)
        if not form.is_valid():
            return self._render(request, form, status=400)
        try:
            marker = services.marker_create(
                actor=request.user,
                confirm_duplicate=request.POST.get("confirm_duplicate") == "1",
                **form.cleaned_data,
            )
        except services.DuplicateMarkers as duplicate:
            # The form comes back as typed, with the markers it repeats and a confirm button.
            return self._render(request, form, status=409, duplicates=duplicate.duplicates)
        except DomainError as error:
            _form_error(form, error)
            return self._render(request, form, status=error.status)
        messages.success(
            request,
            f"Marker #{marker.pk} is active. Tell {marker.victim_name} about it now and record "
            "the START contact.",
        )
        return redirect("marker_detail", pk=marker.pk)


class MarkerDetailView(RoleRequiredMixin, View):
    """One marker: its state, what is due, the contact log, the full history and the forms."""

    allowed_roles = MARKER_READERS

    def get(self, request, pk: int):
        return render_marker_page(request, pk)


def render_marker_page(request, pk: int, *, forms=None, error=None, status: int = 200):
    marker = _marker(pk)
    now = timezone.now()
    current = marker.status_at(now)
    can_manage = services.can_manage_marker(request.user, marker)
    forms = forms or {}
    contacts = list(selectors.marker_contacts(marker))
    services.markers_viewed(actor=request.user, marker_ids=[marker.pk], via="page")
    initial_contact = {"purpose": ContactPurpose.START}
    if any(c.purpose == ContactPurpose.START for c in contacts):
        initial_contact["purpose"] = ContactPurpose.REVIEW
    if current == MarkerStatus.WITHDRAWN or "withdraw" in forms:
        initial_contact["purpose"] = ContactPurpose.WITHDRAWAL
    elif "extend" in forms:
        initial_contact["purpose"] = ContactPurpose.EXTENSION
    if request.GET.get("purpose") in ContactPurpose.values:
        initial_contact["purpose"] = request.GET["purpose"]
    context = {
        "marker": marker,
        "status": current,
        "is_active": current in IN_FORCE,
        "due": selectors.marker_due(marker, now=now),
        "contacts": contacts,
        "has_withdrawal_contact": any(c.purpose == ContactPurpose.WITHDRAWAL for c in contacts),
        "has_extension_contact": selectors.marker_has_contact(marker, ContactPurpose.EXTENSION),
        "history": selectors.marker_history(marker),
        "can_manage": can_manage,
        "contact_form": forms.get("contact") or ContactForm(initial=initial_contact),
        "extend_form": forms.get("extend") or ExtendForm(),
        "withdraw_form": forms.get("withdraw") or WithdrawForm(),
        "error": error,
        "now": now,
    }
    return TemplateResponse(request, "riskflags/detail.html", context, status=status)


class _MarkerActionView(RoleRequiredMixin, View):
    """POST a form on the marker page: one service call; on a domain error the page is shown
    again with the message and the 4xx status, and nothing is changed."""

    allowed_roles = MARKER_MANAGERS
    form_class = None
    form_key = ""
    success_message = ""

    def act(self, request, marker, data):
        raise NotImplementedError

    def post(self, request, pk: int):
        form = self.form_class(request.POST)
        if not form.is_valid():
            return render_marker_page(
                request, pk, forms={self.form_key: form}, error="Check the form.", status=400
            )
        marker = _marker(pk)
        try:
            self.act(request, marker, form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
            return render_marker_page(
                request, pk, forms={self.form_key: form}, error=error.message, status=error.status
            )
        messages.success(request, self.success_message)
        return redirect("marker_detail", pk=pk)


class MarkerContactView(_MarkerActionView):
    form_class = ContactForm
    form_key = "contact"
    success_message = "Contact attempt recorded."

    def act(self, request, marker, data):
        services.victim_contact_record(actor=request.user, marker=marker, **data)


class MarkerExtendView(_MarkerActionView):
    form_class = ExtendForm
    form_key = "extend"
    success_message = "Marker extended."

    def act(self, request, marker, data):
        services.marker_extend(actor=request.user, marker=marker, **data)


class MarkerWithdrawView(_MarkerActionView):
    form_class = WithdrawForm
    form_key = "withdraw"
    success_message = "Marker withdrawn. It stays visible to call handlers as history."

    def act(self, request, marker, data):
        services.marker_withdraw(actor=request.user, marker=marker, **data)


class MarkerEditView(RoleRequiredMixin, View):
    allowed_roles = MARKER_MANAGERS

    def _render(self, request, marker, form, status=200):
        return TemplateResponse(
            request, "riskflags/edit.html", {"marker": marker, "form": form}, status=status
        )

    def get(self, request, pk: int):
        marker = _marker(pk)
        if not services.can_manage_marker(request.user, marker):
            raise PermissionDenied("Only this marker's OIC, a supervisor or an admin can edit it.")
        form = MarkerEditForm(
            initial={
                "phones": ", ".join(marker.phones),
                "victim_name": marker.victim_name,
                "perpetrator_name": marker.perpetrator_name,
                "reason": marker.reason,
                "risk_level": marker.risk_level,
                "grade_floor": marker.grade_floor,
                "oic": marker.oic.username,
                "supervisor": marker.supervisor.username if marker.supervisor_id else "",
            }
        )
        return self._render(request, marker, form)

    def post(self, request, pk: int):
        marker = _marker(pk)
        form = MarkerEditForm(request.POST)
        if not form.is_valid():
            return self._render(request, marker, form, status=400)
        try:
            services.marker_update(actor=request.user, marker=marker, **form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
            return self._render(request, marker, form, status=error.status)
        messages.success(request, "Marker details saved.")
        return redirect("marker_detail", pk=pk)


class MarkerDismissMatchView(RoleRequiredMixin, View):
    """POST incident, reason (the incident page's "not this address" button): dismiss a
    probable marker match, then back to the incident with what happened."""

    allowed_roles = MARKER_MATCH_DISMISSERS

    def post(self, request, pk: int):
        incident_id = request.POST.get("incident", "")
        if not incident_id.isdigit():
            return HttpResponseBadRequest("Which incident?")
        try:
            services.marker_match_dismiss(
                actor=request.user,
                marker_id=pk,
                incident_id=int(incident_id),
                reason=request.POST.get("reason", ""),
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Marker #{pk}: probable match dismissed.")
        return redirect("incident-detail", pk=int(incident_id))
