"""Re-run the check, as the system, when an incident's caller, address or named people change."""

import logging

from django.db import transaction
from django.dispatch import receiver

from cad.signals import incident_changed

logger = logging.getLogger(__name__)


@receiver(incident_changed, dispatch_uid="intelligence.recheck_on_change")
def recheck_on_change(sender, incident, actor=None, changes=None, now=None, **kwargs):
    from intelligence.services import intel_check_on_change

    try:
        with transaction.atomic():
            intel_check_on_change(incident=incident, actor=actor, changes=changes or {}, now=now)
    except Exception:  # the edit itself must not fail because the check could not run
        logger.exception("intelligence re-check failed for incident %s", incident.pk)
