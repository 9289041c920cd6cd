from django.apps import AppConfig


class StaffingConfig(AppConfig):
    name = "staffing"
    verbose_name = "Staffing: shifts, minimums and sign-on"

    def ready(self):
        """The staffing screen, its section of the alert board, and the demo shift."""
        from core.demo import register_demo_seeder
        from monitoring.board import BoardSection, register_board_section
        from staffing import demo, selectors, views
        from staffing.serializers import ShiftStaffingSerializer

        views.register_screens()
        register_board_section(
            BoardSection(
                key="staffing",
                template="staffing/_board_section.html",
                read=lambda now: selectors.staffing_state(now=now),
                serializer=lambda: ShiftStaffingSerializer(many=True),
            )
        )
        register_demo_seeder("staffing", demo.seed_demo_staffing, order=200)
