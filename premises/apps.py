from django.apps import AppConfig


class PremisesConfig(AppConfig):
    name = "premises"
    verbose_name = "Premises register (gazetteer)"

    def ready(self):
        from core.demo import register_demo_seeder
        from premises.demo import seed_premises

        # Before every other seeder: their addresses resolve to these premises.
        register_demo_seeder("premises", seed_premises, order=10)
