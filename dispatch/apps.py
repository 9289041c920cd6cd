from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "dispatch"

    def ready(self):
        self._ready_monitoring()
        self._ready_units()

    def _ready_units(self):
        """Units, assignments and diverts (issue 6): `assignments` on the incident API, the
        closing check, the escalation task, the dispatch screens and the demo units."""
        from cad import context as call_context
        from cad.models import Incident
        from cad.panels import register_incident_panel
        from cad.signals import incident_changed
        from core.demo import register_demo_seeder
        from dispatch import divert_tasks, selectors, services, views  # noqa: F401 (the task)

        call_context.register_context_provider(selectors.AssignmentsContextProvider())
        register_incident_panel(
            "dispatch", "dispatch/_incident_actions.html", order=10, replaces=("assignments",)
        )
        incident_changed.connect(
            services.on_incident_changed, sender=Incident, dispatch_uid="dispatch.units"
        )
        views.register_screens()
        register_demo_seeder("dispatch units", services.units_demo_seed, order=60)

    def _ready_monitoring(self):
        """Response-time monitoring and staffing (issue 7): settle alerts on arrival, closure
        and regrade; the alert board, staffing and grade policy screens; demo shift."""
        from cad.models import Incident
        from cad.signals import incident_changed, incident_created
        from dispatch import monitoring, monitoring_views

        incident_changed.connect(
            monitoring.on_incident_changed, sender=Incident, dispatch_uid="dispatch.monitoring"
        )
        incident_created.connect(
            monitoring.on_incident_created, sender=Incident, dispatch_uid="dispatch.monitoring"
        )
        monitoring_views.register_screens()
        monitoring_views.register_demo()
