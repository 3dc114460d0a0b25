import pytest


@pytest.fixture
def lexicon_only(settings):
    """The lexicon stack alone: for tests of a later stage (policy arithmetic, escalation, context rules) whose
    expectations must not move when the semantic head is retrained. The semantic layer has its own tests."""
    settings.SCREENING_SEMANTIC = False
