from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = "Dispatch: units, assignments, diverts and the outstanding list"

    def ready(self):
        """`assignments` on the incident API, the dispatch panel on the incident page, the
        closing check, units moving with a merge, the dispatch screens, the demo units, and the live
        groups an officer follows."""
        from cad import context as call_context
        from cad.models import Incident
        from cad.panels import register_incident_panel
        from cad.signals import incident_changed, incident_merging
        from core.demo import register_demo_seeder
        from core.live import register_scope_provider
        from dispatch import selectors, services, views

        # An officer's live socket follows the unit they crew and the incident it is on.
        register_scope_provider(selectors.live_groups_for)
        call_context.register_context_provider(selectors.AssignmentsContextProvider())
        register_incident_panel(
            "dispatch", "dispatch/_incident_actions.html", order=10, replaces=("assignments",)
        )
        incident_changed.connect(
            services.on_incident_changed, sender=Incident, dispatch_uid="dispatch.units"
        )
        incident_merging.connect(
            services.on_incident_merging, sender=Incident, dispatch_uid="dispatch.merge"
        )
        views.register_screens()
        register_demo_seeder("dispatch units", services.units_demo_seed, order=60)
