"""Every ```python block in README.md and docs/*.md runs on its own and prints what it shows.

How a block is run (docs/testing.md, "Tests and tested examples", says the same for writers):

- **On its own**: each block runs in a fresh process with an empty namespace (forked from a server
  that has already imported numpy, scikit-learn and augfit, so a block costs only its own work; a
  missing ``import`` still fails). Its working directory is a scratch stand-in for the repository
  root: each top-level entry (``pipelines/``, ``src/``, ...) is a symlink to the real one and
  ``../shared/datasets/fsdd`` leads to the FSDD copy (the ``fsdd_path`` fixture), so the paths a
  reader types at the repository root work, while what a block writes (``runs/``, ``digits.npz``)
  stays in the scratch folder. ``AUGFIT_CACHE`` is the session's fresh cache (tests/conftest.py).
  A block gets ``TIMEOUT`` seconds.
- **Output**: a top-level statement followed by a comment ``# -> text`` (on the statement's last
  line, and/or on comment lines of their own right after it, one per output line) must produce
  that text: what the statement prints, or the ``repr`` of a bare expression's value. ``...``
  matches anything (long floats, elided arrays) and runs of whitespace compare equal. Other
  comments are not checked.
- **Resources**: a block that uses FSDD, torch, mlflow or apertium is skipped, with the reason,
  only when that resource is missing (``RESOURCES``; FSDD through the ``fsdd_path`` fixture).
- **Opting out**: the non-blank line before the fence may say
  ``<!-- readme-test: skip: REASON -->`` (e.g. a block that runs a full study); the reason is
  required and shown as the skip reason.
"""
from __future__ import annotations

import ast
import importlib.util
import io
import multiprocessing
import os
import re
import shutil
import tokenize
import traceback
from collections.abc import Callable, Iterator
from contextlib import redirect_stdout
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# docs/index.md is generated from README.md (scripts/build_docs.py): its blocks run as README's.
DOCS = [REPO / "README.md",
        *sorted(p for p in (REPO / "docs").glob("*.md") if p.name != "index.md")]
TIMEOUT = 600.0  # seconds per block: it catches hangs; blocks take 0.5-12 s on a quiet machine
SKIP_MARKER = re.compile(r"<!--\s*readme-test:\s*skip\s*:\s*(?P<reason>\S.*?)\s*-->")
EXPECT = re.compile(r"#\s*->\s?(?P<text>.*)$")
NOT_LINKED = {".git", ".venv", ".venv-bench", "runs", "reports", "preview", ".pytest_cache"}
# Imported once by the fork server, so that a block's time is its own work.
PRELOAD = ["numpy", "scipy", "sklearn", "sklearn.model_selection", "sklearn.pipeline", "cv2",
           "yaml", "augfit", "augfit.nn", "augfit.train", "augfit.transforms.image",
           "augfit.transforms.text", "augfit.transforms.audio", "augfit.data.datasets",
           "augfit.data.loader", "augfit.experiments"]


def _module(name: str) -> Callable[[], str | None]:
    return lambda: None if importlib.util.find_spec(name) else f"needs {name} (pip install {name})"


def _program(name: str, package: str) -> Callable[[], str | None]:
    return lambda: None if shutil.which(name) else f"needs {name} (apt-get install {package})"


# A block matching a pattern is skipped, with the check's reason, when the check fails here.
RESOURCES: list[tuple[re.Pattern[str], Callable[[], str | None]]] = [
    (re.compile(r"^\s*(import|from) torch\b", re.M), _module("torch")),
    (re.compile(r"^\s*(import|from) mlflow\b", re.M), _module("mlflow")),
    (re.compile(r"\bBackTranslate\("), _program("apertium", "apertium apertium-eng-spa")),
]
NEEDS_FSDD = re.compile(r"\bfsdd\b|AUGFIT_FSDD", re.I)


@dataclass
class Block:
    doc: Path
    fence: int                     # line of the opening fence, 1-based
    source: str
    skip: str | None = None        # the opt-out marker's reason

    @property
    def id(self) -> str:
        return f"{self.doc.name}:{self.fence}"

    @property
    def shows_output(self) -> bool:
        """Whether the block shows (and so the test checks) some output with ``# ->``."""
        return bool(expected_outputs(self.source))


def collect(doc: Path) -> list[Block]:
    """The ```python blocks of a Markdown file, each with its opt-out reason if marked."""
    lines = doc.read_text(encoding="utf-8").splitlines()
    blocks, i = [], 0
    while i < len(lines):
        if lines[i].strip() == "```python":
            j = i + 1
            while j < len(lines) and lines[j].strip() != "```":
                j += 1
            prev = next((lines[k] for k in range(i - 1, -1, -1) if lines[k].strip()), "")
            marker = SKIP_MARKER.fullmatch(prev.strip())
            blocks.append(Block(doc, i + 1, "\n".join(lines[i + 1:j]) + "\n",
                                marker.group("reason") if marker else None))
            i = j
        i += 1
    return blocks


