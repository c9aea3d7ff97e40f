"""Pack options: PDF/A-3b for archives, booklet file names, titles set like the text.

A small project (the one of test_pdf_print, with a French document and
packs that ask for these options) is written once for the module.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from kb.loader import LoadResult, load_project
from kb.packs import find_pack, load_packs
from kb.pdf import PdfCache, build_downloads, render_pack
from kb.pdf.printbody import PrintRenderer
from kb.pdf.printhtml import Cover, pack_job
from tests.conftest import document
from tests.test_pdf_print import project_files, write

Kb = Callable[..., Result]

PACKS = """\
packs:
  workshop:
    title: Workshop pack
    select: {type: [guideline, tool]}
  archive:
    title: Archive copy
    select: {type: tool}
    archival: true
    booklet: true
  guide:
    title: "Guide d'animation : l'alliance, « pas à pas » !"
    subtitle: "Pourquoi ? Pour qui ?"
    introduction: "Un recueil d'outils ; à imprimer."
    select: {language: fr}
"""

FRENCH = document("Animer l'alliance", "guideline", body="Le texte d'une fiche.\n", language="fr")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> LoadResult:
    files = project_files()
    files["content/packs.yml"] = PACKS
    files["content/guidelines/animer.md"] = FRENCH
    root = write(tmp_path_factory.mktemp("options") / "project", files)
    result = load_project(root)
    assert result.problems == []
    return result


def metadata_xml(reader: PdfReader) -> str:
    return str(reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8"))


def fonts(reader: PdfReader) -> list[DictionaryObject]:
    """The descriptor of every font the pages use (of a composite font's descendant)."""
    found = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for part in font.get("/DescendantFonts", [font]):
                found.append(part.get_object()["/FontDescriptor"].get_object())
    return found


def assert_pdf_a_3b(reader: PdfReader) -> None:
    root = reader.trailer["/Root"]
    xmp = metadata_xml(reader)
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    # PDF/A predefines no PDF/UA property: claiming both would need an extension schema.
    assert "pdfuaid" not in xmp
    (intent,) = [i.get_object() for i in root["/OutputIntents"]]
    assert intent["/S"] == "/GTS_PDFA1"
    assert intent["/DestOutputProfile"].get_object()["/N"] == 3  # an RGB profile
    assert reader.trailer["/ID"]
    descriptors = fonts(reader)
    assert descriptors
    assert all({"/FontFile", "/FontFile2", "/FontFile3"} & set(d) for d in descriptors)
    # Still tagged: the structure tree, the language, the title shown.
    assert "/StructTreeRoot" in root and bool(root["/MarkInfo"]["/Marked"])
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])


# -- PDF/A-3b for archives -----------------------------------------------------------


def test_kb_pdf_archival_writes_a_tagged_pdf_a_3b(
    project: LoadResult, kb: Kb, tmp_path: Path
) -> None:
    target = tmp_path / "workshop-archive.pdf"

    result = kb(project.settings.root, "pdf", "--pack", "workshop", "--archival", "-o", str(target))

    assert result.exit_code == 0, result.output
    reader = PdfReader(target)
    assert_pdf_a_3b(reader)
    assert reader.trailer["/Root"]["/Lang"] == "en"
    # Links are printed (PDF/A wants every annotation's print flag set).
    annotations = [a.get_object() for page in reader.pages for a in page.get("/Annots", [])]
    assert annotations and all(int(a["/F"]) & 4 for a in annotations)


def test_archival_in_packs_yml_makes_the_pack_pdf_a_and_its_booklet_a_print_copy(
    project: LoadResult, tmp_path: Path
) -> None:
    out = tmp_path / "downloads"

    downloads = build_downloads(project, out, strict=True, documents=False)

    made = {(d.kind, d.id): d for d in downloads}
    assert made[("pack", "archive")].archival
    assert not made[("booklet", "archive")].archival
    assert not made[("pack", "workshop")].archival
    assert_pdf_a_3b(PdfReader(out / "packs" / "archive.pdf"))
    assert "pdfuaid" in metadata_xml(PdfReader(out / "packs" / "workshop.pdf"))
    assert "/OutputIntents" not in PdfReader(out / "packs" / "workshop.pdf").trailer["/Root"]


