"""Role × endpoint permission matrix, generated from the routes.

Every API operation must declare who may call it; for every role, an operation whose
permission the role lacks answers 403, and one it holds never answers 403.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from omniretail.accounts.access import Access, Public
from omniretail.accounts.permissions import ROLE_PERMISSIONS, Role
from omniretail.api import api


def operations() -> Iterator[tuple[str, str, Any]]:
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    tail = ("/" + path.lstrip("/")) if path else ""
                    yield method, "/api/v1" + prefix.rstrip("/") + tail, operation


def test_every_operation_declares_its_permission():
    undeclared = []
    for method, path, operation in operations():
        callbacks = operation.auth_callbacks or []
        if len(callbacks) != 1 or not hasattr(callbacks[0], "perm"):
            undeclared.append(f"{method} {path}")
    assert undeclared == [], f"operations without a declared permission: {undeclared}"


def test_every_operation_declares_error_responses():
    missing = []
    for method, path, operation in operations():
        codes = set(operation.response_models) if hasattr(operation, "response_models") else set()
        if not any(400 <= int(c) < 500 for c in codes if str(c).isdigit()):
            missing.append(f"{method} {path}")
    assert missing == []


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r for r in Role])
def test_role_reaches_exactly_the_operations_its_permissions_allow(role, make_user, api_as):
    user = make_user(role.value, store="S1", region="east")
    client = api_as(user)
    granted = ROLE_PERMISSIONS[role]
    wrong = []
    for method, path, operation in operations():
        auth = operation.auth_callbacks[0]
        if isinstance(auth, Public) or not isinstance(auth, Access):
            continue
        response = getattr(client, method.lower())(
            _concrete(path), **({"data": {}} if method in {"POST", "PUT", "PATCH"} else {})
        )
        refused = response.status_code == 403
        if refused == (auth.perm in granted):
            wrong.append(f"{method} {path}: {response.status_code} (perm {auth.perm})")
        assert response.status_code < 500, f"{method} {path} → {response.status_code}"
    assert wrong == []
