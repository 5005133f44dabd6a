"""`bmadgen export docs`: every document in phase order with a table of contents, as Markdown,
one self-contained HTML file (checked in Chromium: no request leaves the file) and a PDF."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess

import pytest

from .conftest import need_chromium

TITLES = ["Shop: Project Brief", "Shop: Product Requirements Document",
          "Shop: Front-end Specification", "Shop: Architecture"]
# A 1x1 PNG, standing in for a screenshot.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwAD"
                       "hgGAWjR9awAAAABJRU5ErkJggg==")


def positions(text: str, needles: list[str]) -> list[int]:
    found = [text.find(n) for n in needles]
    assert all(p >= 0 for p in found), dict(zip(needles, found, strict=True))
    return found


def test_markdown_has_a_toc_and_the_documents_in_phase_order(shop, cli):
    code, out, _ = cli("export", "docs")
    assert code == 0
    toc, body = out.split("---", 1)
    assert positions(toc, TITLES) == sorted(positions(toc, TITLES))
    assert positions(body, [f"# {t}" for t in TITLES]) == sorted(
        positions(body, [f"# {t}" for t in TITLES]))
    assert "Not written yet: `docs/stories.md`" in toc  # development has not run


def test_html_is_self_contained_and_escapes_document_text(shop, tmp_path, cli):
    brief = tmp_path / "shop" / "docs" / "brief.md"
    brief.write_text(brief.read_text() + "\n<script>alert(1)</script>\n"
                     "![remote](https://tracker.example/pixel.png)\n")
    target = tmp_path / "plan.html"
    code, _, err = cli("export", "docs", "--format", "html", "--output", str(target))
    assert code == 0 and "4 documents" in err
    html = target.read_text()
    ids = re.findall(r'<section class="document" id="doc-([a-z-]+)"', html)
    assert ids == ["brief", "prd", "front-end-spec", "architecture"]
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "tracker.example" not in html.split("<body>", 1)[1].replace(
        "[image: remote]", "")  # the remote image is dropped, its alt kept
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<link" not in html


def test_html_embeds_the_prototype_screenshots(shop, tmp_path, cli):
    shots = tmp_path / "shop" / "prototype" / "shots"
    shots.mkdir()
    (shots / "index.png").write_bytes(PNG)
    code, out, _ = cli("export", "docs", "--format", "html")
    assert code == 0
    spec = out.split('id="doc-front-end-spec"', 1)[1].split("</section>", 1)[0]
    assert "Prototype Screenshots" in spec
    assert f'src="data:image/png;base64,{base64.b64encode(PNG).decode()}"' in spec


def test_exported_html_in_chromium_shows_every_section_and_fetches_nothing(shop, tmp_path,
                                                                           cli, browser):
    target = tmp_path / "plan.html"
    assert cli("export", "docs", "-f", "html", "-o", str(target))[0] == 0
    browser.goto(target.as_uri())
    headings = browser.js("[...document.querySelectorAll('section.document h1')]"
                          ".map(h => h.textContent)")
    assert headings == TITLES
    toc = browser.js("[...document.querySelectorAll('nav.toc a')].map(a => a.hash)")
    assert toc == ["#doc-brief", "#doc-prd", "#doc-front-end-spec", "#doc-architecture"]
    urls = browser.requested_urls()
    assert urls and all(u.startswith(("file:", "data:")) for u in urls), urls


def test_pdf_has_pages_and_every_document_title(shop, tmp_path, cli):
    need_chromium()
    if shutil.which("pdftotext") is None:
        pytest.skip("no pdftotext (poppler-utils)")
    target = tmp_path / "plan.pdf"
    code, _, err = cli("export", "docs", "--format", "pdf", "--output", str(target))
    assert code == 0, err
    assert target.read_bytes().startswith(b"%PDF")
    info = subprocess.run(["pdfinfo", str(target)], capture_output=True, text=True,
                          check=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) >= 1
    text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True,
                          text=True, check=True).stdout
    for title in TITLES:
        assert title in text


def test_pdf_without_chromium_is_exit_7_and_writes_nothing(shop, tmp_path, cli, monkeypatch):
    monkeypatch.setenv("BMADGEN_CHROMIUM", str(tmp_path / "no-such-chromium"))
    target = tmp_path / "plan.pdf"
    code, _, err = cli("export", "docs", "--format", "pdf", "-o", str(target))
    assert code == 7 and "Chromium is not installed" in err and len(err.splitlines()) == 1
    assert not target.exists()


def test_bad_format_folder_and_pdf_to_stdout_are_refused(shop, tmp_path, cli):
    assert cli("export", "docs", "--format", "docx")[0] == 3
    assert cli("export", "docs", "--format", "pdf")[0] == 3
    code, _, err = cli("export", "docs", "--format", "html", "-o", str(tmp_path))
    assert code == 3 and "folder" in err
    code, _, _ = cli("export", "docs", "-o", str(tmp_path / "missing" / "plan.md"))
    assert code == 4


def test_no_documents_names_the_phase_that_writes_the_first(store, tmp_path, cli,
                                                           monkeypatch):
    from bmadgen.workflow import engine

    from .conftest import EXAMPLES

    engine.new_project(store, "idea", "blog", tmp_path / "idea",
                       EXAMPLES / "blog.answers.yaml")
    monkeypatch.chdir(tmp_path / "idea")
    code, _, err = cli("export", "docs")
    assert code == 4 and "bmadgen phase run vision" in err


SECRET = "sk-" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4"
CONFIGURED = "my-configured-provider-secret-value"


@pytest.mark.parametrize("args", [
    ["docs", "-f", "md"], ["docs", "-f", "html"], ["stories", "-f", "github"],
    ["stories", "-f", "jira-csv"], ["stories", "-f", "linear-csv"]])
def test_keys_and_configured_secrets_never_appear_in_an_export(shop, tmp_path, cli,
                                                               monkeypatch, args):
    monkeypatch.setenv("ANTHROPIC_API_KEY", CONFIGURED)
    prd = tmp_path / "shop" / "docs" / "prd.md"
    prd.write_text(prd.read_text().replace(
        "Only products with status published are listed",
        f"Only published products are listed (key {SECRET}, token {CONFIGURED})"))
    target = tmp_path / "export.out"
    code, _, _ = cli("export", *args, "-o", str(target))
    assert code == 0
    text = target.read_text()
    assert SECRET not in text and CONFIGURED not in text
    assert "[redacted" in text
