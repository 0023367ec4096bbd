"""Reliability test helpers: serial tests point a real server at the test database file."""

from __future__ import annotations

import pytest
from django.db import connection


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return (
        f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )


@pytest.fixture
def file_db() -> str:
    """The test database's URL for child processes; skips on in-memory SQLite."""
    if connection.vendor == "sqlite" and ":memory:" in str(connection.settings_dict["NAME"]):
        pytest.skip("needs a file database (OMNIRETAIL_TEST_DB_FILE)")
    return database_url()
