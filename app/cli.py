"""Headless front end: `callready check` prints one line per check and exits with the verdict's code."""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import re
import ssl
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from app import TOOL_NAME, __version__
from app.engine.audience import verdict_words
from app.engine.inputs import InputError, bounded_json, check_output_path, dns_server, is_email, read_regular_file
from app.engine.inputs import terminal_safe as _safe
from app.engine.model import Category, CheckFinished, Event, RunResult, RunStarted, Status, Verdict
from app.engine.options import DEFAULT_RUN_TIMEOUT_S, CredentialsError, RunOptions, TurnCredentials, turn_credentials
from app.engine.profile import ProfileError, load_profile, shipped_profiles
from app.engine.session import Session
from app.engine.urls import UrlError, parse_proxy_url
from app.logs import redactor, setup_logging
from app.presets import apply_to_options, load_preset, merge_args

MIN_RUN_TIMEOUT_S, MAX_RUN_TIMEOUT_S = 1.0, 600.0
MAX_PEM_BYTES = 4 * 1024 * 1024  # certifi's bundle is about 300 KB
MAX_OWN_JSON_BYTES = 64 * 1024 * 1024
EXIT_READY, EXIT_DEGRADED, EXIT_BLOCKED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3, 4
VERDICT_EXIT = {
    Verdict.READY: EXIT_READY,
    Verdict.DEGRADED: EXIT_DEGRADED,
    Verdict.INCOMPLETE: EXIT_DEGRADED,
    Verdict.BLOCKED: EXIT_BLOCKED,
}
_MARK = {Status.PASS: "PASS", Status.WARN: "WARN", Status.FAIL: "FAIL", Status.SKIP: "SKIP"}


class UsageError(Exception):
    """Bad command-line input; exit code 3 with one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The command line: `check`, `profiles`, and subcommands added by other front ends."""
    parser = _Parser(prog="callready", description=f"{TOOL_NAME}: is this computer ready for video interviews?")
    parser.add_argument("--version", action="version", version=f"{TOOL_NAME} {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    check = sub.add_parser("check", help="run the network check without a window")
    check.add_argument(
        "--profile", default=None, metavar="ID|PATH", help="platform profile id or TOML file (default: flo-recruit)"
    )
    check.add_argument("--region", default=None, help="platform region (KUDO: us, eu, ca)")
    check.add_argument("--json", dest="json_out", metavar="FILE", help="write the JSON result to FILE ('-' for stdout)")
    check.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_RUN_TIMEOUT_S,
        metavar="SECONDS",
        help="deadline for the whole run (default %(default)s)",
    )
    check.add_argument(
        "--public-roots",
        type=Path,
        metavar="PEM",
        help="public CA bundle used to tell public from private roots (default: certifi)",
    )
    check.add_argument(
        "--proxy", metavar="URL", help="also test through this HTTP proxy (e.g. Daily's self-hosted IP proxy)"
    )
    check.add_argument(
        "--turn", metavar="URL", help="self-hosted TURN server (turn:host:port?transport=udp|tcp or turns:...)"
    )
    check.add_argument("--turn-username", metavar="U")
    check.add_argument("--turn-password", metavar="P")
    check.add_argument("--turn-secret", metavar="S", help="TURN REST API shared secret (time-limited credentials)")
    check.add_argument(
        "--email", metavar="ADDRESS", help="your work email address, to check that interview emails arrive"
    )
    check.add_argument(
        "--dns-server",
        action="append",
        default=[],
        metavar="IP[:PORT]",
        help="use this DNS server instead of the system's (repeatable)",
    )
    check.add_argument(
        "--skip", action="append", default=[], metavar="CATEGORY", help="leave out a category of checks (repeatable)"
    )
    check.add_argument("-v", "--verbose", action="store_true", help="debug log on stderr")
    check.add_argument("--log", metavar="FILE", help="write the debug log to FILE")
    check.add_argument("-q", "--quiet", action="store_true", help="print only the verdict line")
    check.add_argument(
        "--bundle", metavar="PATH", help="write the report bundle (zip) to PATH, or into PATH if it is a folder"
    )
    check.add_argument(
        "--anonymize",
        action="store_true",
        help="leave your user name, computer name and local addresses out of the bundle",
    )
    check.add_argument("--config", metavar="TOML", help="IT preset file (default: callready.toml beside the program)")
    check.set_defaults(handler=cmd_check)

    profiles = sub.add_parser("profiles", help="list the shipped platform profiles")
    profiles.set_defaults(handler=cmd_profiles)
    for register in EXTRA_COMMANDS:
        register(sub)
    return parser


