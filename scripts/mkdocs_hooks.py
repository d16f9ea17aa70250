"""MkDocs hooks (mkdocs.yml `hooks:`): every page in docs/ is in the site's navigation.

Engineers add pages of their own to docs/; a page missing from mkdocs.yml's `nav` is appended
under "More" (in file-name order) instead of being left out of the site's menu."""
from __future__ import annotations

from pathlib import Path
from typing import Any


def listed(nav: Any) -> set[str]:
    """The page paths a (nested) MkDocs nav names."""
    if isinstance(nav, str):
        return {nav}
    if isinstance(nav, dict):
        return set().union(*(listed(v) for v in nav.values()))
    if isinstance(nav, list):
        return set().union(*(listed(v) for v in nav)) if nav else set()
    return set()


def missing_pages(docs_dir: Path, nav: Any) -> list[str]:
    """The top-level Markdown pages of ``docs_dir`` that ``nav`` does not name."""
    have = listed(nav)
    return [p.name for p in sorted(docs_dir.glob("*.md")) if p.name not in have]


def on_config(config: Any) -> Any:
    nav = config.get("nav")
    if nav is not None:
        extra = missing_pages(Path(config["docs_dir"]), nav)
        if extra:
            nav.append({"More": extra})
    return config
