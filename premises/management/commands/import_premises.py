"""`manage.py import_premises FILE.csv`: load a gazetteer into the premises register."""

import csv
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from premises.services import COLUMNS, premises_import, premises_vocabulary_rebuild

# Header names accepted for each column, case-insensitive: ours first, then AddressBase's
# (Delivery Point / Plus) and OS Open UPRN's.
HEADERS = {
    "uprn": ("uprn",),
    "sub_building": ("sub_building", "sub_building_name", "sao_text", "flat"),
    "building_name": ("building_name", "pao_text"),
    "building_number": ("building_number", "pao_start_number", "number"),
    "street": ("street", "thoroughfare", "street_description", "street_name"),
    "locality": ("locality", "dependent_locality", "locality_name"),
    "town": ("town", "post_town", "town_name"),
    "postcode": ("postcode", "postcode_locator"),
    "latitude": ("latitude", "lat"),
    "longitude": ("longitude", "lon", "lng", "long"),
}


def column_map(header: list[str]) -> dict[str, str]:
    """Our column -> the file's header name. Raises CommandError when UPRN is missing."""
    lowered = {name.strip().lower(): name for name in header if name}
    found = {}
    for column, aliases in HEADERS.items():
        for alias in aliases:
            if alias in lowered:
                found[column] = lowered[alias]
                break
    if "uprn" not in found:
        raise CommandError("The CSV has no UPRN column (header row: " + ", ".join(header) + ").")
    return found


class Command(BaseCommand):
    help = (
        "Import premises from a CSV in the AddressBase / OS Open UPRN shape, one premises a row, "
        "with a header row naming the columns: UPRN, SUB_BUILDING (or SUB_BUILDING_NAME: the "
        "flat), BUILDING_NAME, BUILDING_NUMBER, STREET (or THOROUGHFARE), LOCALITY (or "
        "DEPENDENT_LOCALITY), TOWN (or POST_TOWN), POSTCODE, LATITUDE, LONGITUDE (WGS84 "
        "degrees). Only UPRN is required, and a street or building name on every row. "
        "Idempotent: a UPRN already registered is updated, so importing a file twice changes "
        "nothing. Rejected rows are reported with their line numbers."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--as", dest="username", help="the user the import is recorded as")
        parser.add_argument("--batch", type=int, default=5000, help="rows per transaction")
        parser.add_argument(
            "--strict", action="store_true", help="exit with an error if any row is rejected"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, file: Path, username, batch, strict, no_progress, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        actor = None
        if username:
            actor = get_user_model().objects.filter(username=username).first()
            if actor is None:
                raise CommandError(f"No user '{username}'.")
        with file.open("rb") as handle:
            total = max(0, sum(1 for _ in handle) - 1)
        created = updated = 0
        rejected: list[tuple[int, str]] = []
        pending: list[tuple[int, dict]] = []

        def flush():
            nonlocal created, updated
            if pending:
                outcome = premises_import(actor=actor, rows=pending, source=file.name)
                created += outcome.created
                updated += outcome.updated
                rejected.extend(outcome.rejected)
                pending.clear()

        progress = tqdm(
            total=total, unit="row", disable=no_progress, file=self.stderr._out, leave=False
        )
        with progress, file.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
            reader = csv.DictReader(handle)
            columns = column_map(reader.fieldnames or [])
            for row in reader:
                progress.update(1)
                if None in row:
                    rejected.append((reader.line_num, "more cells than columns"))
                    continue
                pending.append(
                    (reader.line_num, {c: row.get(columns[c], "") for c in COLUMNS if c in columns})
                )
                if len(pending) >= batch:
                    flush()
            flush()
        words = premises_vocabulary_rebuild()
        for line, message in sorted(rejected):
            self.stderr.write(f"line {line}: {message}")
        self.stdout.write(
            f"{created} premises added, {updated} updated, {len(rejected)} rejected; "
            f"{words} search words"
        )
        if rejected and strict:
            raise CommandError(f"{len(rejected)} rows rejected.")
