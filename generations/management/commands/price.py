from django.core.management.base import BaseCommand, CommandError

from generations.catalog import MODES
from generations.pricing import price_credits


class Command(BaseCommand):
    help = "Print what one generation costs, in credits (alone on the last line)."

    def add_arguments(self, parser):
        parser.add_argument("--model", required=True)
        parser.add_argument("--mode", required=True, choices=MODES)
        parser.add_argument("--duration", required=True, help="seconds, e.g. 5 or 10")

    def handle(self, *args, model, mode, duration, **options):
        try:
            credits = price_credits(model, mode, duration)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(f"{model} {mode} {duration} s:")
        self.stdout.write(str(credits))