# Other modules add subcommands here (e.g. report's `summarize`): callables taking the subparsers object.
EXTRA_COMMANDS: list = []


def options_from_args(args: argparse.Namespace) -> RunOptions:
    """Validate the check options into RunOptions; raise UsageError on bad input (secrets never echoed)."""
    if not math.isfinite(args.timeout) or not MIN_RUN_TIMEOUT_S <= args.timeout <= MAX_RUN_TIMEOUT_S:
        raise UsageError(f"--timeout must be between {MIN_RUN_TIMEOUT_S:g} and {MAX_RUN_TIMEOUT_S:g} seconds")
    if args.public_roots is not None:
        check_public_roots(args.public_roots)
    args.skip = [s.replace("-", "_") for s in args.skip]  # `--skip media-load` names the category media_load
    unknown = sorted(set(args.skip) - {c.value for c in Category})
    if unknown:
        known = ", ".join(c.value for c in Category)
        raise UsageError(f"--skip: unknown category {_safe(unknown[0])!r} (known: {known})")
    try:
        nameservers = tuple(dns_server(n) for n in args.dns_server)
    except InputError as exc:
        raise UsageError(f"--dns-server: {_safe(exc)}") from None
    try:
        proxy = parse_proxy_url(args.proxy) if args.proxy else None
    except UrlError as exc:
        raise UsageError(f"--proxy: {exc}") from None
    turn: tuple[TurnCredentials, ...] = ()
    if args.turn:
        try:
            turn = (turn_credentials(args.turn, args.turn_username, args.turn_password, args.turn_secret),)
        except CredentialsError as exc:
            flag = "--turn" if exc.field == "url" else f"--turn-{exc.field}"
            raise UsageError(f"{flag}: {exc.problem}") from None
    elif args.turn_username or args.turn_password or args.turn_secret:
        raise UsageError("--turn-username/--turn-password/--turn-secret need --turn URL")
    email = args.email.strip(" ") if args.email else None
    if email and not is_email(email):
        raise UsageError(f"--email: {_safe(email)!r} is not an email address")
    return RunOptions(
        timeout_s=args.timeout,
        public_roots=args.public_roots,
        proxy=proxy,
        turn=turn,
        email=email,
        skip_categories=frozenset(args.skip),
        nameservers=nameservers,
    )


def check_public_roots(path: Path) -> None:
    """`--public-roots` must be a regular PEM file holding at least one CA certificate OpenSSL can load."""
    try:
        data = read_regular_file(path, MAX_PEM_BYTES)
    except InputError as exc:
        raise UsageError(f"--public-roots: {path}: {exc}") from None
    try:
        text = data.decode("ascii")
        if "-----BEGIN CERTIFICATE-----" not in text:
            raise ValueError("no certificate")
        ssl.create_default_context(cadata=text)
    except (ValueError, ssl.SSLError):
        raise UsageError(f"--public-roots: {path}: not a PEM file of CA certificates") from None


def check_outputs(args: argparse.Namespace) -> None:
    """Output paths are checked before the run, so a result is never lost to a bad path; no stranger's file
    is ever changed (`--json` rewrites only a CallReady result; `--log` appends only to a CallReady log)."""
    if args.json_out and args.json_out != "-":
        try:
            check_output_path(args.json_out, _is_our_json)
        except InputError as exc:
            raise UsageError(f"--json: {exc}") from None
    if args.log:
        try:
            check_output_path(args.log, _is_our_log)
        except InputError as exc:
            raise UsageError(f"--log: {exc}") from None
    for hook in BEFORE_CHECK:
        hook(args)


def _is_our_log(path: Path) -> bool:
    """An empty file or a debug log CallReady wrote (its line format), which `--log` may append to."""
    try:
        head = read_regular_file(path, MAX_OWN_JSON_BYTES)[:512].decode("utf-8", "replace")
    except InputError:
        return False
    return not head or re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \w+ +callready", head) is not None


def _is_our_json(path: Path) -> bool:
    """A JSON result CallReady wrote (tool.name), so `--json` may rewrite it."""
    try:
        data = bounded_json(read_regular_file(path, MAX_OWN_JSON_BYTES), MAX_OWN_JSON_BYTES)
    except InputError:
        return False
    tool = data.get("tool") if isinstance(data, dict) else None
    return isinstance(tool, dict) and tool.get("name") == TOOL_NAME


