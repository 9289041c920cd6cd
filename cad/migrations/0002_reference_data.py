from django.db import migrations

GRADE_POLICIES = [
    # grade, urban, rural, due soon (minutes before the target)
    ("IMMEDIATE", 15, 20, 5),
    ("PRIORITY", 60, 60, 15),
    ("SCHEDULED", None, None, None),
    ("RESOLUTION", None, None, None),
]

OPENING_CODES = [
    ("DOMESTIC", "Domestic incident"),
    ("CONCERN_FOR_SAFETY", "Concern for safety / welfare"),
    ("SUSPICIOUS", "Suspicious circumstances"),
    ("ASSAULT", "Assault"),
    ("BURGLARY", "Burglary"),
    ("ROBBERY", "Robbery"),
    ("THEFT", "Theft"),
    ("CRIMINAL_DAMAGE", "Criminal damage"),
    ("PUBLIC_ORDER", "Public order / fight"),
    ("WEAPONS", "Weapons"),
    ("SEXUAL_OFFENCE", "Sexual offence"),
    ("HARASSMENT", "Harassment / stalking"),
    ("BREACH_OF_ORDER", "Breach of court order or bail"),
    ("MISSING_PERSON", "Missing person"),
    ("RTC", "Road traffic collision"),
    ("ROAD_RELATED", "Road-related offence"),
    ("ASB", "Anti-social behaviour"),
    ("SUDDEN_DEATH", "Sudden death"),
    ("MENTAL_HEALTH", "Mental health concern"),
    ("ABANDONED_CALL", "Abandoned / silent call"),
    ("ALARM", "Alarm activation"),
    ("CHILD_CONCERN", "Child concern"),
    ("FRAUD", "Fraud"),
    ("LOST_FOUND", "Lost or found property"),
    ("ADMIN", "Administrative / message"),
]

CLOSING_CODES = [
    ("ATTENDED_CRIME", "Attended: crime recorded"),
    ("ATTENDED_NO_CRIME", "Attended: no crime"),
    ("ATTENDED_SAFEGUARDING", "Attended: safeguarding referral made"),
    ("ARREST", "Arrest made"),
    ("RESOLVED_BY_PHONE", "Resolved by phone"),
    ("REFERRED", "Referred to partner agency"),
    ("DUPLICATE", "Duplicate of another incident"),
    ("NO_TRACE", "No trace on arrival"),
    ("HOAX", "Malicious or hoax call"),
]


def seed(apps, schema_editor):
    GradePolicy = apps.get_model("cad", "GradePolicy")
    OpeningCode = apps.get_model("cad", "OpeningCode")
    ClosingCode = apps.get_model("cad", "ClosingCode")
    for grade, urban, rural, due_soon in GRADE_POLICIES:
        GradePolicy.objects.get_or_create(
            grade=grade,
            defaults={
                "urban_target_minutes": urban,
                "rural_target_minutes": rural,
                "due_soon_minutes": due_soon,
            },
        )
    for order, (code, label) in enumerate(OPENING_CODES):
        OpeningCode.objects.get_or_create(code=code, defaults={"label": label, "order": order * 10})
    for code, label in CLOSING_CODES:
        ClosingCode.objects.get_or_create(code=code, defaults={"label": label})


class Migration(migrations.Migration):
    dependencies = [("cad", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
