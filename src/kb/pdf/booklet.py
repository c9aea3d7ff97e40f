"""An A5 booklet on A4 sheets: pages in signature order, two to a side.

The pack is laid out on A5 pages, then placed two by two on A4 landscape
sheets so that, printed on both sides (flipped on the short edge), folded
in the middle and stapled, the sheets read as a booklet in page order. One
signature: a sheet carries four pages, so the page count is rounded up to a
multiple of four with blank pages at the end, before the back cover.
pypdf places the pages.
"""

from __future__ import annotations

import io

from pypdf import PageObject, PdfReader, PdfWriter, Transformation

#: A4 landscape, in PDF points.
SHEET_WIDTH, SHEET_HEIGHT = 841.89, 595.28

Side = tuple[int | None, int | None]


def sides(pages: int) -> list[Side]:
    """The (left, right) page of each printed side, 0-based; None where a page is blank.

    Sheet ``s`` of ``n`` (a multiple of four) carries pages ``n-1-2s`` and
    ``2s`` on its front, ``2s+1`` and ``n-2-2s`` on its back: the outer
    sheet has the last and first pages, the innermost the middle two.
    """
    if pages < 1:
        return []
    total = -(-pages // 4) * 4

    def page(index: int) -> int | None:
        return index if index < pages else None

    order: list[Side] = []
    for sheet in range(total // 4):
        order.append((page(total - 1 - 2 * sheet), page(2 * sheet)))
        order.append((page(2 * sheet + 1), page(total - 2 - 2 * sheet)))
    return order


def _place(side: PageObject, page: PageObject, left: float) -> None:
    """Put ``page`` in the half of ``side`` that starts at ``left``, scaled down if it is larger."""
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    half = SHEET_WIDTH / 2
    scale = min(1.0, half / width, SHEET_HEIGHT / height)
    x = left + (half - width * scale) / 2 - float(page.mediabox.left) * scale
    y = (SHEET_HEIGHT - height * scale) / 2 - float(page.mediabox.bottom) * scale
    side.merge_transformed_page(page, Transformation().scale(scale).translate(x, y))


def impose(pdf: bytes) -> bytes:
    """The booklet of ``pdf``: its pages two to a side of A4 landscape, in signature order."""
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter()
    for left, right in sides(len(reader.pages)):
        side = writer.add_blank_page(SHEET_WIDTH, SHEET_HEIGHT)
        if left is not None:
            _place(side, reader.pages[left], 0.0)
        if right is not None:
            _place(side, reader.pages[right], SHEET_WIDTH / 2)
        side.compress_content_streams()
    if reader.metadata:
        writer.add_metadata({k: v for k, v in reader.metadata.items() if isinstance(v, str)})
    # Each placed page brings its fonts along: one copy of each is enough.
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
