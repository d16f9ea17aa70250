"""Fixtures and markers shared by every test.

- ``fsdd_path``: the Free Spoken Digit Dataset folder, the one place its path is resolved:
  ``$AUGFIT_FSDD``, else ``../shared/datasets/fsdd`` next to the repository. Tests that take it
  are skipped, with the path tried, when it is missing; the data are read there, never copied.
- Every test runs with ``AUGFIT_CACHE`` pointing at a fresh folder of this session, so no test
  depends on (or fills) the user's ``~/.cache/augfit``: a cold cache is what every test sees.
- ``browser_probe``: open a page in headless Chromium and report whether every image decoded,
  every audio element has a source that loads, and whether any console error appeared.
- Markers (registered in pyproject.toml): ``slow`` for tests that start subprocesses, dask
  clusters or browsers (``pytest -m "not slow"`` skips them; ``make test`` runs everything) and
  ``network`` for tests that try to reach a package registry (they skip, with the reason, when it
  cannot be reached).
- Hypothesis runs derandomized (the same examples every run), so a CI run does not pass or fail
  by luck; ``HYPOTHESIS_PROFILE=explore`` draws fresh examples each run to hunt for new failures.
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

settings.register_profile("default", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

REPO = Path(__file__).resolve().parents[1]


def fsdd_dir() -> Path:
    """Where the FSDD copy is expected: ``$AUGFIT_FSDD`` or ``<repo>/../shared/datasets/fsdd``."""
    env = os.environ.get("AUGFIT_FSDD")
    return Path(env) if env else (REPO.parent / "shared" / "datasets" / "fsdd").resolve()


@pytest.fixture(scope="session")
def fsdd_path() -> Path:
    """The FSDD folder (holding ``recordings/``); skips the test when it is missing."""
    path = fsdd_dir()
    if not (path / "recordings").is_dir():
        pytest.skip(f"FSDD not found at {path} (no recordings/ folder); "
                    "set AUGFIT_FSDD to a copy of the Free Spoken Digit Dataset")
    return path


@pytest.fixture(scope="session", autouse=True)
def _fresh_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``AUGFIT_CACHE`` = a session folder (subprocesses started by tests inherit it)."""
    path = tmp_path_factory.mktemp("augfit_cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AUGFIT_CACHE", str(path))
        yield path


CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")
_CATCH = """<script>
window.__errors = [];
window.addEventListener('error', e => window.__errors.push(String(e.message || e.type)), true);
const __ce = console.error;
console.error = (...a) => { window.__errors.push('console: ' + a.join(' ')); __ce(...a); };
</script>"""
_PROBE = """<script>
window.addEventListener('load', () => setTimeout(() => {
  const im = [...document.images];
  const au = [...document.querySelectorAll('audio')];
  const r = {images: im.length, decoded: im.filter(i => i.complete && i.naturalWidth > 0).length,
             minWidth: Math.min(...im.map(i => i.naturalWidth)), audios: au.length,
             withSource: au.filter(a => a.currentSrc || a.getAttribute('src')).length,
             playable: au.filter(a => a.readyState >= 1 && a.duration > 0).length,
             errors: window.__errors,
             // per row of cards (.samples): how many lines its cards wrap onto (1: one row)
             cardLines: [...document.querySelectorAll('.samples')].map(s =>
               new Set([...s.children].map(c => Math.round(c.getBoundingClientRect().top))).size),
             viewport: window.innerWidth};
  document.body.setAttribute('data-probe', JSON.stringify(r));
}, 2000));
</script>"""


@pytest.fixture(scope="session")
def browser_probe() -> Callable[[Path, Path], dict[str, Any]]:
    """``probe(page, tmp)``: open ``page`` in headless Chromium (a copy with a probe script beside
    it, so relative links resolve) and return what it saw: ``images``, ``decoded``
    (naturalWidth > 0), ``minWidth``, ``audios``, ``withSource``, ``playable`` (metadata loaded,
    duration > 0), ``errors`` (page errors), ``console`` (console errors on stderr), ``cardLines``
    (per row of sample cards, the lines it wraps onto) and ``viewport`` (the window is 1400 px
    wide). Skips when Chromium is not installed."""
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed")

    def probe(page: Path, tmp: Path) -> dict[str, Any]:
        probed = page.with_name(f"_probe_{page.name}")
        text = page.read_text()
        head = text.find("<head>")
        text = (text[:head + 6] + _CATCH + text[head + 6:]) if head >= 0 else _CATCH + text
        probed.write_text(text.replace("</body>", _PROBE + "</body>"))
        flags = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--autoplay-policy="
                 "no-user-gesture-required", f"--user-data-dir={tmp / 'chromium-profile'}",
                 "--window-size=1400,900", "--virtual-time-budget=10000",
                 "--enable-logging=stderr", "--v=0",
                 "--allow-file-access-from-files", "--dump-dom", probed.as_uri()]
        res = subprocess.run(flags, capture_output=True, text=True, timeout=120)
        probed.unlink()
        m = re.search(r"data-probe=\"([^\"]+)\"", res.stdout)
        assert m, res.stdout[:500] + res.stderr[-2000:]
        seen = json.loads(html.unescape(m.group(1)))
        seen["console"] = [line for line in res.stderr.splitlines()
                           if ":ERROR:CONSOLE" in line or "Uncaught" in line]
        return dict(seen)

    return probe


def pytest_ignore_collect(collection_path: Path) -> bool | None:
    """Do not collect the test folders' conftest.py files as doctest modules (``--doctest-modules``
    would import each as the module ``conftest``, so naming two folders that hold one in a single
    command failed with "import file mismatch"); pytest still loads them as conftests."""
    return True if collection_path.name == "conftest.py" else None
