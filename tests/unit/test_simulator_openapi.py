"""bot/digiwatt/openapi.yaml: a valid OpenAPI 3.1 document that says what models.py says."""

from __future__ import annotations

import inspect
import re

import pytest
from openapi_spec_validator import validate
from pydantic import BaseModel

from bot.digiwatt import models
from bot.provinces import PROVINCES
from tests.fixtures.simulator import OpenApiContract

BRIEF_OPERATIONS = {
    ("POST", "/auth/token"),
    ("POST", "/users"),
    ("DELETE", "/users/{account_number}"),
    ("POST", "/users/{account_number}/onboarding"),
    ("GET", "/users/{account_number}/consumption/{period}"),
    ("GET", "/users/{account_number}/consumption/{period}/totals"),
    ("GET", "/users/{account_number}/consumption/realtime"),
    ("GET", "/users/{account_number}/consumption/latest"),
    ("GET", "/users/{account_number}/consumption/{period}/performance"),
    ("GET", "/users/{account_number}/consumption/{period}/habits"),
    ("GET", "/users/{account_number}/analytics/trend"),
    ("GET", "/users/{account_number}/analytics/distribution"),
    ("GET", "/users/{account_number}/analytics/compound"),
    ("GET", "/users/{account_number}/saving"),
    ("GET", "/greenness"),
}
# JSON Schema keywords that pydantic derives from Field(...) constraints.
CONSTRAINTS = ("minimum", "maximum", "exclusiveMinimum", "minLength", "maxLength", "maxItems")

CONTRACT = OpenApiContract()
DOC = CONTRACT.document
SCHEMAS = DOC["components"]["schemas"]
MODELS = {
    name: cls
    for name, cls in inspect.getmembers(models, inspect.isclass)
    if issubclass(cls, BaseModel) and cls.__module__ == models.__name__ and not name.startswith("_")
}


def _resolve(node: dict) -> dict:
    while "$ref" in node:
        node = SCHEMAS[node["$ref"].rsplit("/", 1)[1]]
    return node


def test_the_document_is_valid_openapi_3_1() -> None:
    validate(DOC)
    assert DOC["openapi"].startswith("3.1")


def test_it_has_exactly_the_fifteen_operations_of_the_brief() -> None:
    operations = {
        (method.upper(), path)
        for path, item in DOC["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert operations == BRIEF_OPERATIONS


def test_every_path_but_the_documented_token_one_is_marked_assumed() -> None:
    for path, item in DOC["paths"].items():
        assert item.get("x-assumed") is (None if path == "/auth/token" else True), path


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_model_has_a_schema_with_the_same_fields(name: str) -> None:
    model = MODELS[name]
    schema = SCHEMAS[name]
    assert set(schema["properties"]) == set(model.model_fields), name
    required = {f for f, info in model.model_fields.items() if info.is_required()}
    if name.endswith("Request") or name in {"House", "Residents", "ApplianceQuantity"}:
        assert set(schema.get("required", [])) == required, name
    else:
        # Responses: the service always sends every field, defaults included.
        assert set(schema["required"]) == set(model.model_fields), name


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_field_constraint_of_a_model_is_in_the_document(name: str) -> None:
    pydantic_schema = MODELS[name].model_json_schema()
    for field, generated in pydantic_schema["properties"].items():
        documented = _resolve(SCHEMAS[name]["properties"][field])
        for keyword in CONSTRAINTS:
            if keyword in generated:
                assert documented.get(keyword) == generated[keyword], f"{name}.{field} {keyword}"
        if "pattern" in generated and "enum" in documented:
            # An enum such as [hour, day] says what ^(hour|day)$ says: no value outside it.
            assert all(re.fullmatch(generated["pattern"], v) for v in documented["enum"])
        elif "pattern" in generated:
            assert documented["pattern"] == generated["pattern"], f"{name}.{field} pattern"


def test_every_response_data_schema_is_a_model_and_marked_assumed() -> None:
    envelopes = [n for n in SCHEMAS if n.endswith("Envelope") and n != "ErrorEnvelope"]
    assert len(envelopes) == 14  # every operation but the token, which has no envelope
    for envelope in envelopes:
        data = SCHEMAS[envelope]["properties"]["data"]["$ref"].rsplit("/", 1)[1]
        assert data in MODELS, data
        assert SCHEMAS[data].get("x-assumed") is True, data
        assert SCHEMAS[envelope]["properties"]["status"] == {"const": 200}


@pytest.mark.parametrize(
    ("schema", "enum"),
    [
        ("Appliance", models.Appliance),
        ("HouseType", models.HouseType),
        ("Period", models.Period),
    ],
)
def test_enums_are_the_docs_and_the_models(schema: str, enum: type) -> None:
    assert SCHEMAS[schema]["enum"] == [member.value for member in enum]


def test_province_codes_are_the_shared_list_of_107() -> None:
    assert SCHEMAS["Province"]["enum"] == list(PROVINCES)
    assert len(PROVINCES) == 107
    assert SCHEMAS["Province"]["x-assumed"] is True


def test_the_docs_spelling_of_dimesion_is_kept() -> None:
    assert "dimesion" in SCHEMAS["House"]["properties"]
    assert "dimension" not in SCHEMAS["House"]["properties"]


def test_the_pod_rule_is_the_models_and_explains_the_docs_contradiction() -> None:
    pod = SCHEMAS["Pod"]
    assert pod["x-assumed"] is True
    assert pod["pattern"] == models.POD_PATTERN.pattern
    assert "20 characters" in pod["description"]
    assert "IT001E1234567890AB" in pod["description"]
    for example in pod["examples"]:
        CONTRACT.check_schema("Pod", example)
        assert models.is_valid_pod(example)


@pytest.mark.parametrize(
    ("pod", "valid"),
    [
        ("IT001E00123456", True),  # 14 characters, as on bills
        ("IT001E001234567", True),  # 15
        ("IT001E1234567890AB", True),  # the docs' example, 18
        ("IT001E1234567890ABCD", True),  # 20, the docs' stated length
        ("IT001E1234567", True),  # 13, the shortest the rule allows
        ("IT001E123456", False),  # 12: too short
        ("IT001E1234567890ABCDE", False),  # 21: too long
        ("1T001E00123456", False),  # must start with two letters
        ("IT001E0012345-", False),
    ],
)
def test_pod_pattern_accepts_real_pods_and_the_docs_example(pod: str, valid: bool) -> None:
    assert (not CONTRACT.errors("#/components/schemas/Pod", pod)) is valid
    assert models.is_valid_pod(pod) is valid


def test_security_is_bearer_from_the_client_credentials_token_endpoint() -> None:
    schemes = DOC["components"]["securitySchemes"]
    assert schemes["BearerAuth"] == {**schemes["BearerAuth"], "type": "http", "scheme": "bearer"}
    assert schemes["ClientCredentials"]["flows"]["clientCredentials"]["tokenUrl"] == "/auth/token"
    assert DOC["security"] == [{"BearerAuth": []}]
    _, _, token = CONTRACT.operation("token")
    assert token["security"] == []
    form = token["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert set(_resolve(form)["properties"]) == {"client_id", "client_secret", "grant_type"}


def test_every_authenticated_operation_documents_401_422_429_and_5xx() -> None:
    for path, item in DOC["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            expected = {"200", "401", "5XX"} | ({"422"} if path != "/greenness" else set())
            if path != "/auth/token":
                expected.add("429")
            if "{account_number}" in path:
                expected.add("404")
            assert expected <= set(operation["responses"]), f"{method} {path}"
