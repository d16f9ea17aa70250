"""The ``augfit`` command: run experiments, rebuild reports, preview pipelines, list components.

Errors are printed as one line naming the file and the fix, never as a traceback: status 2 for a
usage error (a bad argument, option or spec field: ConfigError, or argparse's own), status 1 when
the data, the results store or the machine fails (corrupt or foreign results.sqlite, unreadable
data file, read-only folder, full disk). Ctrl-C exits with 130, and SIGTERM (``kill``) with 143,
after saying in one line that every finished cell is saved (a rerun resumes). Output piped into a
reader that stops early (``augfit run SPEC | head``) ends quietly, with status 0.
"""
from __future__ import annotations

import argparse
import errno
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Sequence
from types import FrameType
from typing import TYPE_CHECKING, TextIO, TypedDict

from .errors import AugfitError, ConfigError, DataChangedWarning
from .version import __version__

if TYPE_CHECKING:
    from .experiments.report import RunResult

EPILOG = {
    "main": """examples:
  augfit run pipelines/digits_overfitting.yaml --out runs/digits --workers 2
  augfit report runs/digits
  augfit export runs/digits --format parquet
  augfit preview --pipeline pipelines/digits_overfitting.yaml --method combined --dataset digits
  augfit list transforms""",
    "run": """examples:
  augfit run pipelines/digits_overfitting.yaml --out runs/digits           # in this process
  augfit run pipelines/digits_overfitting.yaml --out runs/digits --workers 2
  augfit run pipelines/fashion_mnist_overfitting.yaml --scheduler local --workers 4
  augfit run SPEC --scheduler tcp://10.0.0.5:8786                           # a dask cluster
  augfit run SPEC --mlflow sqlite:///mlflow.db                              # also log to MLflow
  augfit run SPEC --until-decided --max-splits 12     # add splits in rounds until decided
Rerunning the same command skips every finished cell (results.sqlite in --out).
Progress goes to stderr: a bar on a terminal, else a line every 10 s or 10% of the cells.""",
    "export": """examples:
  augfit export runs/digits                        # runs/digits/export/cells.csv, epochs.csv
  augfit export runs/digits --format parquet --out tables/
cells: one row per cell (method, seed, train_size, final metrics); epochs: one row per cell and
epoch (train/val loss and accuracy, gaps). Needs pandas (and pyarrow for parquet):
pip install 'augfit[export]'""",
    "report": """example:
  augfit report runs/digits        # writes runs/digits/report.md, report.html, cells.csv""",
    "preview": """examples:
  augfit preview --pipeline aug.yaml --dataset digits --n 8 --versions 4 --out preview/
  augfit preview --pipeline pipelines/digits_overfitting.yaml --method all   # the spec's dataset
  augfit preview --pipeline specaug.yaml --dataset fsdd --dataset-option path=/data/fsdd
The pipeline is a transform file (YAML/JSON, the serialized form of augfit.Compose) or an
experiment spec with --method naming one of its methods.""",
    "plan": """examples:
  augfit plan pipelines/digits_overfitting.yaml --smallest-effect 1.0
  augfit plan SPEC --pilot-splits 3 --pilot-seeds 2 --max-splits 30 --dask-workers 16
Runs a small pilot on splits the confirmatory run never uses, then prints the design (splits x
seeds) that detects the smallest effect at 80% power, its estimated wall time, and writes it as
SPEC's stem + .planned.yaml (notes.tuned_on names the pilot).""",
    "list": """example:
  augfit list transforms""",
}


def _sequential_arguments(r: argparse.ArgumentParser) -> None:
    """``augfit run``'s --until-decided options."""
    r.add_argument("--until-decided", action="store_true",
                   help="add splits in rounds until every primary comparison is helps, hurts "
                        "or negligible (group-sequential looks keep the error rate); needs "
                        "--max-splits")
    r.add_argument("--max-splits", type=int, metavar="N",
                   help="with --until-decided: the declared maximum number of splits")
    r.add_argument("--round-splits", type=int, metavar="K",
                   help="with --until-decided: splits added per round (default: the spec's)")
    r.add_argument("--smallest-effect", type=float, metavar="PP",
                   help="with --until-decided: the smallest effect of interest in pp of test "
                        "accuracy (default: the spec's answer.smallest_effect, else 1.0)")


