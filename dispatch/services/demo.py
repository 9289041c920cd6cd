"""Demo units around Leeds."""

from django.contrib.auth import get_user_model

from dispatch.models import Unit, UnitType
from dispatch.services.units import unit_create

# Call sign, type, capabilities, home station, latitude, longitude: around Leeds.
DEMO_UNITS = [
    ("BX21", UnitType.RESPONSE_CAR, [], "Elland Road", 53.7780, -1.5720),
    ("BX22", UnitType.RESPONSE_CAR, ["TASER"], "Elland Road", 53.7905, -1.5480),
    ("BX23", UnitType.VAN, ["CAGE"], "Elland Road", 53.7712, -1.5890),
    ("CH11", UnitType.RESPONSE_CAR, ["TASER"], "Chapeltown", 53.8196, -1.5313),
    ("CH12", UnitType.RESPONSE_CAR, [], "Chapeltown", 53.8250, -1.5190),
    ("CH14", UnitType.NEIGHBOURHOOD, [], "Chapeltown", 53.8139, -1.5402),
    ("WY61", UnitType.ARV, ["ARMED", "TASER", "MEDIC"], "Carr Gate", 53.7300, -1.5320),
    ("DG04", UnitType.DOG, ["DOG"], "Carr Gate", 53.7420, -1.5200),
    ("HD31", UnitType.RESPONSE_CAR, [], "Headingley", 53.8190, -1.5780),
    ("HD32", UnitType.VAN, ["CAGE"], "Headingley", 53.8260, -1.5920),
    ("KS41", UnitType.ROADS_POLICING, ["PURSUIT"], "Killingbeck", 53.8030, -1.4850),
    ("MT07", UnitType.MOTORCYCLE, ["PURSUIT"], "Millgarth", 53.7965, -1.5410),
]


def units_demo_seed(stdout=None) -> None:
    """A dozen units around Leeds, each with a demo officer on BX21. Idempotent."""
    existing = set(Unit.objects.values_list("call_sign", flat=True))
    for call_sign, unit_type, capabilities, station, latitude, longitude in DEMO_UNITS:
        if call_sign in existing:
            continue
        unit_create(
            actor=None,
            call_sign=call_sign,
            unit_type=unit_type,
            capabilities=capabilities,
            home_station=station,
            latitude=latitude,
            longitude=longitude,
        )
    officer = get_user_model().objects.filter(username="officer").first()
    unit = Unit.objects.filter(call_sign="BX21").first()
    if officer is not None and unit is not None:
        unit.officers.add(officer)
