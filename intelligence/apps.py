from django.apps import AppConfig


class IntelligenceConfig(AppConfig):
    name = "intelligence"
    verbose_name = "Intelligence: records, automatic checks and the check queue"

    def ready(self):
        from cad.context import register_context_provider
        from core.demo import register_demo_seeder
        from core.navigation import Screen, register_screen
        from core.roles import INTEL_QUEUE_READERS, INTEL_READERS
        from intelligence import receivers  # noqa: F401  (connects the signal receivers)
        from intelligence.demo import seed_demo_intel
        from intelligence.provider import provider

        register_context_provider(provider)
        register_screen(
            Screen(
                "intel_search",
                "Intelligence search",
                "intel-search",
                INTEL_READERS,
                "Search people, numbers and addresses.",
                40,
            )
        )
        register_screen(
            Screen(
                "check_queue",
                "Check queue",
                "intel-queue",
                INTEL_QUEUE_READERS,
                "Requested deeper intelligence checks.",
                42,
            )
        )
        register_demo_seeder("intelligence", seed_demo_intel, order=40)
