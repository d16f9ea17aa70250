"""Progress of a run, wherever it runs: a terminal bar, a notebook widget, or plain log lines.

- stderr is a terminal: a tqdm bar (with the running cell and its epoch when in-process);
- in a Jupyter notebook: ``tqdm.auto`` (a widget);
- otherwise (output redirected, CI, a log file): :class:`LineProgress` writes one plain line to
  stderr every 10 s (also while a long cell is still training: a background thread keeps time)
  or every 10% of the cells, whichever comes first, and one at the end::

      augfit run: 12/40 cells (30%), 1m05s elapsed, ETA 2m31s

The ETA comes from the runner's cost model (:class:`augfit.experiments.run.cost.CostClock`) when it
gives one (:func:`show_eta`), else from the cells' count. A resumed run first says what it found
stored (:func:`note`): ``resuming: 44 of 144 cells stored``.
"""
from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO, TypeAlias

if TYPE_CHECKING:
    from tqdm import tqdm


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where tqdm.auto shows a widget)."""
    shell = sys.modules.get("IPython")
    if shell is None or "ipykernel" not in sys.modules:
        return False
    try:
        ip = shell.get_ipython()
    except Exception:  # IPython without a running shell
        return False
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


def clock_text(seconds: float) -> str:
    """A duration as the progress lines, the ETA and ``augfit plan`` show it: ``"1h02m05s"``,
    ``"3m07s"``, ``"42s"``.

    >>> clock_text(3725), clock_text(187.4), clock_text(42)
    ('1h02m05s', '3m07s', '42s')
    """
    s = round(seconds)
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s" if m else f"{s}s"


class LineProgress:
    """Plain progress lines for a stream that is not a terminal (see the module docstring).

    Parameters
    ----------
    total, initial : int
        Cells in the grid and cells already done (stored by an earlier run).
    every_seconds, every_fraction : float
        A line when this much time passed, or this share of ``total`` was done, since the last.
    file : text stream (default stderr)
    clock : callable
        Seconds as a float (``time.monotonic``); the tests pass their own.
    heartbeat : bool
        Start a daemon thread that calls :meth:`tick` about once a second, so a line still comes
        every ``every_seconds`` while no cell finishes.
    """

    def __init__(self, total: int, initial: int = 0, desc: str = "augfit run",
                 every_seconds: float = 10.0, every_fraction: float = 0.1,
                 file: TextIO | None = None, clock: Callable[[], float] = time.monotonic,
                 heartbeat: bool = False) -> None:
        self.total, self.n, self.desc = int(total), int(initial), desc
        self.every_seconds, self.every_fraction = every_seconds, every_fraction
        self.file = file if file is not None else sys.stderr
        self.clock = clock
        self._start = self._last_time = clock()
        self._initial = self.n
        self._last_n = self.n
        self._eta: tuple[float, float] | None = None     # (seconds left, clock when set)
        self._closed = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if heartbeat:
            self._thread = threading.Thread(target=self._beat, name="augfit-progress", daemon=True)
            self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(min(1.0, self.every_seconds)):
            self.tick()

    def tick(self) -> None:
        """Write a line if ``every_seconds`` passed since the last one (nothing else changes)."""
        with self._lock:
            if not self._closed and self.clock() - self._last_time >= self.every_seconds:
                self._emit()

    def line(self) -> str:
        """The progress line for the current state."""
        elapsed = self.clock() - self._start
        pct = 100.0 * self.n / self.total if self.total else 100.0
        text = (f"{self.desc}: {self.n}/{self.total} cells ({pct:.0f}%), "
                f"{clock_text(elapsed)} elapsed")
        done_here = self.n - self._initial
        if self._eta is not None and self.n < self.total:
            left, when = self._eta
            text += f", ETA {clock_text(max(left - (self.clock() - when), 0.0))}"
        elif done_here > 0 and self.n < self.total:
            text += f", ETA {clock_text(elapsed / done_here * (self.total - self.n))}"
        return text

    def set_eta(self, seconds: float) -> None:
        """Use ``seconds`` (left from now) as the ETA, counting down until the next call."""
        with self._lock:
            self._eta = (float(seconds), self.clock())

    def write(self, text: str) -> None:
        """One line of text on the progress stream."""
        with self._lock, contextlib.suppress(BrokenPipeError, ValueError):
            print(text, file=self.file, flush=True)

    def _emit(self) -> None:
        # stderr closed: progress is not worth failing for
        with contextlib.suppress(BrokenPipeError, ValueError):
            print(self.line(), file=self.file, flush=True)
        self._last_time, self._last_n = self.clock(), self.n

    def update(self, n: int = 1) -> None:
        with self._lock:
            self.n += int(n)
            step = self.every_fraction * self.total
            if self.clock() - self._last_time >= self.every_seconds or \
                    (step > 0 and self.n - self._last_n >= step):
                self._emit()

    def set_postfix_str(self, text: str) -> None:
        """Ignored (a plain log shows no per-epoch status)."""

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        with self._lock:
            if not self._closed:
                self._closed = True
                if self.n != self._last_n or self.n == self._initial:
                    self._emit()


#: a run's progress display: a :class:`LineProgress` or a tqdm bar
Bar: TypeAlias = "LineProgress | tqdm"


def make_progress(total: int, initial: int, progress: bool | None) -> tuple[Bar, bool]:
    """The progress display for a run and whether it shows per-epoch status.

    ``progress=False``: nothing; ``True``: a tqdm bar; ``None``: by where stderr goes (module
    docstring).
    """
    from tqdm import tqdm

    if progress is False:
        return tqdm(total=total, initial=initial, disable=True), False
    if progress is None and in_notebook():
        from tqdm.auto import tqdm as auto

        return auto(total=total, initial=initial, unit="cells", desc="augfit run"), True
    if progress is None and not _isatty(sys.stderr):
        return LineProgress(total, initial, heartbeat=True), False
    return tqdm(total=total, initial=initial, unit="cells", dynamic_ncols=True,
                desc="augfit run", file=sys.stderr, bar_format=BAR_FORMAT), True


# tqdm's own remaining time assumes equal cells: the ETA is shown in the description instead
BAR_FORMAT = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}{postfix}]"


def show_eta(bar: Bar, seconds: float | None) -> None:
    """Show ``seconds`` left (None: not known yet) on a LineProgress or a tqdm bar."""
    if seconds is None:
        return
    if isinstance(bar, LineProgress):
        bar.set_eta(seconds)
    elif not getattr(bar, "disable", False):
        bar.set_description_str(f"augfit run, ETA {clock_text(seconds)}", refresh=False)


def note(bar: Bar, text: str) -> None:
    """Write one line (e.g. ``resuming: 44 of 144 cells stored``) above a bar or among the
    progress lines; nothing when progress is off."""
    if isinstance(bar, LineProgress):
        bar.write(text)
    elif not getattr(bar, "disable", False):
        bar.write(text, file=sys.stderr)


def _isatty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


__all__ = ["BAR_FORMAT", "Bar", "LineProgress", "clock_text", "in_notebook", "make_progress",
           "note",
           "show_eta"]
