"""Every API error is {"code", "message", "details"} with a stable code — never a 500."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_missing_auth_answers_401_with_code(api_as, org):
    response = api_as(None).get("org/stores")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_invalid_token_answers_401(client, org):
    response = client.get("/api/v1/org/stores", HTTP_AUTHORIZATION="Bearer omr_nope")
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message", "details"}


def test_malformed_json_answers_400_malformed_json(api_as, make_user):
    api = api_as(make_user("hq_admin"))
    response = api.post("events/webhooks", "{not json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"


def test_unknown_field_is_rejected_when_posting(api_as, make_user):
    api = api_as(make_user("hq_admin"))
    response = api.post(
        "events/webhooks", {"name": "x", "url": "http://127.0.0.1:9/x", "surprise": 1}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert any("surprise" in e["loc"] for e in body["details"]["errors"])


def test_wrongly_typed_path_parameter_answers_422(api_as, make_user):
    response = api_as(make_user("hq_admin")).get("org/stores/not-a-number")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_permission_missing_answers_403_with_permission_named(api_as, make_user):
    response = api_as(make_user("cashier")).post(
        "events/webhooks", {"name": "x", "url": "http://127.0.0.1:9/x"}
    )
    assert response.status_code == 403
    assert response.json()["details"]["permission"] == "webhooks.manage"


def test_openapi_spec_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/org/stores" in response.json()["paths"]


def test_healthz_reports_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_every_request_body_schema_forbids_unknown_fields(client):
    spec = client.get("/api/v1/openapi.json").json()
    schemas = spec["components"]["schemas"]
    lenient = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if not body:
                continue
            ref = body["schema"].get("$ref", "")
            schema = schemas.get(ref.rsplit("/", 1)[-1], body["schema"])
            if schema.get("type") == "object" and schema.get("additionalProperties") is not False:
                lenient.append(f"{method.upper()} {path}")
    assert lenient == []


def test_schema_names_are_unique_across_domains():
    """The OpenAPI spec keys components by class name: two `ImportOut`s silently become one,
    and clients (and the fuzzer) then validate against the wrong schema."""
    import ninja

    import omniretail.api  # noqa: F401  (imports every router and its schemas)

    seen: dict[str, str] = {}
    clashes = []
    stack = list(ninja.Schema.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if not cls.__module__.startswith("omniretail.") or ".tests." in cls.__module__:
            continue
        where = f"{cls.__module__}.{cls.__qualname__}"
        if cls.__name__ in seen and seen[cls.__name__] != where:
            clashes.append(f"{seen[cls.__name__]} / {where}")
        seen.setdefault(cls.__name__, where)
    assert clashes == []
