import io
import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from studio.launcher import Launcher, port_is_free


class Command(BaseCommand):
    help = (
        "Run the whole studio on this machine: migrate, seed the demo team, then start Redis (embedded unless "
        "REDIS_URL is set), the simulator (when PROVIDER=simulator), the web server and RQ workers. Ctrl-C stops all."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("STUDIO_PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("STUDIO_WORKERS", "2")))

    def handle(self, *args, port, workers, **options):
        if not port_is_free(port):
            raise CommandError(f"Port {port} on 127.0.0.1 is in use. Pick another with STUDIO_PORT=NNNN make run.")
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        self.stdout.write("Preparing the database…")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        sign_ins = io.StringIO()
        call_command("seed_demo", stdout=sign_ins)

        launcher = Launcher(base_dir=settings.BASE_DIR, var_dir=settings.VAR_DIR, web_port=port, workers=workers, out=self.stdout)
        code = 1
        try:
            env = launcher.start(os.environ)
            redis_note = "embedded" if not os.environ.get("REDIS_URL") else "external"
            self.stdout.write(
                "\n"
                f"Studio is running at http://127.0.0.1:{port}/\n"
                f"  provider: {env.get('PROVIDER', 'simulator')}"
                + (f" ({env['SIMULATOR_URL']})" if env.get("SIMULATOR_URL") else "")
                + f"   redis: {redis_note} ({env['REDIS_URL']})   workers: {workers}\n"
                "Sign in with (team 'demo'):\n"
                f"{sign_ins.getvalue()}"
                f"API key:  python manage.py create_api_key --user owner@example.com\n"
                f"Logs in {settings.VAR_DIR / 'logs'}. Press Ctrl-C to stop.\n"
            )
            code = launcher.supervise()
        finally:
            self.stdout.write("Stopping…")
            launcher.stop()
            self.stdout.write("Stopped.")
        if code:
            raise CommandError("A studio process exited unexpectedly.")