def _plan_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``augfit plan`` subcommand."""
    raw = argparse.RawDescriptionHelpFormatter
    pl = sub.add_parser("plan", help="size a design on a pilot: splits x seeds for the smallest "
                        "effect at 80%% power, its wall time, the planned spec",
                        formatter_class=raw, epilog=EPILOG["plan"])
    pl.add_argument("spec", help="experiment spec (YAML)")
    pl.add_argument("--smallest-effect", type=float, metavar="PP",
                    help="smallest effect of interest in pp of test accuracy (default: the "
                         "spec's answer.smallest_effect, else 1.0)")
    pl.add_argument("--pilot-splits", type=int, default=2, metavar="N",
                    help="splits in the pilot (default 2)")
    pl.add_argument("--pilot-seeds", type=int, default=2, metavar="N",
                    help="seeds in the pilot (default 2)")
    pl.add_argument("--pilot-first-split", type=int, metavar="K",
                    help="the pilot's first split index (default: just after the splits the run "
                         "may use, first_split + --max-splits)")
    pl.add_argument("--max-splits", type=int, default=30, metavar="N",
                    help="the most splits a design (or --until-decided) may use (default 30)")
    pl.add_argument("--workers", type=int, default=None,
                    help="local worker processes for the pilot (default: one per CPU core)")
    pl.add_argument("--dask-workers", type=int, default=8, metavar="K",
                    help="also estimate the wall time on K dask workers (default 8)")
    pl.add_argument("--out", help="the pilot's results folder (default: runs/<name>_pilot)")
    pl.add_argument("--write", metavar="PATH",
                    help="where to write the planned spec (default: SPEC's stem + "
                         ".planned.yaml)")
    pl.add_argument("--quiet", action="store_true", help="no progress lines")


def _preview_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``preview`` subcommand's arguments."""
    raw = argparse.RawDescriptionHelpFormatter
    pv = sub.add_parser("preview", help="originals beside augmented versions, as a static page",
                        formatter_class=raw, epilog=EPILOG["preview"])
    pv.add_argument("--pipeline", required=True, help="transform file or experiment spec")
    pv.add_argument("--method", help="with a spec: the method whose augment pipeline to show")
    pv.add_argument("--dataset", help="dataset name (see `augfit list datasets`); default with a "
                    "spec: the spec's dataset and options")
    pv.add_argument("--dataset-option", action="append", default=[], metavar="KEY=VALUE",
                    help="a keyword of augfit.datasets.load, e.g. path=/data/fsdd (repeatable)")
    pv.add_argument("--n", type=int, default=8, help="samples to show (default 8)")
    pv.add_argument("--versions", type=int, default=4, help="augmented versions each (default 4)")
    pv.add_argument("--seed", type=int, default=0, help="chooses samples and draws (default 0)")
    pv.add_argument("--max-panels", type=int, default=1000, metavar="N",
                    help="refuse a page of more than N panels, samples x (1 + versions) "
                         "(default 1000)")
    pv.add_argument("--out", default="preview", help="output folder (default ./preview)")


def _parser() -> argparse.ArgumentParser:
    raw = argparse.RawDescriptionHelpFormatter
    p = argparse.ArgumentParser(
        prog="augfit", formatter_class=raw, epilog=EPILOG["main"],
        description="Measure how much data augmentation, dropout and early stopping reduce "
                    "overfitting.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    r = sub.add_parser("run", help="run (or resume) an experiment spec and write its report",
                       formatter_class=raw, epilog=EPILOG["run"])
    r.add_argument("spec", help="experiment spec (YAML), e.g. pipelines/digits_overfitting.yaml")
    r.add_argument("--out", help="results folder (default: runs/<spec name>)")
    r.add_argument("--workers", type=int, default=None,
                   help="local worker processes (default: one per CPU core; 1 runs in this "
                        "process); with --scheduler local, the number of dask workers")
    r.add_argument("--scheduler", metavar="ADDR",
                   help="dask.distributed scheduler address, or 'local' for a LocalCluster")
    r.add_argument("--no-report", action="store_true", help="only run and store the cells")
    r.add_argument("--quiet", action="store_true", help="no progress bars or lines")
    r.add_argument("--max-cells", type=int, default=None, metavar="N",
                   help="refuse a grid of more than N cells (default: $AUGFIT_MAX_CELLS or "
                        "100000)")
    r.add_argument("--mlflow", metavar="URI",
                   help="also log each cell as an MLflow run (and the report as artifacts of a "
                        "parent run), e.g. sqlite:///mlflow.db; needs pip install "
                        "'augfit[mlflow]'")
    _sequential_arguments(r)
    _plan_parser(sub)

    ex = sub.add_parser("export", help="write a results folder as tidy tables (csv or parquet)",
                        formatter_class=raw, epilog=EPILOG["export"])
    ex.add_argument("dir", help="results folder given to `augfit run --out`")
    ex.add_argument("--format", choices=["csv", "parquet"], default="csv",
                    help="file format (default csv)")
    ex.add_argument("--out", help="output folder (default: DIR/export)")

    rp = sub.add_parser("report", help="rebuild the report of a results folder",
                        formatter_class=raw, epilog=EPILOG["report"])
    rp.add_argument("dir", help="results folder given to `augfit run --out`")

    _preview_parser(sub)

    ls = sub.add_parser("list", help="list registered transforms, datasets or featurizers",
                        formatter_class=raw, epilog=EPILOG["list"])
    ls.add_argument("what", choices=["transforms", "datasets", "featurizers"])
    ls.add_argument("--names", action="store_true",
                    help="names only, one a line (for scripts); transforms are otherwise listed "
                         "with their modality, a description and their parameters")
    p.add_argument("--version", action="version", version=f"augfit {__version__}")
    return p


