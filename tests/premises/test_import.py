"""`manage.py import_premises`: AddressBase-shaped CSV, line-numbered rejects, idempotent."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.models import AuditEvent
from premises.models import Premises, SearchWord
from premises.search import premises_search

pytestmark = pytest.mark.django_db

CSV = """UPRN,SUB_BUILDING,BUILDING_NAME,BUILDING_NUMBER,STREET,LOCALITY,TOWN,POSTCODE,LATITUDE,LONGITUDE
100000000001,FLAT 21A,ACACIA HOUSE,5,MILL LANE,HEADINGLEY,LEEDS,LS6 2AB,53.8196,-1.5765
100000000002,FLAT 21B,ACACIA HOUSE,5,MILL LANE,HEADINGLEY,LEEDS,ls62ab,53.8196,-1.5765
not-a-uprn,,,7,MILL LANE,,LEEDS,LS6 2AB,,
100000000004,,,9,MILL LANE,,LEEDS,NOT A PC,,
100000000005,,,11,MILL LANE,,LEEDS,LS6 2AB,95.0,-1.5
100000000006,,,,,,LEEDS,LS6 2AB,,
100000000007,,,13,MILL LANE,,LEEDS,LS6 2AB,north,-1.5
100000000008,,,15,MILL LANE,,LEEDS,LS6 2AB,,,extra
"""


def run(tmp_path, text, *args, name="gazetteer.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_premises", str(path), "--no-progress", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_an_import_adds_premises_and_reports_each_reject_with_its_line_number(tmp_path):
    out, err = run(tmp_path, CSV)

    assert "2 premises added, 0 updated, 6 rejected" in out
    assert "line 4: UPRN 'not-a-uprn' is not 1 to 12 digits." in err
    assert "line 5: 'NOT A PC' is not a UK postcode." in err
    assert "line 6: latitude 95.0 is out of range." in err
    assert "line 7: A premises needs a street or a building name." in err
    assert "line 8: latitude 'north' is not a number." in err
    assert "line 9: more cells than columns" in err
    flat = Premises.objects.get(uprn=100000000002)
    assert flat.postcode == "LS6 2AB"
    assert flat.one_line == "Flat 21B, Acacia House, 5 Mill Lane, Headingley, Leeds LS6 2AB"
    assert flat.sub_building_key == "21b"
    assert flat.street_key == "mill lane"


def test_importing_the_same_file_twice_changes_nothing(tmp_path):
    run(tmp_path, CSV)
    before = list(Premises.objects.order_by("uprn").values())

    out, _ = run(tmp_path, CSV)

    assert "0 premises added, 2 updated, 6 rejected" in out
    after = list(Premises.objects.order_by("uprn").values())
    assert [{**p, "updated_at": None} for p in after] == [{**p, "updated_at": None} for p in before]


def test_a_changed_row_updates_the_premises_with_that_uprn(tmp_path):
    run(tmp_path, CSV)

    run(tmp_path, CSV.replace("FLAT 21B,ACACIA HOUSE,5", "FLAT 21B,ACACIA HOUSE,7"))

    assert Premises.objects.get(uprn=100000000002).building_number == "7"
    assert Premises.objects.filter(uprn=100000000002).count() == 1


def test_addressbase_and_open_uprn_headers_are_understood(tmp_path):
    text = (
        "uprn,sub_building_name,building_name,pao_start_number,thoroughfare,dependent_locality,"
        "post_town,postcode,latitude,longitude\n"
        "200000000001,,RED LION,1,HIGH STREET,,LEEDS,LS1 1AA,53.7965,-1.5478\n"
    )

    out, _ = run(tmp_path, text)

    assert "1 premises added" in out
    assert (
        Premises.objects.get(uprn=200000000001).one_line == "Red Lion, 1 High Street, Leeds LS1 1AA"
    )


def test_a_file_without_a_uprn_column_is_refused(tmp_path):
    with pytest.raises(CommandError, match="no UPRN column"):
        run(tmp_path, "street,town\nMill Lane,Leeds\n")


def test_strict_mode_fails_when_any_row_is_rejected(tmp_path):
    with pytest.raises(CommandError, match="6 rows rejected"):
        run(tmp_path, CSV, "--strict")


def test_imported_premises_are_searchable_and_the_import_is_audited(tmp_path):
    run(tmp_path, CSV)

    assert SearchWord.objects.filter(word="acacia").exists()
    hits = premises_search("21a acacia ho mill la")
    assert hits[0].premises.uprn == 100000000001
    event = AuditEvent.objects.get(action="premises.imported")
    assert event.data == {"source": "gazetteer.csv", "created": 2, "updated": 0, "rejected": 5}


def test_unicode_and_overlong_cells_are_rejected_or_folded_never_crash(tmp_path):
    text = (
        "UPRN,BUILDING_NAME,STREET,TOWN,POSTCODE\n"
        "300000000001,Siobhán’s Cottage,Lõ Lane,Leeds,LS6 2AB\n"
        f"300000000002,{'x' * 150},Mill Lane,Leeds,LS6 2AB\n"
    )

    out, err = run(tmp_path, text)

    assert "1 premises added, 0 updated, 1 rejected" in out
    assert "line 3: building name is longer than 100 characters." in err
    assert Premises.objects.get(uprn=300000000001).building_key == "siobhans cottage"
