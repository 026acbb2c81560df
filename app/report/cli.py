"""CLI glue for reports: `check --bundle PATH [--anonymize]` and `summarize DIR_OR_ZIPS... [--csv] [--html]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app import cli
from app.engine.inputs import InputError, check_output_path
from app.engine.inputs import terminal_safe as _safe
from app.engine.model import RunResult
from app.engine.options import RunOptions
from app.engine.profile import Profile


def register(sub: Any) -> None:
    """Add the `summarize` subcommand."""
    p = sub.add_parser(
        "summarize",
        help="summarise many report bundles: machines x checks and the most common problems",
        description="Read CallReady report bundles (zip files, or folders holding them), verify each one, and print "
        "a table of machines x check categories (worst status) with the most common problems.",
    )
    p.add_argument("inputs", nargs="+", type=Path, metavar="DIR_OR_ZIP", help="bundle zip files or folders of them")
    p.add_argument("--csv", type=Path, metavar="FILE", help="also write one CSV row per machine to FILE")
    p.add_argument("--html", type=Path, metavar="FILE", help="also write the summary as a self-contained HTML page")
    p.set_defaults(handler=cmd_summarize)


def cmd_summarize(args: argparse.Namespace) -> int:
    """Read the bundles, print refusals (one line each) on stderr and the table on stdout."""
    from app.report.summarize import is_our_csv, is_our_html, render_html, render_table, summarize, write_csv

    missing = [p for p in args.inputs if not p.exists()]
    if missing:
        raise cli.UsageError(f"summarize: {missing[0]}: no such file or folder")
    for flag, target, ours in (("--csv", args.csv, is_our_csv), ("--html", args.html, is_our_html)):
        if target is not None:
            try:
                check_output_path(target, ours)
            except InputError as exc:
                raise cli.UsageError(f"summarize {flag}: {exc}") from None
    s = summarize(args.inputs)
    for path, why in s.refused:
        print(f"callready: refused {_safe(path)}: {_safe(why)}", file=sys.stderr)
    if not s.machines:
        print("callready: no readable CallReady bundle was given", file=sys.stderr)
        return cli.EXIT_USAGE
    sys.stdout.write(render_table(s))
    try:
        if args.csv:
            with args.csv.open("w", newline="", encoding="utf-8") as fh:
                write_csv(s, fh)
        if args.html:
            args.html.write_text(render_html(s), encoding="utf-8")
    except OSError as exc:
        raise cli.UsageError(f"summarize: cannot write {exc.filename}: {exc.strerror}") from None
    return 0


def before_check(args: argparse.Namespace) -> None:
    """`--bundle` names a folder, a new file in an existing folder, or a bundle we wrote: checked before the run."""
    dest = getattr(args, "bundle", None)
    if not dest:
        return
    from app.report.summarize import is_our_bundle

    target = Path(dest)
    if target.is_dir():
        target = target / ".callready-probe"  # the folder itself must be writable; the bundle gets a new name
    try:
        check_output_path(target, is_our_bundle)
    except InputError as exc:
        raise cli.UsageError(f"--bundle: {exc}") from None


def after_check(
    args: argparse.Namespace, result: RunResult, profile: Profile, options: RunOptions, memory: Any
) -> None:
    """Write the bundle when `--bundle PATH` was given (identity kept unless `--anonymize`)."""
    dest = getattr(args, "bundle", None)
    if not dest:
        return
    from app.report.bundle import write_bundle

    target = Path(dest)
    try:
        path = write_bundle(result, profile, options, memory.text(), target, bool(getattr(args, "anonymize", False)))
    except OSError as exc:
        raise cli.UsageError(f"--bundle: cannot write {exc.filename or target}: {exc.strerror or exc}") from None
    out = sys.stderr if getattr(args, "json_out", None) == "-" else sys.stdout
    print(f"Report bundle: {path}", file=out)


cli.EXTRA_COMMANDS.append(register)
cli.BEFORE_CHECK.append(before_check)
cli.AFTER_CHECK.append(after_check)
