from django.apps import AppConfig


class RiskflagsConfig(AppConfig):
    name = "riskflags"
