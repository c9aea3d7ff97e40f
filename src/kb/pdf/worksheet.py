"""Worksheets on paper: tick boxes to tick and room to write.

Task-list items (``- [ ]``) print as a ballot box (☐, or ☑ when the source
ticked it), as a glyph rather than a drawn border so that the box is also
text: it is found by searching the PDF and read out by a screen reader. An
empty table cell is a place to write: its row is printed tall, and columns
left empty in every row take the width the filled ones do not need.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

BOX = "\u2610"
TICKED = "\u2611"
#: Up to this many columns to write in share half the table's width (the
#: stylesheet's ``th.write-in-column.of-N``); more keep the widths they have.
MOST_WRITE_IN_COLUMNS = 4


#: The box pymdownx.tasklist stores for a task-list item (with or without its
#: custom label), kept aside as raw HTML until the page is written.
_TASK_BOX = re.compile(
    r'(?:<label class="task-list-control">)?<input type="checkbox"([^<>]*)/?>'
    r'(?:<span class="task-list-indicator"></span></label>)?\s*$'
)


def tick_box(raw: str) -> str | None:
    """The printed box for a task list's stored ``<input type="checkbox">``, or None."""
    found = _TASK_BOX.match(raw)
    if found is None:
        return None
    if "checked" in found.group(1):
        return f'<span class="tick-box ticked">{TICKED}</span>'
    return f'<span class="tick-box">{BOX}</span>'


def _is_empty(cell: Element) -> bool:
    return not "".join(cell.itertext()).strip() and not any(
        child.tag in ("img", "span") for child in cell.iter() if child is not cell
    )


def write_in_space(table: Element) -> None:
    """Mark the rows with empty cells, and the columns empty in every row, for writing."""
    body_rows = [row for row in table.iter("tr") if not any(c.tag == "th" for c in row)]
    if not body_rows:
        return
    empty_columns: set[int] | None = None
    for row in body_rows:
        cells = [c for c in row if c.tag == "td"]
        empties = {i for i, cell in enumerate(cells) if _is_empty(cell)}
        if empties:
            row.set("class", f"{row.get('class', '')} write-in".strip())
        empty_columns = empties if empty_columns is None else empty_columns & empties
    header = next((row for row in table.iter("tr") if any(c.tag == "th" for c in row)), None)
    if not empty_columns or header is None:
        return
    headings = [c for c in header if c.tag == "th"]
    if len(empty_columns) >= len(headings) or len(empty_columns) > MOST_WRITE_IN_COLUMNS:
        return  # a blank grid: the columns share the width as they are
    for index in sorted(empty_columns):
        if index < len(headings):
            cell = headings[index]
            share = f"write-in-column of-{len(empty_columns)}"
            cell.set("class", f"{cell.get('class', '')} {share}".strip())
