from django.apps import AppConfig


class RiskflagsConfig(AppConfig):
    name = "riskflags"
    verbose_name = "Location risk markers (special schemes)"

    def ready(self):
        from cad.context import register_context_provider, register_marker_lookup
        from cad.panels import register_incident_panel
        from core.demo import register_demo_seeder
        from core.navigation import Screen, register_screen
        from core.roles import MARKER_READERS, Role
        from riskflags.context import MarkerContextProvider
        from riskflags.demo import seed_markers
        from riskflags.selectors import markers_matching

        register_context_provider(MarkerContextProvider())
        register_marker_lookup(markers_matching)
        register_incident_panel(
            "riskflags", "riskflags/_incident_markers.html", order=20, replaces=("markers",)
        )
        register_screen(
            Screen(
                "markers",
                "Location markers",
                "markers",
                MARKER_READERS,
                "Special schemes: active, due for review, awaiting START contact, expired, "
                "withdrawn.",
                50,
            )
        )
        register_screen(
            Screen(
                "my_markers",
                "My markers",
                "my_markers",
                (Role.OIC,),
                "Your markers and what is due: victim contacts and reviews.",
                52,
            )
        )
        register_demo_seeder("riskflags", seed_markers, order=40)
