"""What a server process does as it starts, whichever entry point loaded it (controlroom/asgi.py
under daphne, controlroom/wsgi.py in each gunicorn worker)."""

from django.conf import settings


def server_started() -> None:
    """Start training the grading text models in a background thread (about 4 s on 4,300
    narratives on 2 cores), so a call in the process's first seconds is not assessed on the rules
    alone (`cad.grading.textmodel.models_within`). Off with GRADING_TRAIN_AT_START=0."""
    if settings.GRADING_TRAIN_AT_START:
        from cad.grading import textmodel

        textmodel.models_within(0)
