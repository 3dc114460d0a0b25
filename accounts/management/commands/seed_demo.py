from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.actions import do_add_member, do_create_team
from accounts.audit import SYSTEM
from accounts.credits import do_grant_credits
from accounts.models import Role, Team, User

DEMO_TEAM_SLUG = "demo"
DEMO_OPERATOR = "operator@example.com"
DEMO_USERS = [
    ("owner@example.com", "Olivia Owner", Role.OWNER, False),
    ("member@example.com", "Max Member", Role.MEMBER, False),
    ("moderator@example.com", "Mo Moderator", Role.MEMBER, True),
]


class Command(BaseCommand):
    help = "Create the demo team, its three sign-ins and an operator (idempotent). Passwords come from DEMO_PASSWORD."

    @transaction.atomic
    def handle(self, *args, **options):
        password = settings.DEMO_PASSWORD
        users = {}
        for email, full_name, _role, is_moderator in DEMO_USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email, password, full_name=full_name, is_moderator=is_moderator)
            else:
                # Re-running the seed resets the demo passwords to DEMO_PASSWORD, so the printed ones work.
                user.set_password(password)
                user.is_moderator = is_moderator
                user.save(update_fields=["password", "is_moderator"])
            users[email] = user
        team = Team.objects.filter(slug=DEMO_TEAM_SLUG).first()
        if team is None:
            team = do_create_team(name="Demo Team", slug=DEMO_TEAM_SLUG, owner=users["owner@example.com"], actor=SYSTEM)
            team.monthly_allowance = settings.DEMO_ALLOWANCE
            team.save(update_fields=["monthly_allowance"])
            if settings.DEMO_ALLOWANCE:
                do_grant_credits(team, settings.DEMO_ALLOWANCE, reason="demo allowance")
        for email, _name, role, _mod in DEMO_USERS:
            do_add_member(team=team, user=users[email], role=role, actor=SYSTEM)
        for email, _name, role, is_moderator in DEMO_USERS:
            extra = " (moderator)" if is_moderator else ""
            self.stdout.write(f"  {email:<24} {password}   {role}{extra}")
        # The operator: Django admin, RQ dashboard and the audit trail; not a team member (operators run the
        # studio, they do not make videos in a team's name).
        operator = User.objects.filter(email=DEMO_OPERATOR).first()
        if operator is None:
            operator = User.objects.create_superuser(DEMO_OPERATOR, password, full_name="Oscar Operator")
        else:
            operator.set_password(password)
            operator.is_superuser = operator.is_staff = True
            operator.save(update_fields=["password", "is_superuser", "is_staff"])
        self.stdout.write(f"  {DEMO_OPERATOR:<24} {password}   operator (superuser: /admin/, /admin/rq/, /accounts/audit/)")
