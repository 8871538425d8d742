"""Checks the API description (core/api/*.yaml) with tools that do not come from ccbridge.

- each file is a valid OpenAPI 3.1 document (openapi-spec-validator);
- every schema example validates against its schema (jsonschema, draft 2020-12), except the
  event examples the description lists under x-example-type-mismatches, where the documents'
  example contradicts their own schema and is kept as the service sends it;
- the catalogue has the 67 documented event types and the table the 72 operations, each
  with the extensions the generator relies on;
- every x-failed-when names one of its operation's confirming events and an integer field
  that event's schema documents, with values that field's enum allows when it has one.

Exits non-zero naming every problem.
"""

from __future__ import annotations

import pathlib
import sys

import jsonschema
import yaml
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

API = pathlib.Path(__file__).resolve().parents[2] / "core" / "api"
METHODS = ("get", "post", "put", "patch", "delete")


def check_examples(name: str, doc: dict, problems: list[str]) -> None:
    resource = Resource.from_contents(doc, default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:doc", resource)
    skipped = {m["schema"] for m in doc.get("x-example-type-mismatches", [])}
    for schema_name, schema in doc.get("components", {}).get("schemas", {}).items():
        if schema_name in skipped:
            continue
        validator = jsonschema.Draft202012Validator(
            {"$ref": f"urn:doc#/components/schemas/{schema_name}"},
            registry=registry,
            format_checker=jsonschema.FormatChecker(),
        )
        for i, example in enumerate(schema.get("examples", [])):
            for error in validator.iter_errors(example):
                problems.append(f"{name}: {schema_name} example {i}: {error.message}")


def check_failed_when(failed_when: list[tuple[str, dict]], schemas: dict, problems: list[str]) -> None:
    by_type = {s["x-event-type"]: s for s in schemas.values() if "x-event-type" in s}
    for op_id, op in failed_when:
        for rule in op["x-failed-when"]:
            event = rule.get("event")
            if event not in op.get("x-confirmed-by", []):
                problems.append(f"{op_id}: x-failed-when event {event} is not a confirming event")
                continue
            node = by_type.get(event)
            for key in rule.get("field", "").split("."):
                node = None if node is None else node.get("properties", {}).get(key)
            if node is None or node.get("type") != "integer":
                problems.append(f"{op_id}: x-failed-when field {rule.get('field')} is not an integer of {event}")
                continue
            for v in rule.get("values", []):
                if not isinstance(v.get("value"), int) or not v.get("name"):
                    problems.append(f"{op_id}: x-failed-when value {v} needs an integer value and a name")
                elif "enum" in node and v["value"] not in node["enum"]:
                    problems.append(f"{op_id}: x-failed-when value {v['value']} is not in the field's enum")


def main() -> int:
    problems: list[str] = []
    operations: list[str] = []
    events: list[str] = []
    failed_when: list[tuple[str, dict]] = []
    schemas: dict = {}
    for path in sorted(API.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        try:
            validate(doc)
        except Exception as e:  # the validator raises one exception type per kind of problem
            problems.append(f"{path.name}: not valid OpenAPI: {e}")
            continue
        check_examples(path.name, doc, problems)
        for route, item in doc.get("paths", {}).items():
            for method in METHODS:
                op = item.get(method)
                if op is None:
                    continue
                operations.append(op["operationId"])
                for key in ("summary", "security", "x-safe-to-retry"):
                    if key not in op:
                        problems.append(f"{path.name}: {method} {route}: no {key}")
                if "x-failed-when" in op:
                    failed_when.append((op["operationId"], op))
                if op["operationId"].startswith("engagementCenter."):
                    for key in ("x-confirmed-by", "x-failed-by"):
                        if key not in op:
                            problems.append(f"{path.name}: {op['operationId']}: no {key}")
        schemas.update(doc.get("components", {}).get("schemas", {}))
        for schema in doc.get("components", {}).get("schemas", {}).values():
            if "x-event-type" in schema:
                events.append(schema["x-event-type"])
    check_failed_when(failed_when, schemas, problems)
    families = {f: sum(e.startswith(f + ".") for e in events) for f in ("engagementCenter", "outreach", "messaging")}
    if len(operations) != 72 or len(set(operations)) != 72:
        problems.append(f"expected 72 distinct operations, found {len(set(operations))} of {len(operations)}")
    if families != {"engagementCenter": 58, "outreach": 3, "messaging": 6} or len(set(events)) != 67:
        problems.append(f"expected 58 + 3 + 6 event types, found {families}")
    for p in problems:
        print(p, file=sys.stderr)
    print(f"description: {len(operations)} operations, {len(events)} event types, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
