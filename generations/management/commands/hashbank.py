"""Hash banks from the command line: create a bank, bank a file, import or export ThreatExchange signal
files, check a file against every bank.

    python manage.py hashbank create known-csam --category sexual_minors --action block
    python manage.py hashbank add image.jpg --bank known-csam --note "case 1234"
    python manage.py hashbank add clip.mp4 --bank known-violence
    python manage.py hashbank import signals.txt --bank known-csam      # `pdq <hash>` lines (python-threatexchange)
    python manage.py hashbank export --bank known-csam > signals.txt
    python manage.py hashbank match suspect.png [--team SLUG] [--json]
    python manage.py hashbank list
"""

import json
import os
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Team
from generations.actions import hashbanks
from generations.models import HASH_BANK_CATEGORIES, HashBank, HashBankAction
from generations.moderation.visual import hashing

# Every bank change is an audit event; from here its actor is the system and this names the door.
VIA = "manage.py hashbank"


class Command(BaseCommand):
    help = "Manage hash banks of known violating media (PDQ / vPDQ) and match files against them."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="command", required=True)
        create = commands.add_parser("create", help="create a bank")
        create.add_argument("name")
        create.add_argument("--category", required=True, choices=[value for value, _ in HASH_BANK_CATEGORIES])
        create.add_argument("--action", default=HashBankAction.BLOCK, choices=list(HashBankAction.values))
        create.add_argument("--team", metavar="SLUG", help="only this team's media (default: every team)")
        create.add_argument("--threshold", type=int, default=hashing.DEFAULT_THRESHOLD, help="PDQ distance, at most 31")
        add = commands.add_parser("add", help="bank an image or a clip")
        add.add_argument("file")
        add.add_argument("--bank", required=True)
        add.add_argument("--note", default="")
        imported = commands.add_parser("import", help="bank the PDQ hashes of a ThreatExchange signal file")
        imported.add_argument("file", help="`pdq <hash>` per line, or bare hashes, or `<hash>,<quality>,<name>`; - for stdin")
        imported.add_argument("--bank", required=True)
        export = commands.add_parser("export", help="write a bank as a ThreatExchange signal file (`pdq <hash>` lines)")
        export.add_argument("--bank", required=True)
        export.add_argument("--output", metavar="FILE", help="default: standard output")
        match = commands.add_parser("match", help="check an image or a clip against every active bank")
        match.add_argument("file")
        match.add_argument("--team", metavar="SLUG", help="also the banks of this team")
        match.add_argument("--json", action="store_true")
        commands.add_parser("list", help="the banks, their actions and sizes")

    def handle(self, *args, **options):
        try:
            getattr(self, f"_{options['command']}")(options)
        except hashbanks.HashBankError as error:
            raise CommandError(error.message) from error
        except hashing.HashingError as error:
            raise CommandError(str(error)) from error

    def _bank(self, name):
        bank = HashBank.objects.filter(name=name).first()
        if bank is None:
            raise CommandError(f"no bank named {name} (see `hashbank list`)")
        return bank

    def _team(self, slug):
        if not slug:
            return None
        team = Team.objects.filter(slug=slug).first()
        if team is None:
            raise CommandError(f"no team {slug}")
        return team

    def _file(self, path):
        if not os.path.isfile(path):
            raise CommandError(f"{path} is not a file")
        return path

    def _create(self, options):
        bank = hashbanks.do_create_bank(
            name=options["name"], category=options["category"], action=options["action"],
            team=self._team(options["team"]), threshold=options["threshold"], via=VIA,
        )
        scope = f"team {bank.team.slug}" if bank.team else "every team"
        self.stdout.write(f"created bank {bank.name}: {bank.category}, {bank.action}, distance ≤ {bank.distance_threshold}, {scope}")

    def _add(self, options):
        bank = self._bank(options["bank"])
        started = time.perf_counter()
        entry = hashbanks.do_add_media(bank, path=self._file(options["file"]), note=options["note"], via=VIA)
        took = time.perf_counter() - started
        detail = (f"{len(entry.hashes)} frame hashes" if entry.media_kind == "video"
                  else f"{len(entry.hashes)} hashes (rotations, flips, crops)")
        self.stdout.write(f"banked {entry.media_kind} {entry.pdq_hash} (quality {entry.quality}, {detail}) in {bank.name}"
                          f" as entry {entry.pk} ({took:.2f} s)")

    def _import(self, options):
        bank = self._bank(options["bank"])
        if options["file"] == "-":
            lines = sys.stdin.read().splitlines()
        else:
            with open(self._file(options["file"]), encoding="utf-8") as handle:
                lines = handle.read().splitlines()
        added, refused = hashbanks.do_import_signals(bank, lines, via=VIA)
        for reason in refused[:20]:
            self.stderr.write(f"skipped {reason}")
        self.stdout.write(f"imported {added} PDQ hashes into {bank.name} ({len(refused)} lines skipped)")

    def _export(self, options):
        bank = self._bank(options["bank"])
        lines = list(hashbanks.export_signal_lines(bank))
        text = "".join(f"{line}\n" for line in lines)
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as handle:
                handle.write(text)
            self.stderr.write(f"wrote {len(lines)} PDQ signals to {options['output']}")
        else:
            self.stdout.write(text, ending="")

    def _match(self, options):
        team = self._team(options["team"])
        started = time.perf_counter()
        matches = hashbanks.match_file(self._file(options["file"]), team_id=team.pk if team else None)
        took = time.perf_counter() - started
        records = [match.as_record() for match in sorted(matches, key=lambda m: (-hashbanks.ACTION_RANK[m.action], m.distance))]
        if options["json"]:
            self.stdout.write(json.dumps({"matches": records, "seconds": round(took, 3)}, indent=2))
            return
        if not records:
            self.stdout.write(f"no match ({took:.2f} s)")
            return
        for record in records:
            self.stdout.write(
                f"{record['action']}: bank {record['bank']} ({record['category']}), entry {record['entry']},"
                f" distance {record['distance']} ≤ {record['threshold']}, as {record['matched_as']}"
                + (f" ({record['variant']})" if record.get("variant") else "")
            )

    def _list(self, options):
        for bank in HashBank.objects.order_by("name"):
            scope = bank.team.slug if bank.team else "all teams"
            self.stdout.write(f"{bank.name}\t{bank.category}\t{bank.action}\t≤{bank.distance_threshold}\t{scope}\t"
                              f"{'active' if bank.active else 'inactive'}\t{bank.entries.count()} entries")
