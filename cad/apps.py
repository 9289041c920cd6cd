from django.apps import AppConfig


class CadConfig(AppConfig):
    name = "cad"
    verbose_name = "CAD: calls, incidents and grading"

    def ready(self):
        from cad.demo import seed_calls
        from core.demo import register_demo_seeder
        from core.navigation import Screen, register_screen
        from core.roles import DOWNGRADE_SIGNERS, INCIDENT_READERS
        from core.roles import Role as R

        register_screen(
            Screen(
                "call_taking",
                "Call taking",
                "call-taking",
                (R.CALL_HANDLER,),
                "Take a 999/101 call and grade it.",
                10,
            )
        )
        register_screen(
            Screen(
                "switchboard",
                "Switchboard message",
                "switchboard",
                (R.CALL_HANDLER,),
                "Record a contact that raises no incident.",
                12,
            )
        )
        register_screen(
            Screen(
                "incidents",
                "Incidents",
                "incident-list",
                INCIDENT_READERS,
                "Search and open incidents.",
                14,
            )
        )
        register_screen(
            Screen(
                "grade_requests",
                "Downgrade sign-off",
                "grade-request-queue",
                DOWNGRADE_SIGNERS,
                "Approve or refuse downgrades of risk calls.",
                16,
            )
        )
        from cad import refdata
        from cad.models import GradePolicy
        from cad.signals import grade_policy_changed

        # The database's version number tells every process (`cad.refdata`); this one also
        # drops its copies at once.
        grade_policy_changed.connect(
            refdata.clear, sender=GradePolicy, dispatch_uid="cad.refdata.grade_policies"
        )
        # After intelligence and markers (their seeders run first, so the checks find them).
        register_demo_seeder("cad", seed_calls, order=50)
