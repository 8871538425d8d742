"""Checks the API description (core/api/*.yaml) with tools that do not come from ccbridge.

- each file is a valid OpenAPI 3.1 document (openapi-spec-validator);
- every schema example validates against its schema (jsonschema, draft 2020-12), except the
  event examples the description lists under x-example-type-mismatches, where the documents'
  example contradicts their own schema and is kept as the service sends it;
- the catalogue has the 67 documented event types and the table the 72 operations, each
  with the extensions the generator relies on.

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


def main() -> int:
    problems: list[str] = []
    operations: list[str] = []
    events: list[str] = []
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
                if op["operationId"].startswith("engagementCenter."):
                    for key in ("x-confirmed-by", "x-failed-by"):
                        if key not in op:
                            problems.append(f"{path.name}: {op['operationId']}: no {key}")
        for schema in doc.get("components", {}).get("schemas", {}).values():
            if "x-event-type" in schema:
                events.append(schema["x-event-type"])
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
