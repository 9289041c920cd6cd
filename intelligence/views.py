"""Intelligence screens: search (a check run by a person), a stored check, an incident's checks
and the support operators' queue. Thin: parse, call one service or selector, render."""

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from cad.exceptions import DomainError
from cad.selectors import incident_get
from core.permissions import RoleRequiredMixin
from core.roles import INTEL_QUEUE_READERS, INTEL_QUEUE_WORKERS, INTEL_READERS, has_role
from intelligence import selectors, services
from intelligence.models import CheckRequest


def _form(request) -> dict:
    data = request.POST if request.method == "POST" else request.GET
    return {
        "phone": data.get("phone", "")[:60],
        "address": data.get("address", "")[:300],
        "name": data.get("name", "")[:200],
    }


class SearchView(RoleRequiredMixin, View):
    """Search a number, an address or a name. Every search is a check, stored and audited."""

    allowed_roles = INTEL_READERS
    template_name = "intelligence/search.html"

    def get(self, request):
        return render(request, self.template_name, {"form": _form(request)})

    def post(self, request):
        form = _form(request)
        try:
            check = services.intel_check_run(
                actor=request.user,
                phone=form["phone"],
                address=form["address"],
                names=[form["name"]] if form["name"] else [],
            )
        except DomainError as exc:
            return render(
                request, self.template_name, {"form": form, "error": exc.message}, status=400
            )
        return HttpResponseRedirect(reverse("intel-check", args=[check.pk]))


class CheckDetailView(RoleRequiredMixin, View):
    allowed_roles = INTEL_READERS

    def get(self, request, pk: int):
        try:
            check = selectors.check_get(pk)
        except DomainError as exc:
            return render(request, "intelligence/search.html", {"error": exc.message}, status=404)
        services.intel_checks_viewed(actor=request.user, checks=[check], via="check page")
        query = (check.result or {}).get("query", {})
        form = {
            "phone": query.get("phone", ""),
            "address": query.get("address", ""),
            "name": ", ".join(query.get("names", [])),
        }
        return render(
            request,
            "intelligence/search.html",
            {"form": form, "check": check, "c": selectors.check_dict(check)},
        )


class IncidentChecksView(RoleRequiredMixin, View):
    """An incident's checks: the latest in full, the history, a further check and a request
    for a deeper one."""

    allowed_roles = INTEL_READERS
    template_name = "intelligence/incident_checks.html"

    def _render(self, request, pk: int, *, error: str = "", status: int = 200):
        try:
            incident = incident_get(pk)
        except DomainError as exc:
            return render(request, self.template_name, {"error": exc.message}, status=404)
        checks = list(selectors.incident_checks(incident.pk)[:50])
        if checks:
            services.intel_checks_viewed(actor=request.user, checks=checks[:1], via="incident page")
        return render(
            request,
            self.template_name,
            {
                "incident": incident,
                "checks": checks,
                "c": selectors.check_dict(checks[0]) if checks else None,
                "requests": selectors.check_requests().filter(incident=incident),
                "error": error,
            },
            status=status,
        )

    def get(self, request, pk: int):
        return self._render(request, pk)

    def post(self, request, pk: int):
        try:
            incident = incident_get(pk)
            if request.POST.get("action") == "request":
                services.check_request_create(
                    actor=request.user,
                    incident=incident,
                    reason=request.POST.get("reason", ""),
                    systems=request.POST.get("systems", ""),
                )
            else:
                services.intel_check_run(actor=request.user, incident=incident)
        except DomainError as exc:
            return self._render(request, pk, error=exc.message, status=400)
        return HttpResponseRedirect(reverse("intel-incident", args=[pk]))


class QueueView(RoleRequiredMixin, View):
    """The support operators' queue, most urgent first. htmx refreshes the table in place."""

    allowed_roles = INTEL_QUEUE_READERS

    def _context(self, request, *, error: str = "") -> dict:
        show = request.GET.get("show", "open")
        requests = selectors.check_requests()
        if show == "open":
            requests = requests.filter(status__in=["OPEN", "IN_PROGRESS"])
        return {
            "requests": requests[:200],
            "show": show,
            "outcomes": CheckRequest.Outcome.choices,
            "can_work": services_can_work(request.user),
            "error": error,
        }

    def get(self, request):
        template = "intelligence/_queue_table.html" if request.htmx else "intelligence/queue.html"
        return render(request, template, self._context(request))

    def post(self, request):
        if not services_can_work(request.user):
            return render(
                request,
                "intelligence/_queue_table.html",
                self._context(request, error="Only support operators work the queue."),
                status=403,
            )
        error = ""
        try:
            target = selectors.check_request_get(int(request.POST.get("request", "0") or 0))
            action = request.POST.get("action")
            if action == "claim":
                services.check_request_claim(actor=request.user, request=target)
            elif action == "complete":
                services.check_request_complete(
                    actor=request.user,
                    request=target,
                    outcome=request.POST.get("outcome", ""),
                    note=request.POST.get("note", ""),
                )
            else:
                error = "Unknown action."
        except (DomainError, ValueError) as exc:
            error = getattr(exc, "message", "That request does not exist.")
        template = "intelligence/_queue_table.html" if request.htmx else "intelligence/queue.html"
        return render(
            request, template, self._context(request, error=error), status=400 if error else 200
        )


def services_can_work(user) -> bool:
    return has_role(user, *INTEL_QUEUE_WORKERS)
