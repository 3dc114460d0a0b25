from django.apps import AppConfig


class StudioConfig(AppConfig):
    """The project package doubles as an app so it can ship the launcher and bench commands."""

    name = "studio"
