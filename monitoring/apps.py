from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Response-time monitoring and alerts"

    def ready(self):
        """Settle and check response-time alerts when an incident changes; move the scan's
        cursor back when a grade's due-soon lead grows; the alert board and policy screens."""
        from cad.models import GradePolicy, Incident
        from cad.signals import grade_policy_changed, incident_changed, incident_created
        from monitoring import services, views

        incident_changed.connect(
            services.on_incident_changed, sender=Incident, dispatch_uid="monitoring.incidents"
        )
        incident_created.connect(
            services.on_incident_created, sender=Incident, dispatch_uid="monitoring.incidents"
        )
        grade_policy_changed.connect(
            services.on_grade_policy_changed,
            sender=GradePolicy,
            dispatch_uid="monitoring.grade_policies",
        )
        views.register_screens()
