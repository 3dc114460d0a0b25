"""Schema-driven fuzzing of the native API (schemathesis over /api/v1/openapi.json, bounded examples):
no 5xx, and every response conforms to the documented schema and status codes."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from studio.wsgi import application

# What the API promises: never a 5xx, only documented status codes and content types, and bodies that
# match their schemas. (Schema-valid but semantically wrong input, such as a prompt of only spaces, is
# refused with a documented 4xx code; and pydantic reads a number as a Unix time where a date-time is
# asked for: so neither "positive data acceptance" nor strict "negative data rejection" is a promise.)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

# Loading the document needs no database: it is fetched through the WSGI app at collection time.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def keep_test_connection_open():
    """Calls through the raw WSGI app would close the test's database connection at the end of each
    request, as in production; Django's own test client switches that off the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_never_fails_and_matches_its_schema(case, alice_key, redis_conn, keep_test_connection_open):
    case.call_and_validate(headers={"Authorization": f"Bearer {alice_key}"}, checks=CHECKS)
