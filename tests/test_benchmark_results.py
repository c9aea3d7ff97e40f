"""benchmarks/results.md holds run.py's report and the sections other benchmarks write."""

from __future__ import annotations

from pathlib import Path

from benchmarks.common import sections, write_section


def test_a_section_is_written_replaced_and_kept_when_the_report_is_rewritten(
    tmp_path: Path,
) -> None:
    results = tmp_path / "results.md"
    results.write_text("# Benchmark results\n\n| a | b |\n", encoding="utf-8")
    write_section(results, "reading", "## Reading on a slow link\n\nfirst figures\n")
    write_section(results, "other", "## Other\n")
    write_section(results, "reading", "## Reading on a slow link\n\nnew figures\n")
    text = results.read_text(encoding="utf-8")
    assert text.startswith("# Benchmark results\n\n| a | b |\n\n<!-- section: reading -->\n")
    assert "first figures" not in text and text.count("new figures") == 1
    assert text.index("section: reading") < text.index("section: other")
    # What run.py does: its new report, then the sections it found.
    kept = sections(results)
    results.write_text("# Benchmark results\n\nrewritten\n" + kept, encoding="utf-8")
    again = results.read_text(encoding="utf-8")
    assert "rewritten" in again and "new figures" in again and "## Other" in again
    assert sections(tmp_path / "missing.md") == ""