def render_text(result: RunResult, out: TextIO) -> None:
    """The readable report: one line per check, then the verdict and what to do."""
    p = result.profile
    region = f", region {_safe(p.region)}" if p.region else ""
    out.write(
        f"{_safe(p.name)} network check ({TOOL_NAME} {__version__}, profile {_safe(p.id)} {_safe(p.version)}{region})\n\n"
    )
    width = min(48, max((len(_safe(c.target)) for c in result.checks), default=10))
    for c in result.checks:
        out.write(f"  {_MARK[c.status]}  {c.category.value:<14} {_safe(c.target):<{width}}  {_safe(c.summary, 2000)}\n")
    out.write(f"\nVerdict: {verdict_words(result.verdict)} ({result.verdict.value}) - {_safe(result.reason, 2000)}\n")
    if not result.finished:
        out.write(f"(run ended early: {result.ended_by})\n")
    shown = [f for f in result.findings if f.severity.value != "info" or f.advice]
    if shown:
        out.write("\nFindings:\n")
        for f in shown:
            out.write(f"  [{f.severity.value}] {_safe(f.title)} ({_safe(f.code)})\n")
            if f.advice:
                out.write(f"      What to do: {_safe(f.advice, 2000)}\n")
            if f.it_action:
                out.write(f"      For IT: {_safe(f.it_action, 4000)}\n")
    out.write(f"\nDuration: {result.duration_s:.1f} s\n")


def write_json(result: RunResult, dest: str) -> None:
    """The JSON result to `dest` ('-' for stdout)."""
    text = json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"
    if dest == "-":
        sys.stdout.write(text)
    else:
        Path(dest).write_text(text, encoding="utf-8")


class _Progress:
    """Live progress on stderr when it is a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream, self.total, self.done = stream, 0, 0
        self.live = stream.isatty()

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self.total = len(event.checks)
        elif isinstance(event, CheckFinished):
            self.done += 1
            if self.live:
                self.stream.write(f"\r  checking... {self.done}/{self.total} ")
                self.stream.flush()

    def clear(self) -> None:
        if self.live:
            self.stream.write("\r" + " " * 30 + "\r")


def cmd_check(args: argparse.Namespace) -> int:
    """Run a full check and report it."""
    check_outputs(args)
    memory = setup_logging(args.verbose, args.log)
    preset = load_preset(args.config)
    args = merge_args(args, preset)
    options = apply_to_options(options_from_args(args), preset)
    redactor().add(*options.secrets())
    profile = preset.apply_to_profile(load_profile(args.profile, args.region))
    if preset.from_it and not args.quiet:
        print(f"Settings from IT: {_safe(preset.source)}", file=sys.stderr)
    redactor().add(*(s for t in profile.turn for s in (t.password, t.secret) if s))
    progress = _Progress(sys.stderr)
    session = Session(profile, options, progress)
    result = asyncio.run(session.run())
    progress.clear()
    if args.json_out:
        write_json(result, args.json_out)
    if args.quiet:
        print(f"{result.verdict.value}: {_safe(result.reason, 2000)}")
    elif args.json_out != "-":
        render_text(result, sys.stdout)
    for hook in AFTER_CHECK:
        hook(args, result, profile, options, memory)
    return VERDICT_EXIT[result.verdict]


# Hooks run after a check (e.g. the report bundle writer): (args, result, profile, options, memory_log).
AFTER_CHECK: list = []
# Hooks run before a check, to refuse bad output paths while nothing is lost yet: (args,) -> None or UsageError.
BEFORE_CHECK: list = []


def cmd_profiles(args: argparse.Namespace) -> int:
    """List the shipped profiles with their regions."""
    for pid in shipped_profiles():
        prof = load_profile(pid)
        regions = ", ".join(r.id for r in prof.regions if r.selectable)
        print(f"{pid:<14} {prof.name:<14} version {prof.version}" + (f"  regions: {regions}" if regions else ""))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `callready` and `python -m app`; returns the exit code."""
    _load_extensions()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE if argv else 0
    try:
        return int(args.handler(args))
    except (ProfileError, UsageError) as exc:
        print(f"callready: {_safe(exc, 1000)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("callready: interrupted", file=sys.stderr)
        return EXIT_INTERNAL
    except Exception as exc:  # last resort: one line, details in the debug log
        import logging

        logging.getLogger("callready").exception("internal error")
        print(f"callready: internal error: {type(exc).__name__}: {_safe(exc, 1000)}", file=sys.stderr)
        return EXIT_INTERNAL


def _load_extensions() -> None:
    """Import optional front-end modules that register subcommands or hooks (report, presets)."""
    import importlib

    for name in _EXTENSIONS:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


_EXTENSIONS: list[str] = ["app.report.cli", "app.browsercheck.cli"]
