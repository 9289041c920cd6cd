"""Signals that let the apps above `cad` react to incident changes without `cad` importing them.

All are sent inside the service's transaction, so a receiver's writes commit or roll back with it.
`now` is the time the service was given: a receiver stamps what it writes with it, so the
incident's log and audit trail read in the order things happened.
"""

from django.dispatch import Signal

# sender=Incident, incident=..., actor=..., now=datetime
incident_created = Signal()
# sender=Incident, incident=..., actor=..., changes={field: (old, new)}, now=datetime
incident_changed = Signal()
# sender=GradePolicy, policy=..., actor=..., changes={field: (old, new)}, now=datetime
# A grade's targets or due-soon lead changed (sent inside `grade_policy_update`'s transaction).
grade_policy_changed = Signal()
# sender=Incident, incident=<the one being merged>, into=<the survivor>, actor=..., now=datetime
# Sent first in `incident_merge`'s transaction, before cad locks the two incidents, so a
# receiver can lock what it owns in its own order (dispatch: the units, then the incidents) and
# move it to the survivor. Raising a domain error undoes the whole merge.
incident_merging = Signal()
