import io

import pytest
from django.core.management import call_command

from accounts.models import Membership, Team, User
from tests.conftest import bearer

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_prints_the_sign_ins(settings):
    settings.DEMO_PASSWORD = "demo-pass-123"
    first, second = io.StringIO(), io.StringIO()
    call_command("seed_demo", stdout=first)
    call_command("seed_demo", stdout=second)
    assert Team.objects.filter(slug="demo").count() == 1
    assert Membership.objects.filter(team__slug="demo").count() == 3
    for email in ("owner@example.com", "member@example.com", "moderator@example.com"):
        assert email in second.getvalue()
        assert User.objects.get(email=email).check_password("demo-pass-123")
    assert User.objects.get(email="moderator@example.com").is_moderator
    assert Membership.objects.get(user__email="owner@example.com").role == "owner"
    operator = User.objects.get(email="operator@example.com")
    assert operator.is_superuser and operator.check_password("demo-pass-123") and "operator@example.com" in second.getvalue()
    assert not Membership.objects.filter(user=operator).exists()


def test_a_command_without_redis_warns_once_not_once_per_row(settings, caplog, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr("accounts.redis_client._outages", set())
    settings.RQ_QUEUES = {name: {**queue, "URL": "redis://127.0.0.1:1/0"} for name, queue in settings.RQ_QUEUES.items()}
    settings.DEMO_PASSWORD = "demo-pass-123"
    with caplog.at_level("WARNING", logger="accounts"), django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("seed_demo", stdout=io.StringIO())
    assert len(callbacks) >= 4  # one cache invalidation per membership and user written
    warnings = [record for record in caplog.records if "Redis unavailable" in record.getMessage()]
    assert len(warnings) == 1, [record.getMessage() for record in warnings]


def test_create_api_key_prints_a_working_key_on_its_last_line(client, team, alice):
    out = io.StringIO()
    call_command("create_api_key", "--user", "alice@example.org", "--name", "cli", stdout=out, stderr=io.StringIO())
    raw = out.getvalue().strip().splitlines()[-1]
    assert raw.startswith("sk-")
    assert client.get("/api/v1/generations", **bearer(raw)).status_code == 200


def test_create_api_key_explains_an_unknown_user():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user"):
        call_command("create_api_key", "--user", "nobody@example.org", stdout=io.StringIO(), stderr=io.StringIO())


def test_only_a_superuser_can_grant_the_moderator_capability(client, alice):
    from django.contrib.auth.models import Permission

    staff = User.objects.create_user("staff@example.org", "staff-password-1", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["change_user", "view_user"]))
    client.force_login(staff)
    page = client.get(f"/admin/accounts/user/{alice.pk}/change/")
    assert page.status_code == 200
    client.post(
        f"/admin/accounts/user/{alice.pk}/change/",
        {"email": alice.email, "full_name": "Alice", "is_active": "on", "is_moderator": "on", "is_staff": "on"},
    )
    alice.refresh_from_db()
    assert not alice.is_moderator and not alice.is_staff

    root = User.objects.create_superuser("root@example.org", "root-password-1")
    client.force_login(root)
    client.post(
        f"/admin/accounts/user/{alice.pk}/change/",
        {"email": alice.email, "full_name": "Alice", "is_active": "on", "is_moderator": "on", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"},
    )
    alice.refresh_from_db()
    assert alice.is_moderator
