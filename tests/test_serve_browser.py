"""kb serve in a browser: errors appear at the top of every page and go away once fixed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.browser import chromium
from tests.conftest import ProjectFactory, document
from tests.test_serve import free_port, wait_for


def test_the_preview_shows_errors_on_every_page_until_they_are_fixed(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    project = make_project(
        {
            "content/lessons/pumps.md": document("Pumps", body="Pumps need spare parts.\n"),
            "content/lessons/wells.md": document("Wells", body="Wells need cleaning.\n"),
            "content/lessons/latrines.md": document("Latrines", themes="[sanitaton]"),
        }
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "kb", "--project", str(project), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    try:
        wait_for(f"{base}/lessons/wells/", "Wells need cleaning.")
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            # Started with an error: every page says so, above everything else.
            page.goto(f"{base}/lessons/pumps/")
            notice = page.locator("section.kb-problems[role=alert]")
            assert notice.is_visible()
            assert notice.locator("h2").inner_text() == "The knowledge base has 1 error"
            assert "content/lessons/latrines.md:5: themes[0]: 'sanitaton' is not a theme" in (
                notice.inner_text()
            )
            box = notice.bounding_box()
            assert box is not None and box["y"] == 0
            page.screenshot(path=str(tmp_path / "error-notice.png"))

            # A bad edit of the page in view: its own problem comes first, in bold.
            wells = project / "content/lessons/wells.md"
            wells.write_text(document("Wells", levels="[locl]"), encoding="utf-8")
            page.goto(f"{base}/lessons/wells/")
            page.wait_for_function(
                "document.querySelectorAll('.kb-problems li').length === 2", timeout=60_000
            )
            first = notice.locator("li").first
            assert first.inner_text().startswith("content/lessons/wells.md:6: levels[0]:")
            assert first.get_attribute("class") == "kb-problems__here"
            assert "Wells need cleaning." in page.inner_text("article")  # the last good page

            # Fixed, both: the page reloads by itself and the notice is gone.
            wells.write_text(document("Wells", body="Wells need cleaning.\n"), encoding="utf-8")
            (project / "content/lessons/latrines.md").write_text(
                document("Latrines"), encoding="utf-8"
            )
            page.wait_for_selector("section.kb-problems", state="detached", timeout=60_000)
            page.goto(f"{base}/lessons/latrines/")
            assert page.locator("h1").inner_text() == "Latrines"
            assert page.locator("section.kb-problems").count() == 0
    finally:
        process.terminate()
        process.communicate(timeout=20)
