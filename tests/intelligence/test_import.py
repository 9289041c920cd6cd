"""`manage.py import_intel`: validated rows, rejects with line numbers, idempotent by reference."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from intelligence.models import IntelRecord

pytestmark = pytest.mark.django_db

CSV = """source_reference,kind,summary,occurred_at,expires_at,names,phones,addresses,people,protected_person,restricted_person
R-1,DA_CRIME,Brian assaulted Anne,2026-01-02T10:00:00Z,,Anne Example;Brian Example,07700 900123,"12 Acacia Avenue, Leeds LS6 2AB",,,
R-2,MARAC,Anne at MARAC,2026-02-01,,,07700 900123,,Anne Example|1986-04-12|VICTIM,,
R-3,DA_CRIME,Bad phone,2026-01-02,,,0770,,,,
R-4,GOSSIP,Unknown kind,2026-01-02,,Anne Example,,,,,
,DA_CRIME,No reference,2026-01-02,,Anne Example,,,,,
R-6,COURT_ORDER,Non-molestation order,2026-01-02,2027-01-02,,,,,Anne Example,Brian Example
"""


def run(tmp_path, name, text, *args):
    path = tmp_path / name
    path.write_text(text)
    out, err = io.StringIO(), io.StringIO()
    call_command("import_intel", str(path), "--no-progress", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_csv_import_reports_each_reject_with_its_line_number(tmp_path):
    out, err = run(tmp_path, "intel.csv", CSV)

    assert "3 imported, 0 already imported (skipped), 3 rejected" in out
    assert "line 4: phones: '0770' is not a valid phone number." in err
    assert "line 5: Unknown kind 'GOSSIP'" in err
    assert "line 6: source_reference is required" in err
    order = IntelRecord.objects.get(source_reference="R-6")
    assert order.protected_person.display_name == "Anne Example"


def test_importing_the_same_file_twice_changes_nothing(tmp_path):
    run(tmp_path, "intel.csv", CSV)

    out, _ = run(tmp_path, "intel.csv", CSV)

    assert "0 imported, 3 already imported (skipped), 3 rejected" in out
    assert IntelRecord.objects.count() == 3


def test_json_lines_are_imported_and_bad_lines_rejected_by_number(tmp_path):
    good = {
        "source_reference": "J-1",
        "kind": "WARNING",
        "summary": "Carries a knife",
        "occurred_at": "2025-06-01T00:00:00+00:00",
        "people": [{"name": "Brian Example", "aliases": ["Bri"]}],
    }
    text = "\n".join(
        [json.dumps(good), "{not json", json.dumps({**good, "source_reference": "J-2", "x": 1})]
    )

    out, err = run(tmp_path, "intel.jsonl", text)

    assert "1 imported" in out
    assert "line 2: not valid JSON" in err
    assert "line 3: unknown field(s): x" in err


def test_strict_mode_fails_when_any_row_is_rejected(tmp_path):
    with pytest.raises(CommandError, match="3 rows rejected"):
        run(tmp_path, "intel.csv", CSV, "--strict")


def test_an_unknown_csv_column_stops_the_import(tmp_path):
    with pytest.raises(CommandError, match="Unknown CSV column"):
        run(tmp_path, "intel.csv", "source_reference,colour\nR-1,blue\n")


def test_seed_synthetic_links_records_and_contacts_to_shared_numbers(settings):
    from cad.models import Contact
    from intelligence.models import IntelRecordPhone, Person

    call_command(
        "seed_synthetic",
        "--people",
        "200",
        "--intel-records",
        "300",
        "--contacts",
        "100",
        stdout=io.StringIO(),
    )

    assert Person.objects.count() == 200
    assert IntelRecord.objects.count() == 300
    assert Contact.objects.count() == 100
    phone = IntelRecordPhone.objects.first().phone
    assert phone.startswith("+447")


def test_the_demo_seeder_is_idempotent():
    from intelligence.demo import seed_demo_intel

    seed_demo_intel()
    seed_demo_intel()

    assert IntelRecord.objects.filter(source_reference__startswith="DEMO-").count() == 7
