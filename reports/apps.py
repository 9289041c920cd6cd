from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports and quality assurance"

    def ready(self):
        from core.navigation import Screen, register_screen
        from core.roles import QA_REVIEWERS, REPORT_READERS

        register_screen(
            Screen(
                "reports",
                "Reports",
                "reports:index",
                REPORT_READERS,
                "Response times, breaches, downgrades, contact demand, markers, staffing.",
                60,
            )
        )
        register_screen(
            Screen(
                "divert_qa",
                "Divert tag list",
                "reports:diverts",
                QA_REVIEWERS,
                "Review every divert after the event: outcome, finding, urgent review.",
                62,
            )
        )
