"""Every model has an admin page that opens for staff, and secrets never appear on it."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from accounts.models import User
from generations.models import TeamCallbackSecret

pytestmark = pytest.mark.django_db

APPS = ("accounts", "generations")


def test_every_model_is_registered():
    missing = [model.__name__ for model in apps.get_models() if model._meta.app_label in APPS and model not in admin.site._registry]
    assert missing == []


def test_every_changelist_opens_and_secrets_stay_hidden(client, team):
    secret = TeamCallbackSecret.objects.create(team=team)
    staff = User.objects.create_superuser("root@example.org", "pw-root-admin-1")
    client.force_login(staff)
    for model in admin.site._registry:
        if model._meta.app_label not in APPS:
            continue
        page = client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
        assert page.status_code == 200, model.__name__
    detail = client.get(reverse("admin:generations_teamcallbacksecret_change", args=[secret.pk]))
    assert detail.status_code == 200 and secret.secret.encode() not in detail.content
