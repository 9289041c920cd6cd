"""QA review of diverts: the reviewer's findings and the urgent-review flag.

Both are append-only: a changed finding or flag is a new row, so the review history is kept and
the latest row is the current one. Every row is also written to the audit trail by a service.
"""

from django.conf import settings
from django.db import models

# The longest finding note or urgent-flag reason a reviewer may write.
MAX_REVIEW_TEXT = 4000


class FindingOutcome(models.TextChoices):
    APPROPRIATE = "APPROPRIATE", "Appropriate"
    NOT_APPROPRIATE = "NOT_APPROPRIATE", "Not appropriate"
    LEARNING_IDENTIFIED = "LEARNING_IDENTIFIED", "Learning identified"


class DivertOutcome(models.TextChoices):
    """What became of the incident a unit was diverted from. Computed by the divert queries
    (never stored), and a filter of the divert tag list."""

    OVERRIDDEN = "OVERRIDDEN", "Overridden: unit sent back"
    RE_RESOURCED = "RE_RESOURCED", "Re-resourced"
    NEVER_RE_RESOURCED = "NEVER_RE_RESOURCED", "Never re-resourced"


class DivertFinding(models.Model):
    """A QA reviewer's finding on one divert. The latest row per divert is the current one."""

    divert = models.ForeignKey("dispatch.Divert", on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=20, choices=FindingOutcome.choices)
    notes = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["divert", "-recorded_at"])]

    def __str__(self):
        return f"divert {self.divert_id}: {self.outcome}"


class DivertUrgentFlag(models.Model):
    """A divert marked for (or cleared from) urgent review. The latest row per divert counts."""

    divert = models.ForeignKey("dispatch.Divert", on_delete=models.PROTECT, related_name="+")
    urgent = models.BooleanField()
    reason = models.TextField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()

    class Meta:
        ordering = ["-set_at", "-id"]
        indexes = [models.Index(fields=["divert", "-set_at"])]

    def __str__(self):
        return f"divert {self.divert_id}: urgent={self.urgent}"
