"""What a wrong value looks like to the person who typed it, and what they probably meant.

The check's messages end with a suggestion where one is likely: the closest
vocabulary id, the ISO form of a date written day first, the code of a
country written by name. Shared by the front matter's and the packs' checks.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

import pycountry


def suggest(value: str, choices: Iterable[str], labels: Mapping[str, str] | None = None) -> str:
    """``; did you mean 'x'?`` for a near miss, or an empty string."""
    choices = list(choices)
    folded = value.strip().lower().replace(" ", "-").replace("_", "-")
    if folded in choices and folded != value:
        return f"; did you mean '{folded}'?"
    if labels:
        for term_id, label in labels.items():
            if label.lower() == value.strip().lower():
                return f"; did you mean '{term_id}'?"
    # A shortened id ('rural-water' for 'rural-water-supply') is a likelier intent
    # than a look-alike of the same length ('urban-water').
    longer = [c for c in choices if len(folded) >= 4 and c.startswith(folded)]
    if len(longer) == 1:
        return f"; did you mean '{longer[0]}'?"
    # 0.7 keeps typos ('sanitaton') and drops look-alikes ('sanitation' for 'irrigation').
    close = difflib.get_close_matches(folded, choices, n=1, cutoff=0.7)
    return f"; did you mean '{close[0]}'?" if close else ""


def describe(value: Any) -> str:
    """How a wrong value looks to the person who typed it."""
    if isinstance(value, str):
        return f"text '{value}'"
    if isinstance(value, bool):
        return f"'{str(value).lower()}' (yes/no)"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a set of fields"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    if value is None:
        return "nothing"
    return type(value).__name__


def text_hint(value: Any) -> str:
    """How to turn a value YAML read as something else into the text that was meant."""
    if isinstance(value, bool):
        return "; put the text in quotes"
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
        return f"; write it without brackets: {value[0]}"
    if isinstance(value, dict):
        return "; if the text contains ': ', put it all in quotes"
    return ""


DAY_FIRST = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")


def date_message(value: Any) -> str:
    """What is wrong with a date, and the ISO form of it when that is certain."""
    expected = "expected a date written YYYY-MM-DD (e.g. 2026-11-27)"
    if isinstance(value, str):
        text = value.strip()
        if re.match(r"^\d{4}-\d{1,2}-\d{1,2}$", text):
            return (
                f"'{text}' is not a real date; write it as YYYY-MM-DD with a month "
                "from 01 to 12 and a day that exists in that month"
            )
        day_first = DAY_FIRST.match(text)
        if day_first:
            day, month, year = (int(g) for g in day_first.groups())
            if day > 12 and 1 <= month <= 12:
                try:
                    meant = dt.date(year, month, day).isoformat()
                except ValueError:
                    meant = ""
                if meant:
                    return f"{expected}, found text '{text}'; did you mean {meant}?"
    return f"{expected}, found {describe(value)}"


def country_hint(code: str) -> str:
    """Suggest the code a person probably meant: ``gh`` or ``Ghana`` mean ``GH``."""
    if len(code) == 2 and pycountry.countries.get(alpha_2=code.upper()):
        return f"; did you mean '{code.upper()}'?"
    try:
        found = pycountry.countries.lookup(code)
    except LookupError:
        return ""
    return f"; did you mean '{found.alpha_2}' ({found.name})?"
