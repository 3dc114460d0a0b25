from django.core.management.base import BaseCommand, CommandError

from accounts.audit import SYSTEM
from accounts.credits import do_grant_credits, do_set_credits, renew_allowance_if_due
from accounts.errors import AccountError
from accounts.models import Team


class Command(BaseCommand):
    help = "Show a team's credits, or grant/set them (an audited adjustment). The balance is on the last line."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        change = parser.add_mutually_exclusive_group()
        change.add_argument("--grant", type=int, metavar="N", help="add N credits")
        change.add_argument("--set", type=int, metavar="N", dest="set_to", help="set the available balance to N")
        parser.add_argument("--reason", default="", help="why (recorded in the ledger and the audit trail)")

    def handle(self, *args, slug, grant, set_to, reason, **options):
        team = Team.objects.filter(slug=slug).first()
        if team is None:
            raise CommandError(f"No team with slug {slug!r}.")
        renew_allowance_if_due(team)
        try:
            if grant is not None:
                do_grant_credits(team, grant, actor=SYSTEM, reason=reason or "granted from the command line")
            elif set_to is not None:
                do_set_credits(team, set_to, actor=SYSTEM, reason=reason or "set from the command line")
        except AccountError as exc:
            raise CommandError(exc.message) from exc
        team.refresh_from_db()
        self.stderr.write(f"{team.slug}: {team.credits_reserved} reserved, monthly allowance {team.monthly_allowance}")
        self.stdout.write(str(team.credits_available))
