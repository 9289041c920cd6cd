from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "dispatch"

    def ready(self):
        self._ready_monitoring()

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