def test_the_cache_key_depends_on_the_pdf_variant(project: LoadResult, tmp_path: Path) -> None:
    kb_ = project.knowledge_base
    printer = PrintRenderer(project.settings, kb_)
    job = pack_job(Cover("workshop", "Workshop pack"), [kb_.documents["sheet"]], printer, "en")
    cache = PdfCache(tmp_path)

    assert cache.key(job) != cache.key(dataclasses.replace(job, archival=True))
    assert cache.key(job) == cache.key(dataclasses.replace(job))


def test_a_booklet_is_not_made_for_archives(project: LoadResult, kb: Kb, tmp_path: Path) -> None:
    target = tmp_path / "both.pdf"
    args = ("pdf", "--pack", "workshop", "--booklet", "--archival", "-o", str(target))

    result = kb(project.settings.root, *args)

    assert result.exit_code == 2
    assert "Error: --archival makes the PDF/A copy of a pack for archives" in result.output
    assert not target.exists()


def test_archival_must_be_true_or_false(make_project: Callable[..., Path], kb: Kb) -> None:
    packs = "packs:\n  workshop:\n    title: Workshop\n    archival: yes please\n"
    root = make_project(
        {"content/packs.yml": packs, "content/lessons/one.md": document("One lesson")}
    )

    result = kb(root, "check")

    assert result.exit_code == 1
    assert (
        "content/packs.yml:4: packs.workshop.archival: expected true or false, "
        "found text 'yes please'" in result.output
    ), result.output


# -- booklet file names ------------------------------------------------------------


@pytest.mark.parametrize("pack_id", ["workshop-booklet", "booklet-of-tools-booklet"])
def test_a_pack_id_ending_in_booklet_is_refused(
    pack_id: str, make_project: Callable[..., Path], kb: Kb
) -> None:
    packs = (
        "packs:\n"
        "  workshop:\n    title: Workshop\n    booklet: true\n"
        f"  {pack_id}:\n    title: Not a booklet\n"
    )
    root = make_project(
        {"content/packs.yml": packs, "content/lessons/one.md": document("One lesson")}
    )

    result = kb(root, "check")

    assert result.exit_code == 1
    stem = pack_id.removesuffix("-booklet")
    assert (
        f"content/packs.yml:5: packs.{pack_id}: a pack id cannot end in '-booklet': "
        f"{pack_id}.pdf would be the file name of the booklet of a pack '{stem}'; "
        "choose another id"
    ) in result.output, result.output
    packs_read, _problems = load_packs(*_loaded(root))
    assert [p.id for p in packs_read] == ["workshop"]


def _loaded(root: Path) -> tuple[object, object]:
    result = load_project(root)
    return result.settings, result.knowledge_base


# -- titles set in the pack's language -------------------------------------------------


def test_a_french_pack_title_is_typeset_on_the_cover_and_in_the_metadata(
    project: LoadResult, tmp_path: Path
) -> None:
    packs, _problems = load_packs(project.settings, project.knowledge_base)
    guide = find_pack(packs, "guide")
    assert guide is not None
    target = tmp_path / "guide.pdf"

    render_pack(project, guide, target, strict=True)

    title = "Guide d\u2019animation\u202f: l\u2019alliance, «\u202fpas à pas\u202f»\u202f!"
    reader = PdfReader(target)
    assert reader.metadata is not None and reader.metadata.title == title
    assert f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}<' in metadata_xml(reader)
    # Lines joined with spaces (a narrow no-break space is whitespace to str.split).
    cover = reader.pages[0].extract_text().replace("\n", " ")
    assert f"TEST KB {title} Pourquoi\u202f? Pour qui\u202f?" in cover
    assert "Un recueil d\u2019outils\u202f; à imprimer." in reader.pages[1].extract_text()


def test_kb_pdf_title_and_intro_are_typeset_in_the_selections_language(
    project: LoadResult, kb: Kb, tmp_path: Path
) -> None:
    target = tmp_path / "fiches.pdf"

    result = kb(
        project.settings.root,
        "pdf",
        "--language",
        "fr",
        "--title",
        "Fiches d'animation : l'essentiel",
        "--intro",
        "Qu'apporter ? Tout.",
        "-o",
        str(target),
    )

    assert result.exit_code == 0, result.output
    reader = PdfReader(target)
    assert reader.metadata is not None
    assert reader.metadata.title == "Fiches d\u2019animation\u202f: l\u2019essentiel"
    text = " ".join(page.extract_text() for page in reader.pages[:2])
    assert "Qu\u2019apporter" in text and "Qu'apporter" not in text