def section_blocks(heading: str, doc: Path = REPO / "README.md") -> list[Block]:
    """The blocks between the line ``heading`` and the next ``## `` heading of ``doc``."""
    lines = doc.read_text(encoding="utf-8").splitlines()
    start = lines.index(heading) + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    return [b for b in collect(doc) if start < b.fence <= end]


def expected_outputs(source: str) -> dict[int, str]:
    """Last line of a top-level statement -> the output its ``# ->`` comments show.

    Raises ``ValueError`` naming the line of a ``# ->`` comment that neither ends a top-level
    statement nor sits on the line right after one (or right after another ``# ->`` line)."""
    ends = {node.end_lineno for node in ast.parse(source).body}
    shown: dict[int, list[str]] = {}
    owner, last = -1, -1
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type != tokenize.COMMENT or not (m := EXPECT.match(tok.string)):
            continue
        line, alone = tok.start[0], not tok.line[:tok.start[1]].strip()
        if not alone and line in ends:
            owner = line                      # print(x)  # -> 1
        elif alone and line == last + 1:
            pass                              # the next line of the same output
        elif alone and line - 1 in ends:
            owner = line - 1                  # the statement's output on lines of its own
        else:
            raise ValueError(f"line {line}: a '# ->' comment must end a top-level statement or "
                             "follow one (or another '# ->' line) on the next line")
        shown.setdefault(owner, []).append(m.group("text").rstrip())
        last = line
    return {end: "\n".join(text) for end, text in shown.items()}


def matches(expected: str, actual: str) -> bool:
    """``actual`` fits ``expected``: ``...`` matches anything, whitespace runs are equal."""
    parts = " ".join(expected.split()).split("...")
    pattern = ".*?".join(re.escape(p) for p in parts)
    return re.fullmatch(pattern, " ".join(actual.split()), re.S) is not None


def _run_in_child(source: str, filename: str, offset: int, cwd: str, env: dict[str, str],
                  shown: list[int], conn: Connection) -> None:
    """Run ``source`` statement by statement in a fresh namespace; send each statement's output."""
    from threadpoolctl import threadpool_limits

    os.chdir(cwd)
    os.environ.update(env)
    # One BLAS thread: on a shared machine spinning BLAS threads cost a block several times its
    # CPU time (the fork server may have been started, by the executors' tests, without the cap).
    threadpool_limits(1)
    tree = ast.parse(source)
    ast.increment_lineno(tree, offset)  # tracebacks then name the document's own line numbers
    namespace: dict[str, object] = {"__name__": "__main__"}
    outputs: dict[int, str] = {}
    try:
        for node in tree.body:
            buf = io.StringIO()
            with redirect_stdout(buf):
                if isinstance(node, ast.Expr) and node.end_lineno - offset in shown:
                    value = eval(compile(ast.Expression(node.value), filename, "eval"), namespace)
                    if value is not None:  # as the interactive prompt shows it
                        print(repr(value))
                else:
                    exec(compile(ast.Module([node], []), filename, "exec"), namespace)
            outputs[node.end_lineno - offset] = buf.getvalue()
    except BaseException:  # everything, SystemExit included, goes to the parent
        conn.send(("error", outputs, traceback.format_exc()))
    else:
        conn.send(("ok", outputs, ""))
    conn.close()


def scratch_root(base: Path, fsdd: Path | None) -> Path:
    """A stand-in for the repository root: symlinks to its entries, FSDD at ../shared."""
    root = base / "repo"
    root.mkdir()
    for entry in REPO.iterdir():
        if entry.name not in NOT_LINKED:
            (root / entry.name).symlink_to(entry)
    if fsdd is not None:
        (base / "shared" / "datasets").mkdir(parents=True)
        (base / "shared" / "datasets" / "fsdd").symlink_to(fsdd)
    return root


def run_block(source: str, filename: str, offset: int, cwd: Path, env: dict[str, str],
              timeout: float = TIMEOUT) -> list[str]:
    """Run a block in a forked child; the problems found (an error, a wrong output), if any."""
    shown = expected_outputs(source)
    ctx = multiprocessing.get_context("forkserver")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_run_in_child,
                        args=(source, filename, offset, str(cwd), env, list(shown), send))
    child.start()
    send.close()
    try:
        if not receive.poll(timeout):
            return [f"timed out after {timeout:.0f} s"]
        status, outputs, error = receive.recv()
    except EOFError:
        child.join()
        return [f"the block's process died with exit code {child.exitcode}"]
    finally:
        if child.is_alive():
            child.kill()
        child.join()
    problems = [error] if status == "error" else []
    for end, text in shown.items():
        if end not in outputs:
            continue  # not reached: the error above says why
        if not matches(text, outputs[end]):
            problems.append(f"{filename}:{end + offset}: shown output:\n    {text}\n"
                            f"  printed:\n    {outputs[end].rstrip()}")
    return problems


