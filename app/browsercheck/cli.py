"""`callready browser-check`: the browser's side alone (policies IT set, camera, microphone, its own call path)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import time

from app import __version__, cli
from app.browsercheck.run import DEFAULT_TIMEOUT_S, browser_only_result, policy_check, run_browser_check
from app.engine.model import RunResult, Verdict
from app.engine.profile import load_profile
from app.engine.session import profile_ref
from app.logs import redactor, setup_logging

SHARED_OPTIONS = {"profile", "region", "turn", "turn_username", "turn_password", "turn_secret", "json_out", "verbose",
                  "log", "bundle", "anonymize"}  # fmt: skip
EXIT = {Verdict.READY: 0, Verdict.DEGRADED: 1, Verdict.INCOMPLETE: 1, Verdict.BLOCKED: 2}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `browser-check` subcommand."""
    p = sub.add_parser(
        "browser-check",
        help="check camera, microphone and the browser's call path in a local page, and the browser policies",
    )
    check = sub.choices["check"]  # the same options as `check`, shared (argparse's own `parents` does this)
    for action in check._actions:
        if action.dest in SHARED_OPTIONS:
            p._add_action(action)
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        metavar="SECONDS",
        help="how long to wait for the page's answer (default %(default)s)",
    )
    p.add_argument(
        "--browser-command",
        metavar="CMD",
        help="open the page with this command ({url} is replaced by the page address); it is stopped afterwards",
    )
    p.add_argument("--no-policies", action="store_true", help="leave out the browser policy check")
    p.set_defaults(handler=cmd_browser_check, public_roots=None, proxy=None, email=None, dns_server=[], skip=[],
                   config=None, quiet=False)  # fmt: skip


def cmd_browser_check(args: argparse.Namespace) -> int:
    """Serve the page, open the browser, print the browser checks and their findings."""
    cli.check_outputs(args)
    memory = setup_logging(args.verbose, args.log)
    options = cli.options_from_args(args)
    redactor().add(*options.secrets())
    profile = load_profile(args.profile, args.region)
    redactor().add(*(s for t in profile.turn for s in (t.password, t.secret) if s))
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()

    def show(url: str) -> None:
        print("Opening the browser check page in your browser. Allow the camera and microphone when asked.",
              file=sys.stderr)  # fmt: skip

    async def both() -> tuple:  # type: ignore[type-arg]
        checks = await run_browser_check(profile, options, None, args.browser_command, args.timeout, show)
        return (await policy_check(profile), *checks) if not args.no_policies else checks

    checks = asyncio.run(both())
    base = RunResult(
        tool_version=__version__,
        profile=profile_ref(profile),
        started_at=started.isoformat(timespec="seconds").replace("+00:00", "Z"),
        duration_s=time.perf_counter() - t0,
        verdict=Verdict.INCOMPLETE,
        reason="",
        checks=checks,
        findings=(),
        it_message="",
    )
    result = browser_only_result(base, profile)
    if args.json_out:
        cli.write_json(result, args.json_out)
    if args.json_out != "-":
        cli.render_text(result, sys.stdout)
    for hook in cli.AFTER_CHECK:
        hook(args, result, profile, options, memory)
    return EXIT[result.verdict]


cli.EXTRA_COMMANDS.append(register)
