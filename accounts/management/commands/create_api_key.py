from django.core.management.base import BaseCommand, CommandError

from accounts.actions import do_create_api_key, memberships_for, user_by_email
from accounts.audit import SYSTEM
from accounts.errors import AccountError
from accounts.models import Team


class Command(BaseCommand):
    help = "Create an API key for a user; prints the raw key (shown once) alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="email of the key's creator")
        parser.add_argument("--name", default="cli", help="a label for the key")
        parser.add_argument("--team", help="team slug (default: the user's first team)")
        parser.add_argument("--scope", action="append", dest="scopes", help="generate or read (repeatable; default both)")

    def handle(self, *args, user, name, team, scopes, **options):
        person = user_by_email(user)
        if person is None:
            raise CommandError(f"No user with email {user}.")
        if team:
            chosen = Team.objects.filter(slug=team).first()
            if chosen is None:
                raise CommandError(f"No team with slug {team}.")
        else:
            membership = memberships_for(person).first()
            if membership is None:
                raise CommandError(f"{person.email} belongs to no team.")
            chosen = membership.team
        try:
            key, raw = do_create_api_key(team=chosen, user=person, name=name, scopes=scopes, actor=SYSTEM)
        except AccountError as exc:
            raise CommandError(exc.message) from exc
        self.stderr.write(f"Created key {key.name!r} (sk-{key.prefix}…) for {person.email} in team {chosen.slug}.")
        self.stderr.write("Store it now: it is not shown again.")
        self.stdout.write(raw)
