"""The one way augfit runs an external command: a timeout scaled to the work, a killed process
group on timeout, and an error naming the command.

External programs (apertium for back-translation, espeak-ng for synthesized speech) are shell
pipelines: ``apertium`` is a bash script that starts several processes. Each command therefore runs
in its own session, and on timeout the whole process group is killed, so nothing is left running.

The timeouts are generous (tens of times the measured time of the work) and scale with the size of
the input; set ``AUGFIT_TIMEOUT_SCALE`` (a positive number, default 1) to multiply them on a slow or
heavily loaded machine.
"""
from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
from collections.abc import Sequence

from .errors import ConfigError, ExternalProcessError

#: environment variable multiplying every external-command timeout
TIMEOUT_SCALE_ENV = "AUGFIT_TIMEOUT_SCALE"


def timeout_scale() -> float:
    """``$AUGFIT_TIMEOUT_SCALE`` as a positive float (1.0 when unset)."""
    raw = os.environ.get(TIMEOUT_SCALE_ENV, "").strip()
    if not raw:
        return 1.0
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise ConfigError(f"{TIMEOUT_SCALE_ENV} must be a positive number (e.g. 2 to double every "
                          f"external-command timeout), got {raw!r}")
    return value


def scaled_timeout(base: float, per_unit: float = 0.0, units: int = 0) -> float:
    """``(base + per_unit * units) * timeout_scale()`` seconds."""
    return (base + per_unit * units) * timeout_scale()


def _descendants(pid: int) -> list[int]:
    """Every process descended from ``pid`` (read from /proc; [] where there is none), including
    those that left its process group with setsid."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the command's process group and every descendant (one that called setsid is in a
    group of its own), then reap it. A descendant that escaped and still holds the output pipes
    cannot block: the pipes are closed after a short wait rather than read to their end."""
    escaped = _descendants(proc.pid)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    for pid in escaped:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    try:
        proc.communicate(timeout=2.0)
    except subprocess.TimeoutExpired:
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        proc.wait()


def run_command(cmd: Sequence[str], *, timeout: float, what: str, input: bytes | None = None
                ) -> subprocess.CompletedProcess[bytes]:
    """Run ``cmd`` (bytes in and out) and return it finished; the exit code is the caller's to
    check.

    Parameters
    ----------
    cmd : sequence of str
        The command and its arguments (no shell).
    timeout : float
        Seconds (use :func:`scaled_timeout`); on expiry the command's whole process group is killed
        and :class:`~augfit.errors.ExternalProcessError` is raised naming the command.
    what : str
        Who runs it, for the error (e.g. ``"BackTranslate (apertium eng-spa)"``).
    input : bytes, optional
        Written to the command's standard input.
    """
    shown = shlex.join(cmd)
    try:
        proc = subprocess.Popen(list(cmd), stdin=subprocess.PIPE if input is not None else
                                subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
    except OSError as e:
        raise ExternalProcessError(f"{what}: could not start `{shown}` ({e})") from None
    try:
        out, err = proc.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise ExternalProcessError(
            f"{what}: `{shown}` did not finish within {timeout:.3g} s and was killed; check that "
            f"it runs by hand, or raise {TIMEOUT_SCALE_ENV} (now {timeout_scale():g}) on a slow "
            f"machine") from None
    except BaseException:  # KeyboardInterrupt: leave nothing running
        _kill_group(proc)
        raise
    return subprocess.CompletedProcess(list(cmd), proc.returncode, out, err)


__all__ = ["TIMEOUT_SCALE_ENV", "run_command", "scaled_timeout", "timeout_scale"]
