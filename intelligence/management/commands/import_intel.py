import csv
import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from intelligence.services import intel_records_import

# Columns (CSV) and keys (JSON lines) an import row may have. In CSV, list columns separate items
# with ";" and `people` items are "Name|YYYY-MM-DD|ROLE|Alias/Alias" (all but the name optional).
FIELDS = {
    "source_reference",
    "kind",
    "summary",
    "occurred_at",
    "expires_at",
    "risk_level",
    "conditions",
    "names",
    "phones",
    "addresses",
    "people",
    "protected_person",
    "restricted_person",
}
LISTS = {"names", "phones", "addresses"}


def _split(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def _people(value: str) -> list[dict]:
    people = []
    for item in _split(value):
        name, dob, role, aliases = ([*item.split("|"), "", "", ""])[:4]
        people.append(
            {
                "name": name.strip(),
                "date_of_birth": dob.strip() or None,
                "role": role.strip() or "SUBJECT",
                "aliases": [a.strip() for a in aliases.split("/") if a.strip()],
            }
        )
    return people


class Reject(Exception):
    pass


def _clean(raw: dict) -> dict:
    unknown = set(raw) - FIELDS
    if unknown:
        raise Reject(f"unknown field(s): {', '.join(sorted(map(str, unknown)))}")
    return {key: value for key, value in raw.items() if value not in (None, "")}


def csv_rows(path: Path):
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        unknown = set(reader.fieldnames or []) - FIELDS
        if unknown:
            raise CommandError(f"Unknown CSV column(s): {', '.join(sorted(unknown))}")
        for row in reader:
            line = reader.line_num
            if None in row:
                yield line, Reject("more cells than columns")
                continue
            fields = {}
            for key, value in row.items():
                value = (value or "").strip()
                if key in LISTS:
                    fields[key] = _split(value)
                elif key == "people":
                    fields[key] = _people(value)
                else:
                    fields[key] = value
            yield line, _clean(fields)


def jsonl_rows(path: Path):
    with path.open(encoding="utf-8-sig") as handle:
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                yield line, Reject(f"not valid JSON ({exc.msg})")
                continue
            if not isinstance(data, dict):
                yield line, Reject("each line must be a JSON object")
                continue
            try:
                yield line, _clean(data)
            except Reject as exc:
                yield line, exc


class Command(BaseCommand):
    help = (
        "Import intel records from CSV or JSON lines. Each row needs a source_reference: a "
        "reference already imported is skipped, so running a file twice changes nothing. "
        "Rejected rows are reported with their line numbers."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", choices=["csv", "jsonl"], help="default: from the suffix")
        parser.add_argument("--as", dest="username", help="the user the import is recorded as")
        parser.add_argument("--batch", type=int, default=500, help="rows per transaction")
        parser.add_argument(
            "--strict", action="store_true", help="exit with an error if any row is rejected"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, file: Path, format, username, batch, strict, no_progress, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        fmt = format or ("jsonl" if file.suffix.lower() in (".jsonl", ".ndjson") else "csv")
        actor = None
        if username:
            actor = get_user_model().objects.filter(username=username).first()
            if actor is None:
                raise CommandError(f"No user '{username}'.")
        with file.open("rb") as handle:
            total = max(0, sum(1 for _ in handle) - (1 if fmt == "csv" else 0))
        rows = csv_rows(file) if fmt == "csv" else jsonl_rows(file)
        created = skipped = 0
        rejected: list[tuple[int, str]] = []
        pending: list[tuple[int, dict]] = []

        def flush():
            nonlocal created, skipped
            if not pending:
                return
            outcome = intel_records_import(actor=actor, rows=list(pending), source=file.name)
            created += outcome.created
            skipped += outcome.skipped
            rejected.extend(outcome.rejected)
            pending.clear()

        progress = tqdm(
            total=total, unit="row", disable=no_progress, file=self.stderr._out, leave=False
        )
        with progress:
            for line, fields in rows:
                progress.update(1)
                if isinstance(fields, Exception):
                    rejected.append((line, str(fields)))
                    continue
                pending.append((line, fields))
                if len(pending) >= batch:
                    flush()
            flush()
        for line, message in sorted(rejected):
            self.stderr.write(f"line {line}: {message}")
        self.stdout.write(
            f"{created} imported, {skipped} already imported (skipped), {len(rejected)} rejected"
        )
        if rejected and strict:
            raise CommandError(f"{len(rejected)} rows rejected.")
