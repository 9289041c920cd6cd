"""Factories for markers and victim contacts."""

from datetime import timedelta

import factory
from django.utils import timezone

from cad.normalise import normalise_address, normalise_name
from premises.addressing import address_fields_for
from riskflags.models import (
    ContactMethod,
    ContactOutcome,
    ContactPurpose,
    Marker,
    MarkerPhone,
    VictimContact,
)
from tests.factories import staff

ADDRESS = "12 Acacia Avenue, Leeds LS6 2AB"


class MarkerFactory(factory.django.DjangoModelFactory):
    """A bare ACTIVE marker row (tests of lifecycle rules go through the services instead)."""

    class Meta:
        model = Marker
        skip_postgeneration_save = True

    address = ADDRESS
    address_normalised = factory.LazyAttribute(lambda m: normalise_address(m.address).normalised)
    postcode = factory.LazyAttribute(lambda m: normalise_address(m.address).postcode)
    # The address as the service writes it: resolved to the premises register.
    premises = factory.LazyAttribute(lambda m: address_fields_for(m.address)["premises"])
    address_parts = factory.LazyAttribute(lambda m: address_fields_for(m.address)["address_parts"])
    address_block_street = factory.LazyAttribute(
        lambda m: address_fields_for(m.address)["address_block_street"]
    )
    address_block_postcode = factory.LazyAttribute(
        lambda m: address_fields_for(m.address)["address_block_postcode"]
    )
    address_block_building = factory.LazyAttribute(
        lambda m: address_fields_for(m.address)["address_block_building"]
    )
    victim_name = "Anne Example"
    victim_name_normalised = factory.LazyAttribute(lambda m: normalise_name(m.victim_name))
    perpetrator_name = "Brian Example"
    reason = "Ex-husband threatened to kill her"
    oic = factory.LazyFunction(lambda: staff("OIC"))
    starts_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda m: m.starts_at + timedelta(days=90))
    created_at = factory.LazyAttribute(lambda m: m.starts_at)
    updated_at = factory.LazyAttribute(lambda m: m.starts_at)

    @factory.post_generation
    def phones(self, create, extracted, **kwargs):
        for phone in extracted or []:
            MarkerPhone.objects.create(marker=self, phone=phone, phone_raw=phone)


class VictimContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VictimContact

    marker = factory.SubFactory(MarkerFactory)
    purpose = ContactPurpose.START
    method = ContactMethod.PHONE
    outcome = ContactOutcome.CONTACTED
    notes = "Told her how long the scheme lasts and that it may be withdrawn"
    contacted_at = factory.LazyFunction(timezone.now)
    recorded_at = factory.LazyAttribute(lambda c: c.contacted_at)