class _Sequential(TypedDict):
    """The --until-decided options, as run_until_decided's keywords."""

    max_splits: int | None
    round_splits: int | None
    smallest: float | None


def _sequential_options(args: argparse.Namespace) -> _Sequential:
    """The --until-decided options as keywords (an error when given without it)."""
    flags = {"max_splits": ("--max-splits", args.max_splits),
             "round_splits": ("--round-splits", args.round_splits),
             "smallest": ("--smallest-effect", args.smallest_effect)}
    used = [flag for flag, v in flags.values() if v is not None]
    if used and not args.until_decided:
        raise ConfigError(f"{', '.join(used)} only applies with --until-decided; add "
                          "--until-decided or drop it")
    return _Sequential(max_splits=args.max_splits, round_splits=args.round_splits,
                       smallest=args.smallest_effect)


def _run(args: argparse.Namespace) -> int:
    from .experiments.report import run, run_until_decided

    out = args.out
    workers = args.workers if args.workers is not None else max(1, os.cpu_count() or 1)
    sequential = _sequential_options(args)
    options = {"out": out, "workers": workers, "scheduler": args.scheduler,
               "progress": False if args.quiet else None, "report": not args.no_report,
               "mlflow": args.mlflow, "max_cells": args.max_cells}
    try:
        if args.until_decided:
            res = run_until_decided(args.spec, **options, **sequential)
        else:
            res = run(args.spec, **options)
    except KeyboardInterrupt:
        where = out or "the results folder"
        how = " by SIGTERM" if _TERMINATED else ""
        print(f"\naugfit: interrupted{how}; every finished cell is saved in {where}; rerun the "
              "same command to resume", file=sys.stderr)
        return 143 if _TERMINATED else 130
    print(f"{res.spec.name}: {res.n_run} cells run, {res.n_skipped} already stored, "
          f"{res.seconds:.1f} s; results in {res.out}")
    if res.report is not None:
        _print_answer(res)
    elif res.sequential:
        print("\n".join(res.sequential))
    if res.mlflow_run_id is not None:
        uri = args.mlflow or res.spec.tracking["mlflow"]
        print(f"mlflow: parent run {res.mlflow_run_id} at {uri}")
    if res.failed:
        print(f"augfit run: {res.failure_summary()}", file=sys.stderr)
        return 1
    return 0


def _plan(args: argparse.Namespace) -> int:
    from .experiments.report import plan

    workers = args.workers if args.workers is not None else max(1, os.cpu_count() or 1)
    res = plan(args.spec, smallest=args.smallest_effect, pilot_splits=args.pilot_splits,
               pilot_seeds=args.pilot_seeds, pilot_first_split=args.pilot_first_split,
               max_splits=args.max_splits, workers=workers, dask_workers=args.dask_workers,
               out=args.out, write=args.write, progress=False if args.quiet else None)
    print(res.text())
    return 0


def _export(args: argparse.Namespace) -> int:
    from .experiments.report import export

    paths = export(args.dir, args.format, args.out)
    print(f"cells: {paths['cells']}\nepochs: {paths['epochs']}")
    return 0


def _print_answer(res: RunResult) -> None:
    """The sanity warnings and one verdict sentence per method, then the verdict table."""
    from .experiments.report import answer_text

    print()
    assert res.report is not None
    print(answer_text(res.report))
    print()
    print(res.table)
    print()
    print(f"report: {res.paths['markdown']}  {res.paths['html']}")
    from .viz.figures import NO_MATPLOTLIB, has_matplotlib

    if not has_matplotlib():
        print(f"augfit: figures not drawn: {NO_MATPLOTLIB}; then `augfit report {res.out}` adds "
              "them", file=sys.stderr)


def _report(args: argparse.Namespace) -> int:
    from .experiments.report import report

    res = report(args.dir)
    _print_answer(res)
    return 0


