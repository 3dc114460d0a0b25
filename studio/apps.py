from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.db.backends.signals import connection_created

from studio.sqlite_wal import on_connection_created


class StudioConfig(AppConfig):
    """The project package doubles as an app so it can ship the launcher and bench commands, and the
    start-up checks that span the apps."""

    name = "studio"

    def ready(self):
        checks.register(provenance_keys_check)
        connection_created.connect(on_connection_created, dispatch_uid="studio.sqlite_wal")


def provenance_keys_check(app_configs=None, **kwargs):
    """Every output is signed and watermarked: outside DEBUG a process that could not do it refuses to start
    (an unreadable operator chain, a key that does not match it, a PROVENANCE_DIR it cannot write). In DEBUG
    it is a warning, and outputs are delivered without what could not be made."""
    # Imported when the check runs, after every app is loaded (this module is imported while apps load).
    from generations.provenance.marking import readiness_problems

    level, code = (checks.Warning, "studio.W020") if settings.DEBUG else (checks.Error, "studio.E020")
    return [
        level(f"Provenance: {problem}.", hint="Fix the PROVENANCE_* settings (see .env.example), or unset them to use "
              "the per-install chain and key made under PROVENANCE_DIR.", id=code)
        for problem in readiness_problems()
    ]
