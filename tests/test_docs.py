"""The documentation: README.md stays short, the generated pages are current, every page is in the
site's menu, and the site builds with ``mkdocs build --strict``, which a broken link fails."""
from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

import build_docs  # noqa: E402
import mkdocs_hooks  # noqa: E402

needs_mkdocs = pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None,
                                  reason="needs mkdocs (pip install -e '.[docs]')")


def test_readme_is_at_most_250_lines() -> None:
    n = len((REPO / "README.md").read_text(encoding="utf-8").splitlines())
    assert n <= 250, f"README.md has {n} lines; move sections to docs/"


def test_generated_pages_are_current() -> None:
    assert build_docs.stale() == [], "run python scripts/build_docs.py"


def test_stale_page_is_found(tmp_path: Path) -> None:
    (tmp_path / "index.md").write_text("old\n", encoding="utf-8")
    assert "index.md" in build_docs.stale(tmp_path)


def test_index_page_links_into_docs() -> None:
    page = build_docs.index_page()
    assert "](own-data.md)" in page and "](docs/" not in page


def test_pages_missing_from_the_nav_are_appended() -> None:
    nav = [{"Home": "index.md"}, {"Group": [{"A": "a.md"}, "b.md"]}]
    assert mkdocs_hooks.listed(nav) == {"index.md", "a.md", "b.md"}
    config = {"nav": nav, "docs_dir": str(REPO / "docs")}
    mkdocs_hooks.on_config(config)
    more = config["nav"][-1]["More"]
    assert "studies.md" in more and "index.md" not in more and "a.md" not in more


def _build(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict",
                           "--site-dir", str(root / "site")],
                          cwd=root, capture_output=True, text=True, timeout=300)


def _tiny_site(root: Path, link: str) -> Path:
    (root / "docs").mkdir(parents=True)
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8").split("\nnav:")[0]
    config = config.replace("scripts/mkdocs_hooks.py", str(REPO / "scripts" / "mkdocs_hooks.py"))
    (root / "mkdocs.yml").write_text(config + "\n", encoding="utf-8")
    (root / "docs" / "index.md").write_text(f"# Home\n\nSee [the page]({link}).\n")
    (root / "docs" / "page.md").write_text("# Page\n\n## A section\n")
    return root


@pytest.mark.slow
@needs_mkdocs
def test_a_broken_link_fails_the_strict_build(tmp_path: Path) -> None:
    good = _build(_tiny_site(tmp_path / "good", "page.md#a-section"))
    assert good.returncode == 0, good.stderr
    broken = _build(_tiny_site(tmp_path / "broken", "pgae.md"))
    assert broken.returncode != 0 and "pgae.md" in broken.stderr
    anchor = _build(_tiny_site(tmp_path / "anchor", "page.md#no-such-section"))
    assert anchor.returncode != 0 and "no-such-section" in anchor.stderr


@pytest.mark.slow
@needs_mkdocs
def test_the_site_builds_strict(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict",
                             "--site-dir", str(tmp_path / "site")],
                            cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "own-data" / "index.html").is_file()


def test_spec_page_covers_every_field_the_parser_knows(monkeypatch: pytest.MonkeyPatch) -> None:
    import docs_spec

    page = (REPO / "docs" / "spec.md").read_text(encoding="utf-8")
    for path in docs_spec.parser_fields():
        assert f"| `{path}` |" in page, path
    assert "| `training.lr` | `0.001` |" in page and "| `dataset.name` | required |" in page
    # a field added to the parser without a description stops the page from being built
    monkeypatch.setattr(docs_spec.S, "_TOP", [*docs_spec.S._TOP, "new_field"])
    with pytest.raises(SystemExit, match=r"fields without a description: \['new_field'\]"):
        docs_spec.page(REPO / "pipelines" / "digits_overfitting.yaml")


def test_cli_page_lists_every_command_and_option() -> None:
    from augfit import cli

    page = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    parser = cli._parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():
        assert f"## `augfit {name}`" in page
        for a in p._actions:
            for o in [] if isinstance(a, argparse._HelpAction) else a.option_strings:
                assert f"`{o}" in page, (name, o)


def test_gallery_has_every_registered_transform() -> None:
    from augfit.transforms import catalog

    page = (REPO / "docs" / "gallery.md").read_text(encoding="utf-8")
    missing = [e.name for e in catalog.entries() if f"\n### {e.name}\n" not in page]
    assert not missing, f"not in docs/gallery.md: {missing}; run python scripts/docs_gallery.py"
    for name in ("Rotate", "TimeMask", "MixUp"):
        assert f"](gallery/{name}.png)" in page
        assert (REPO / "docs" / "gallery" / f"{name}.png").is_file()
    assert "*Not drawn here" not in page
