"""Report pages (chart + table + CSV export) and the QA reviewer's divert screens.
Thin: parse, one query or service call, render."""

from django.contrib import messages
from django.http import HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from cad.exceptions import DomainError
from core.permissions import RoleRequiredMixin
from core.roles import QA_REVIEWERS, REPORT_READERS, has_role
from reports import services
from reports.filters import FILTER_HELP, FILTER_LABELS, filter_choices, int_control
from reports.models import FindingOutcome
from reports.presentation.charts import chart_svg_context
from reports.presentation.csv_export import csv_lines
from reports.queries.diverts import divert_get
from reports.queries.live_version import diverts_version, timeline_version
from reports.queries.timeline import incident_qa_timeline
from reports.registry import STANDARD_REPORTS, report_definition, run_report

PAGE_SIZE = 100


class ReportIndexView(RoleRequiredMixin, View):
    allowed_roles = REPORT_READERS

    def get(self, request):
        return render(
            request,
            "reports/index.html",
            {"reports": STANDARD_REPORTS, "is_qa": has_role(request.user, *QA_REVIEWERS)},
        )


class ReportPageView(RoleRequiredMixin, View):
    """A report: filters, summary, charts and tables, with CSV export links."""

    allowed_roles = REPORT_READERS
    template_name = "reports/report.html"

    def get(self, request, name: str):
        try:
            definition = report_definition(name)
        except DomainError as error:
            return render(request, "reports/error.html", {"error": error.message}, status=404)
        context = {
            "definition": definition,
            "filter_help": {key: FILTER_HELP[key] for key in definition.filters},
            "choices": filter_choices(),
            "values": request.GET.dict(),
            "labels": FILTER_LABELS,
            "is_qa": has_role(request.user, *QA_REVIEWERS),
            # Read before the report: a change made while it runs shows as "changed".
            "live_version": diverts_version() if name == "diverts" else "",
        }
        now = timezone.now()
        try:
            page = int_control(request.GET, "page", default=1, minimum=1, maximum=100_000)
            result = run_report(
                name,
                request.GET,
                now=now,
                today=timezone.localdate(now),
                limit=PAGE_SIZE,
                offset=(page - 1) * PAGE_SIZE,
            )
        except DomainError as error:
            context["error"] = error.message
            return render(request, self.template_name, context, status=error.status)
        context.update(
            result=result,
            charts=[chart_svg_context(chart) for chart in result.charts],
            page=page,
            page_size=PAGE_SIZE,
            generated_at=now,
            querystring=result.filters.querystring(),
        )
        context["values"].update(
            date_from=result.filters.date_from.isoformat(),
            date_to=result.filters.date_to.isoformat(),
        )
        return render(request, self.template_name, context)


class ReportCsvView(RoleRequiredMixin, View):
    """One table of a report as CSV, every row (not just the page shown)."""

    allowed_roles = REPORT_READERS

    def get(self, request, name: str):
        now = timezone.now()
        try:
            result = run_report(
                name, request.GET, now=now, today=timezone.localdate(now), limit=None
            )
            key = request.GET.get("table") or result.tables[0].key
            table = result.table(key)
        except KeyError:
            return render(
                request,
                "reports/error.html",
                {"error": f"The {name} report has no table {key!r}."},
                status=400,
            )
        except DomainError as error:
            return render(
                request, "reports/error.html", {"error": error.message}, status=error.status
            )
        filters = result.filters
        filename = f"{name}-{table.key}-{filters.date_from}-to-{filters.date_to}.csv"
        response = StreamingHttpResponse(csv_lines(table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class IncidentTimelineView(RoleRequiredMixin, View):
    """An incident's timeline for review: its diverts (with the QA finding forms) and the audit
    trail and log merged, oldest first."""

    allowed_roles = REPORT_READERS

    def get(self, request, pk: int):
        try:
            version = timeline_version(pk)  # before the read: a change meanwhile shows
            detail = incident_qa_timeline(pk, now=timezone.now())
        except DomainError as error:
            return render(
                request, "reports/error.html", {"error": error.message}, status=error.status
            )
        return render(
            request,
            "reports/timeline.html",
            {
                **detail,
                "live_version": version,
                "is_qa": has_role(request.user, *QA_REVIEWERS),
                "finding_choices": FindingOutcome.choices,
                "back": request.GET.get("back", ""),
            },
        )


class DivertsVersionView(RoleRequiredMixin, View):
    """GET {"version": str}: the divert tag list's token (reports.queries.live_version)."""

    allowed_roles = REPORT_READERS

    def get(self, request):
        return JsonResponse({"version": diverts_version()})


class TimelineVersionView(RoleRequiredMixin, View):
    """GET {"version": str}: an incident timeline's token; 404 {detail, code} when unknown."""

    allowed_roles = REPORT_READERS

    def get(self, request, pk: int):
        try:
            return JsonResponse({"version": timeline_version(pk)})
        except DomainError as error:
            return JsonResponse({"detail": error.message, "code": error.code}, status=error.status)


class _DivertWriteView(RoleRequiredMixin, View):
    allowed_roles = QA_REVIEWERS

    def write(self, request, pk: int):  # pragma: no cover - overridden
        raise NotImplementedError

    def post(self, request, pk: int):
        error = ""
        try:
            self.write(request, pk)
        except DomainError as exc:
            error = exc.message
        if request.htmx:
            try:
                divert = divert_get(pk, now=timezone.now())
            except DomainError as exc:
                return render(request, "reports/error.html", {"error": exc.message}, status=404)
            return render(
                request,
                "reports/_divert_card.html",
                {
                    "divert": divert,
                    "is_qa": True,
                    "finding_choices": FindingOutcome.choices,
                    "error": error,
                    "saved": not error,
                    "posted": request.POST,
                },
            )
        if error:
            messages.error(request, error)
        else:
            messages.success(request, "Saved.")
        incident_id = request.POST.get("incident", "")
        target = (
            reverse("reports:incident_timeline", args=[int(incident_id)])
            if incident_id.isdecimal()
            else reverse("reports:diverts")
        )
        return HttpResponseRedirect(target)


class DivertFindingView(_DivertWriteView):
    def write(self, request, pk: int):
        services.divert_finding_record(
            actor=request.user,
            divert_id=pk,
            outcome=request.POST.get("outcome", ""),
            notes=request.POST.get("notes", ""),
        )


class DivertUrgentView(_DivertWriteView):
    def write(self, request, pk: int):
        services.divert_urgent_set(
            actor=request.user,
            divert_id=pk,
            urgent=request.POST.get("urgent") == "true",
            reason=request.POST.get("reason", ""),
        )
