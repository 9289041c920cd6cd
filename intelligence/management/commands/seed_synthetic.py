from django.core.management.base import BaseCommand, CommandError

from intelligence.synthetic import run, synthetic_options


class Command(BaseCommand):
    help = (
        "Generate realistic synthetic data fast (COPY on PostgreSQL), for demos and benchmarks. "
        "e.g. seed_synthetic --people 500000 --intel-records 1000000 --contacts 200000"
    )

    def add_arguments(self, parser):
        for option in synthetic_options():
            parser.add_argument(
                option.flag, dest=option.dest, type=int, default=0, metavar="N", help=option.help
            )
        parser.add_argument("--seed", type=int, default=1, help="random seed (repeatable data)")
        parser.add_argument("--batch", type=int, default=50_000, help="rows per COPY batch")

    def handle(self, *args, seed, batch, **options):
        values = {o.dest: options.get(o.dest) or 0 for o in synthetic_options()}
        if any(v < 0 for v in values.values()) or batch <= 0:
            raise CommandError("Counts and --batch must be positive.")
        if not any(values.values()):
            raise CommandError("Nothing to generate: give at least one count, e.g. --people 1000.")
        done = run(
            values,
            seed=seed,
            batch=batch,
            stdout=self.stdout if options["verbosity"] > 1 else None,
        )
        for dest, (rows, seconds) in done.items():
            rate = rows / seconds if seconds else 0
            self.stdout.write(f"{dest}: {rows} rows in {seconds:.1f} s ({rate:,.0f} rows/s)")
        self.stdout.write(self.style.SUCCESS("Synthetic data generated."))