def _preview(args: argparse.Namespace) -> int:
    from .preview import preview
    from .safe_yaml import load_yaml

    options = {}
    for item in args.dataset_option:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--dataset-option must be KEY=VALUE, got {item!r}")
        # plain YAML scalars and lists only: tags (!!python/...) and alias bombs are refused
        options[key] = load_yaml(value, f"--dataset-option {key}", max_nodes=1000)
    res = preview(args.pipeline, args.dataset, n=args.n, versions=args.versions, out=args.out,
                  seed=args.seed, method=args.method, dataset_options=options,
                  max_panels=args.max_panels,
                  progress=lambda line: print(f"augfit preview: {line}", file=sys.stderr,
                                              flush=True))
    print(f"{res.panels} panels ({res.modality}); open {res.paths['html']}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from .registry import DATASETS, FEATURIZERS, TRANSFORMS

    tables: dict[str, Callable[[], list[str]]] = {"transforms": TRANSFORMS.available,
                                                  "datasets": DATASETS.available,
                                                  "featurizers": FEATURIZERS.available}
    if args.what == "transforms" and not args.names:
        _list_transforms()
        return 0
    for name in tables[args.what]():
        print(name)
    return 0


def _list_transforms() -> None:
    """One entry per transform: modality, name and description, then its parameters."""
    import textwrap

    import augfit.transforms  # noqa: F401  (registers the built-in transforms)

    from .transforms.catalog import entries

    rows = entries()
    width = max(len(e.name) for e in rows) + 2
    indent = " " * (8 + width)
    for e in rows:
        print(f"{e.modality:<8}{e.name:<{width}}" + textwrap.fill(
            e.summary, 100, subsequent_indent=indent, initial_indent=indent)[len(indent):])
        print(textwrap.fill(e.params or "(no parameters)", 100, initial_indent=indent,
                            subsequent_indent=indent))


def _error(message: str, status: int) -> int:
    """One line on stderr (``augfit: error: ...``) and the exit status."""
    print("augfit: error: " + " ".join(message.split()), file=sys.stderr)
    return status


def _os_error(e: OSError, command: str = "run") -> str:
    """An OSError as ``FILE: problem; fix`` (an option is suggested only to a command that has
    it: ``augfit report`` has no ``--out``)."""
    where = f"{e.filename}: " if e.filename else ""
    what = e.strerror or str(e)
    if e.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        fix = "free some space and rerun the same command (finished cells are kept)"
    elif e.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        fix = ("make the results folder writable, or copy it to a writable place and report "
               "that copy" if command == "report" else "choose a writable folder (--out)")
    elif e.errno == errno.ENOENT:
        fix = "check the path"
    else:
        fix = "check the file and the folder"
    return f"{where}{what}; {fix}"


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: TextIO | None = None, line: str | None = None) -> None:
    """augfit's own warnings as one plain line; others as Python shows them."""
    if issubclass(category, DataChangedWarning):
        print(f"augfit: warning: {message}", file=sys.stderr)
    else:
        # private in the stdlib (the original showwarning) and absent from typeshed
        show = warnings._showwarning_orig  # type: ignore[attr-defined]
        show(message, category, filename, lineno, file, line)


_TERMINATED: list[int] = []   # the SIGTERM received (empty: none), read by the interrupt message


def _terminate_like_ctrl_c(main_pid: int) -> Callable[[int, FrameType | None], None]:
    """A SIGTERM handler that stops ``augfit`` as Ctrl-C does (finished cells kept, workers
    stopped, one line on stderr, status 143); in any other process (a forked worker) SIGTERM keeps
    its default action."""
    def handler(signum: int, _frame: FrameType | None) -> None:
        if os.getpid() != main_pid:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        _TERMINATED.append(signum)
        raise KeyboardInterrupt

    return handler


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``augfit`` console script; returns the exit status. SIGTERM (``kill``)
    stops a run as Ctrl-C does, with status 143."""
    args = _parser().parse_args(argv)
    _TERMINATED.clear()
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate_like_ctrl_c(os.getpid())) \
        if in_main else None
    try:
        return _dispatch(args)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _dispatch(args: argparse.Namespace) -> int:
    """Run the command; an error becomes one line on stderr and a status (module docstring)."""
    handler = {"run": _run, "plan": _plan, "report": _report, "export": _export,
               "preview": _preview, "list": _list}[args.command]
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return handler(args)
    except BrokenPipeError:
        # the reader stopped early (| head): point stdout at devnull so that the flush at exit
        # does not fail again, and end quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except ConfigError as e:                    # what was asked for is invalid: a usage error
        return _error(str(e), 2)
    except AugfitError as e:                    # the data, the store or the machine failed
        return _error(str(e), 1)
    except OSError as e:                        # read-only folder, full disk, missing file
        return _error(_os_error(e, args.command), 1)
    except KeyboardInterrupt:
        print("\naugfit: interrupted" + (" by SIGTERM" if _TERMINATED else ""), file=sys.stderr)
        return 143 if _TERMINATED else 130


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
