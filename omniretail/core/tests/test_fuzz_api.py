"""Schemathesis over the whole OpenAPI spec, as several roles: no server error, responses
match the schema. Runs in its own CI stage (marker ``fuzz``) with a bounded example count."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from omniretail.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
MAX_EXAMPLES = int(os.environ.get("OMNIRETAIL_FUZZ_EXAMPLES", "8"))
ROLES = [
    ("hq_admin", None),
    ("store_manager", "S1"),
    ("cashier", "S1"),
    ("warehouse_clerk", "S2"),
    ("marketer", None),
]


@pytest.fixture
def role_tokens(make_user, org):
    from omniretail.accounts.services import issue_token

    tokens = {}
    for role, store in ROLES:
        _, raw = issue_token(make_user(role, store=store), name="fuzz")
        tokens[role] = raw
    return tokens


@pytest.mark.fuzz
@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_never_fails_with_a_server_error_for_any_role(case, role_tokens):
    for token in [None, *role_tokens.values()]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = case.call(headers=headers)
        case.validate_response(
            response,
            checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
        )
