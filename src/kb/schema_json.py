"""The front-matter contract as a JSON Schema (draft 2020-12), for editors' editors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pycountry

from kb.model import DOCUMENT_TYPES, STATUSES, Taxonomy
from kb.schema import (
    DOCUMENT_ID_PATTERN,
    FIELDS,
    LANGUAGE_PATTERN,
    REQUIRED_FOR_AUTHORS,
    REVIEW_PENDING,
    SOURCE_ID_PATTERN,
    SUMMARY_MAX,
)


def json_schema(taxonomy: Taxonomy) -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) of the front matter, vocabularies included."""

    def enum_list(terms: Mapping[str, Any], description: str) -> dict[str, Any]:
        return {
            "type": "array",
            "description": description,
            "items": {"enum": list(terms)},
            "uniqueItems": True,
        }

    described: dict[str, str] = {f.name: f.description for f in FIELDS}
    countries = sorted(c.alpha_2 for c in pycountry.countries)
    properties: dict[str, Any] = {
        "title": {"type": "string", "minLength": 1},
        "type": {"enum": list(DOCUMENT_TYPES)},
        "summary": {"type": "string", "minLength": 1, "maxLength": SUMMARY_MAX},
        "themes": enum_list(taxonomy.themes, described["themes"]) | {"minItems": 1},
        "levels": enum_list(taxonomy.levels, described["levels"]) | {"minItems": 1},
        "countries": {"type": "array", "items": {"enum": countries}, "uniqueItems": True},
        "programme": {"enum": list(taxonomy.programmes)},
        "stakeholders": enum_list(taxonomy.stakeholders, described["stakeholders"]),
        "date": {"type": "string", "format": "date"},
        "updated": {"type": "string", "format": "date"},
        "authors": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "language": {"type": "string", "pattern": LANGUAGE_PATTERN.pattern},
        "translation_of": {"type": "string", "pattern": DOCUMENT_ID_PATTERN.pattern},
        "sources": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["title"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": SOURCE_ID_PATTERN.pattern},
                    "authors": {
                        "oneOf": [
                            {"type": "string"},
                            {"type": "array", "items": {"type": "string", "minLength": 1}},
                        ]
                    },
                    "title": {"type": "string"},
                    "url": {"type": "string", "format": "uri", "pattern": "^https?://"},
                    "year": {"type": "integer"},
                    "publisher": {"type": "string"},
                },
            },
        },
        "license": {"type": "string"},
        "status": {"enum": list(STATUSES)},
        "reviewers": {"type": "array", "items": {"type": "string"}},
        "review": {"type": "string", "format": "uri", "pattern": "^https?://"},
        "translation_review": {"enum": [REVIEW_PENDING]},
    }
    for name, spec in properties.items():
        spec.setdefault("description", described[name])
    for facet in taxonomy.facets.values():
        properties[facet.id] = enum_list(facet.terms, facet.label)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "kb document front matter",
        "type": "object",
        "required": [f.name for f in FIELDS if f.required],
        "properties": properties,
        "additionalProperties": False,
        "allOf": [
            {
                "if": {"properties": {"type": {"enum": list(REQUIRED_FOR_AUTHORS)}}},
                "then": {"required": ["authors"]},
            },
            {"if": {"required": ["translation_review"]}, "then": {"required": ["translation_of"]}},
        ],
    }
