"""Signals that let the apps above `cad` react to incident changes without `cad` importing them.

All are sent inside the service's transaction, so a receiver's writes commit or roll back with it.
"""

from django.dispatch import Signal

# sender=Incident, incident=..., actor=...
incident_created = Signal()
# sender=Incident, incident=..., actor=..., changes={field: (old, new)}
incident_changed = Signal()
