"""A full build's postings: gathered term by term in memory, written a block at a time."""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from typing import Any

from whoosh.codec.whoosh3 import W3FieldWriter, W3PostingsWriter

Postings = tuple["array[int]", "array[float]", list[bytes]]
#: Posting lists shorter than this are written uncompressed.
_SMALL = 16


class TermPool:
    """The postings of a full build, gathered term by term in memory.

    Whoosh's writer keeps every posting as a tuple in one list, sorts the
    list when it commits and, past a memory limit, sorts and pickles it to
    temporary files posting by posting and merges them back: at 5,000
    documents that was over half of the build (profiled). A full build adds
    documents in order, so each term's postings arrive in order already:
    only the terms need sorting. Each posting costs about 50 bytes here
    (the document number and weight in arrays, the value's bytes in a list).

    Whoosh's pool interface as its ``SegmentWriter`` uses it (``add``,
    ``iter_postings``, ``cleanup``), and ``write``, which hands the postings
    to the writer's codec a block at a time before the writer commits. Not
    for incremental updates, whose merges of segments add postings out of
    order.
    """

    def __init__(self) -> None:
        self._terms: dict[str, dict[bytes, Postings]] = {}  # field → term → postings

    def add_document(self, writer: Any, fields: dict[str, Any]) -> None:
        """``writer.add_document(**fields)``, each field's postings added straight to
        the pool: Whoosh's makes a tuple and a call per posting (at 5,000 documents,
        6.5 million of each). For the fields this index has (no boosts, vectors or
        separate spelling); others are left to Whoosh."""
        schema = writer.schema
        if any(
            name.startswith("_") or schema[name].vector or schema[name].separate_spelling()
            for name in fields
        ):
            writer.add_document(**fields)
            return
        docnum = writer.docnum
        perdoc = writer.perdocwriter
        terms = self._terms
        perdoc.start_doc(docnum)
        try:
            for name in sorted(fields):
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                length = 0
                if field.indexed:
                    field_terms = terms.get(name)
                    if field_terms is None:
                        field_terms = terms[name] = {}
                    for text, freq, weight, encoded in field.index(value):
                        postings = field_terms.get(text)
                        if postings is None:
                            postings = field_terms[text] = (array("I"), array("f"), [])
                        postings[0].append(docnum)
                        postings[1].append(weight)
                        postings[2].append(encoded or b"")
                        length += freq
                    if not field.scorable:
                        length = 0
                perdoc.add_field(name, field, value if field.stored else None, length)
                if field.column_type:
                    perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        except BaseException:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        writer._added = True
        writer.docnum += 1

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        fieldname, text, docnum, weight, value = item
        field_terms = self._terms.setdefault(fieldname, {})
        postings = field_terms.get(text)
        if postings is None:
            postings = field_terms[text] = (array("I"), array("f"), [])
        docs, weights, values = postings
        if docs and docnum < docs[-1]:
            raise ValueError("TermPool: postings out of document order")
        docs.append(docnum)
        weights.append(weight)
        values.append(value or b"")

    def iter_postings(self) -> Iterator[tuple[str, bytes, int, float, bytes]]:
        """Every posting, by field, term and document, as Whoosh's pool gives them."""
        for fieldname, text, (docs, weights, values) in self._take():
            yield from zip(
                [fieldname] * len(docs), [text] * len(docs), docs, weights, values, strict=True
            )

    def _take(self) -> Iterator[tuple[str, bytes, Postings]]:
        """Every term's postings, by field and term, each let go of once given."""
        for fieldname in sorted(self._terms):
            field_terms = self._terms.pop(fieldname)
            for text in sorted(field_terms):
                yield fieldname, text, field_terms.pop(text)

    def write(self, writer: Any) -> None:
        """Write every posting with the writer's codec, then hold none (its commit
        then finds the pool empty). Whoosh's own way takes a call per posting
        through its ``FieldWriter``; here a block of postings is handed over at
        once where the codec is the one this was written for."""
        fieldwriter = writer.fieldwriter
        if not isinstance(fieldwriter, W3FieldWriter):
            return  # the writer's commit writes them, the slow way
        schema = writer.schema
        field = None
        for fieldname, text, (docs, weights, values) in self._take():
            if fieldname != field:
                if field is not None:
                    fieldwriter.finish_field()
                fieldwriter.start_field(fieldname, schema[fieldname])
                field = fieldname
            fieldwriter.start_term(text)
            _add_postings(fieldwriter, docs, weights, values)
            fieldwriter.finish_term()
        if field is not None:
            fieldwriter.finish_field()

    def cleanup(self) -> None:
        self._terms.clear()


def _add_postings(
    fieldwriter: Any, docs: array[int], weights: array[float], values: list[bytes]
) -> None:
    """A term's postings into its posting list, a whole block at a time; what
    ``W3PostingsWriter.add_posting`` does one posting at a time (without field
    lengths, which the index does not keep per term: ``writer_codec``)."""
    postings = fieldwriter._postwriter
    if type(postings) is not W3PostingsWriter or not hasattr(fieldwriter, "_codec"):
        for doc, weight, value in zip(docs, weights, values, strict=True):
            fieldwriter.add(doc, weight, value, 0)
        return
    limit = postings._blocklimit
    # Most terms are rare: zlib makes their few postings no smaller, and costs a call
    # each way (each block says whether it is compressed).
    postings._compression = fieldwriter._codec._compression if len(docs) >= _SMALL else 0
    for start in range(0, len(docs), limit):
        if start:
            postings._write_block()
        block = weights[start : start + limit]
        postings._ids = docs[start : start + limit]
        postings._weights = block
        postings._values = [value for value in values[start : start + limit] if value]
        postings._maxweight = max(0, max(block))
