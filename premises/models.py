"""The premises register (gazetteer): every addressable place the control room may be called to,
by UPRN, with its address parts and coordinates, in the AddressBase shape."""

from django.db import models
from django.db.models import Q

from premises.parsing import AddressParts


def _display(text: str) -> str:
    """Gazetteers write addresses in capitals ("FLAT 21A, ST MARY'S ROAD"); show them as words
    ("Flat 21A, St Mary's Road"), numbers as given."""
    if not text.isupper():
        return text
    return " ".join(w if any(c.isdigit() for c in w) else w.capitalize() for w in text.split())


class Premises(models.Model):
    """One addressable premises: a house, a flat, a shop, a pub.

    Display fields keep the address as the gazetteer gave it; the `*_key` fields hold the
    compared form (`premises.words`) that lookups use, and `search_text` the words the address
    search matches (PostgreSQL searches them through an inverted index: migration 0002).
    """

    uprn = models.BigIntegerField(unique=True, help_text="Unique Property Reference Number")
    sub_building = models.CharField(max_length=100, blank=True)  # "Flat 21A"
    building_name = models.CharField(max_length=100, blank=True)  # "Acacia House"
    building_number = models.CharField(max_length=20, blank=True)  # "5"
    street = models.CharField(max_length=100, blank=True)  # "Mill Lane"
    locality = models.CharField(max_length=100, blank=True)  # "Headingley"
    town = models.CharField(max_length=60, blank=True)  # "Leeds"
    postcode = models.CharField(max_length=8, blank=True)  # "LS6 2AB"
    latitude = models.FloatField(null=True, blank=True)  # WGS84 degrees
    longitude = models.FloatField(null=True, blank=True)
    sub_building_key = models.CharField(max_length=100, blank=True)  # "21a"
    building_key = models.CharField(max_length=100, blank=True)  # "acacia house"
    number_key = models.CharField(max_length=20, blank=True)  # "5"
    street_key = models.CharField(max_length=100, blank=True)  # "mill lane"
    locality_key = models.CharField(max_length=100, blank=True)
    town_key = models.CharField(max_length=60, blank=True)
    search_text = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "premises"
        ordering = ["street_key", "number_key", "sub_building_key", "uprn"]
        # The matcher's index hits: a building by number and street, by postcode (and number),
        # or by its name.
        indexes = [
            models.Index(fields=["street_key", "number_key"], name="premises_street_number_idx"),
            models.Index(fields=["postcode", "number_key"], name="premises_postcode_number_idx"),
            models.Index(fields=["building_key", "street_key"], name="premises_building_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(uprn__gt=0) & Q(uprn__lt=10**12), name="premises_uprn_12_digits"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | (Q(latitude__gte=-90) & Q(latitude__lte=90)),
                name="premises_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True)
                | (Q(longitude__gte=-180) & Q(longitude__lte=180)),
                name="premises_longitude_range",
            ),
        ]

    def __str__(self):
        return f"{self.one_line} (UPRN {self.uprn})"

    @property
    def one_line(self) -> str:
        """ "Flat 21A, Acacia House, 5 Mill Lane, Headingley, Leeds LS6 2AB"."""
        street = " ".join(p for p in (self.building_number, _display(self.street)) if p)
        town = " ".join(p for p in (_display(self.town), self.postcode) if p)
        parts = (
            _display(self.sub_building),
            _display(self.building_name),
            street,
            _display(self.locality),
            town,
        )
        return ", ".join(p for p in parts if p)

    @property
    def parts(self) -> AddressParts:
        """The premises as the matcher compares it."""
        return AddressParts(
            sub_building=self.sub_building_key,
            building_name=self.building_key,
            building_number=self.number_key,
            street=self.street_key,
            locality=self.locality_key,
            town=self.town_key,
            postcode=self.postcode,
            uprn=self.uprn,
        )


class SearchWord(models.Model):
    """Every word the address search can match, with how many premises carry it: the search
    corrects a typed word against this list (typos, abbreviations, a word half typed) before it
    looks for premises. Rebuilt by `premises_vocabulary_rebuild` after an import."""

    word = models.CharField(max_length=100, primary_key=True)
    premises_count = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.word} ({self.premises_count})"


class AddressedModel(models.Model):
    """What a row with an address (a contact, an incident, a marker, an intelligence record's
    address) keeps so call-time look-ups find it by premises: the premises it resolved to when
    it was written (exact matches only), and its parsed parts with three blocking keys for the
    matcher's fallback when it resolved to none. Written by `premises.addressing.address_fields`.
    """

    premises = models.ForeignKey(
        Premises, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # `AddressParts` as a dict (uprn included when resolved): what the matcher compares.
    address_parts = models.JSONField(default=dict, blank=True)
    # Blocking keys (`premises.addressing.blocks`): rows that may be the same premises share one.
    address_block_street = models.CharField(max_length=40, blank=True, db_index=True)
    address_block_postcode = models.CharField(max_length=32, blank=True, db_index=True)
    address_block_building = models.CharField(max_length=120, blank=True, db_index=True)

    class Meta:
        abstract = True
