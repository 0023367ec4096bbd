"""The load driver against a real gunicorn server on loopback."""

from __future__ import annotations

import pytest
from django.db import connection

from omniretail.core.loadtest import drive, running_server


def test_load_is_refused_for_anything_but_the_loopback_server():
    with pytest.raises(ValueError):
        drive(
            "http://10.0.0.1:8000",
            token="x",
            next_request=lambda i: ("GET", "/", None),
            total=1,
            concurrency=1,
        )


@pytest.mark.serial
@pytest.mark.django_db(transaction=True)
def test_real_server_answers_concurrent_scoped_reads_without_errors(make_user, org):
    if connection.vendor == "sqlite" and ":memory:" in str(connection.settings_dict["NAME"]):
        pytest.skip("needs a file database (OMNIRETAIL_TEST_DB_FILE)")
    from omniretail.accounts.services import issue_token
    from omniretail.core.tests.test_worker import _database_url

    _, raw = issue_token(make_user("store_manager", store="S1"), name="load")
    with running_server(workers=2, env={"OMNIRETAIL_DATABASE_URL": _database_url()}) as base:
        result = drive(
            base,
            token=raw,
            next_request=lambda i: ("GET", "/api/v1/org/stores", None),
            total=40,
            concurrency=4,
        )
        other = drive(
            base,
            token=raw,
            next_request=lambda i: ("GET", f"/api/v1/org/stores/{org['stores']['S2'].pk}", None),
            total=4,
            concurrency=2,
            ok=lambda code: code == 404,
        )
    assert result.requests == 40 and result.errors == 0
    assert result.status_counts == {"200": 40}
    assert other.errors == 0  # out-of-scope store answers 404 over real HTTP too
