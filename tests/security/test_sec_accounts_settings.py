"""Findings 10 and 21 (issue #17): published default secrets, and a deployment that passes `check --deploy`.

These start real Django processes, as an operator would, with only the environment given here.
"""

import json
import os
import re
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def run_manage(tmp_path, *args, **environment):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "STUDIO_VAR_DIR": str(tmp_path / "var")}
    env.update(environment)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def production_environment():
    return {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "API_KEY_PEPPER": secrets.token_urlsafe(32),
        "AUDIT_CHECKPOINT_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "studio.example.com",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "SECURE_HSTS_PRELOAD": "true",
        "SECURE_SSL_REDIRECT": "true",
        "SECURE_COOKIES": "true",
        "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO=https",
    }


@pytest.mark.parametrize(
    "name, published",
    [
        ("SECRET_KEY", "insecure-dev-only-change-me-in-production-0123456789"),
        ("SECRET_KEY", "change-me"),
        ("AUDIT_CHECKPOINT_KEY", "insecure-dev-only-audit-checkpoint-key"),
        ("API_KEY_PEPPER", "insecure-dev-only-api-key-pepper"),
    ],
)
def test_a_published_default_secret_outside_debug_stops_start_up(tmp_path, name, published):
    result = run_manage(tmp_path, "check", DEBUG="false", **{name: published})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and f"{name} is set to a published default value" in result.stderr


def test_a_published_default_is_tolerated_in_debug(tmp_path):
    result = run_manage(tmp_path, "check", DEBUG="true", SECRET_KEY="change-me")
    assert result.returncode == 0, result.stderr


def test_unset_secrets_are_generated_once_per_install_and_kept_private(tmp_path):
    script = "from django.conf import settings as s; print(s.SECRET_KEY, s.API_KEY_PEPPER, s.AUDIT_CHECKPOINT_KEY)"
    first = run_manage(tmp_path, "shell", "-v", "0", "-c", script, DEBUG="false")
    second = run_manage(tmp_path, "shell", "-v", "0", "-c", script, DEBUG="false")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout  # kept, not regenerated: sessions and API keys survive a restart
    values = first.stdout.split()
    assert len(set(values)) == 3 and all(len(value) >= 50 for value in values)
    stored = tmp_path / "var" / "secrets.json"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert sorted(json.loads(stored.read_text()).values()) == sorted(values)
    other_install = run_manage(tmp_path / "elsewhere", "shell", "-v", "0", "-c", script, DEBUG="false")
    assert other_install.stdout != first.stdout


def test_the_secrets_file_is_never_in_the_repository():
    ignored = subprocess.run(["git", "check-ignore", "-q", "var/secrets.json"], cwd=ROOT)
    assert ignored.returncode == 0


def test_check_deploy_passes_without_warnings_in_a_production_like_environment(tmp_path):
    result = run_manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **production_environment())
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert not re.search(r"security\.W\d+", result.stdout + result.stderr)


def test_the_proxy_ssl_header_is_trusted_only_when_the_operator_sets_it(tmp_path):
    script = "from django.conf import settings as s; print(getattr(s, 'SECURE_PROXY_SSL_HEADER', None))"
    assert run_manage(tmp_path, "shell", "-v", "0", "-c", script, DEBUG="true").stdout.strip() == "None"
    configured = run_manage(tmp_path, "shell", "-v", "0", "-c", script, DEBUG="true", SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO=https")
    assert configured.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')"
    bad = run_manage(tmp_path, "check", DEBUG="true", SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto")
    assert bad.returncode != 0 and "SECURE_PROXY_SSL_HEADER must look like" in bad.stderr


@pytest.mark.django_db
def test_links_behind_the_tls_proxy_are_https(alice, team, mailoutbox, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    client = Client()
    client.force_login(alice)
    response = client.post("/accounts/team/invite/", {"email": "kim@example.org", "role": "member"}, headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 302, response.content
    body = mailoutbox[0].body
    assert re.search(r"https://testserver(:\d+)?/accounts/invitations/", body) and "http://" not in body