BLOCKS = [block for doc in DOCS if doc.is_file() for block in collect(doc)]


@pytest.fixture(scope="module", autouse=True)
def _fork_server() -> Iterator[None]:
    """The fork server imports ``PRELOAD`` with one BLAS thread (if no other test started the
    shared fork server first: then it has that test's preloads, and each block caps BLAS itself)."""
    with pytest.MonkeyPatch.context() as mp:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            mp.setenv(var, "1")
        multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)
        yield


@pytest.mark.slow
@pytest.mark.parametrize("block", BLOCKS, ids=[b.id for b in BLOCKS])
def test_block_runs_and_prints_what_it_shows(block: Block, tmp_path: Path,
                                             request: pytest.FixtureRequest) -> None:
    if block.skip:
        pytest.skip(f"marked in {block.doc.name}: {block.skip}")
    for pattern, check in RESOURCES:
        if pattern.search(block.source) and (reason := check()):
            pytest.skip(reason)
    fsdd = request.getfixturevalue("fsdd_path") if NEEDS_FSDD.search(block.source) else None
    env = {"AUGFIT_FSDD": str(fsdd)} if fsdd is not None else {}
    problems = run_block(block.source, str(block.doc), block.fence,
                         scratch_root(tmp_path, fsdd), env)
    assert not problems, f"{block.id}:\n" + "\n".join(problems)


def test_every_document_has_blocks_and_markers_give_reasons() -> None:
    readme = collect(REPO / "README.md")
    assert len(readme) >= 1 and len(BLOCKS) >= 30 and all(b.source.strip() for b in BLOCKS)
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        assert len(re.findall(r"readme-test:\s*skip", text)) == len(SKIP_MARKER.findall(text)), (
            f"{doc.name}: a readme-test skip marker without ': REASON'")


def test_collector_reads_fences_markers_and_expected_output(tmp_path: Path) -> None:
    doc = tmp_path / "x.md"
    doc.write_text("text\n```python\nx = 1\nprint(x)  # -> 1\n```\n\n"
                   "<!-- readme-test: skip: a full study -->\n\n```python\nrun()\n```\n"
                   "```sh\nls\n```\n")
    first, second = collect(doc)
    assert (first.fence, first.source, first.skip) == (2, "x = 1\nprint(x)  # -> 1\n", None)
    assert (second.fence, second.source, second.skip) == (9, "run()\n", "a full study")
    src = ("for i in range(2):\n    print(i, i / 3)\n# -> 0 0.0\n# -> 1 0.333...\n"
           "y = [1,\n     2]  # -> nothing printed\nlen(y)  # -> 2\n# a note, not output\n")
    assert expected_outputs(src) == {2: "0 0.0\n1 0.333...", 6: "nothing printed", 7: "2"}
    with pytest.raises(ValueError, match="line 1: a '# ->' comment must end"):
        expected_outputs("y = [1,  # -> 1\n     2]\n")
    with pytest.raises(ValueError, match="line 3"):
        expected_outputs("x = 1  # -> a\n\n# -> b\n")


def test_matches_wildcards_and_whitespace() -> None:
    assert matches("73 {'loss': 0.257..., 'accuracy': 0.91...}",
                   "73 {'loss': 0.25731, 'accuracy': 0.9136}\n")
    assert matches("[1  2\n 3]", "[1 2\t3]") and matches("...", "")
    assert not matches("0.972", "0.9721") and not matches("a...c", "abd")
    assert not matches("28 38", "28 39")


def test_wrong_output_missing_import_and_timeout_are_reported(tmp_path: Path) -> None:
    ok = run_block("import math\nprint(math.pi)  # -> 3.14159...\nmath.e  # -> 2.718...\n",
                   "ok.md", 10, tmp_path, {})
    assert ok == []
    wrong = run_block("print(6 * 7)  # -> 41\n", "w.md", 10, tmp_path, {})
    assert len(wrong) == 1 and "w.md:11: shown output:\n    41\n  printed:\n    42" in wrong[0]
    missing = run_block("x = np.zeros(3)\n", "m.md", 20, tmp_path, {})
    assert len(missing) == 1 and "NameError: name 'np' is not defined" in missing[0]
    assert 'File "m.md", line 21' in missing[0]  # the document's line, not the block's
    env = run_block("import os\nprint(os.getcwd(), os.environ['X'])  # -> ... 1\n", "e.md", 0,
                    tmp_path, {"X": "1"})
    assert env == []
    slow = run_block("import time\ntime.sleep(30)\n", "t.md", 0, tmp_path, {}, timeout=1.0)
    assert slow == ["timed out after 1 s"]
