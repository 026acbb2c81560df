"""`python -m tests.lab up|apply|run|check|status|down|list`: build and explore the network lab by hand.

    python -m tests.lab up open                     # build the lab, leave it running
    python -m tests.lab run open -- dig gs.daily.co  # any command inside cr-client
    python -m tests.lab run udp_blocked              # default command: python -m app check (lab roots)
    python -m tests.lab run udp_blocked -- -q --json out.json   # ... with extra check options
    python -m tests.lab check                        # app check in every scenario vs. the expectations
    python -m tests.lab down

`run` and `check` on a lab that is not up build it for the one command and tear it down afterwards.
Needs root. See docs/lab.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from tests.lab.lab import CLIENT, NAMESPACES, REPO, Lab, LabError, lab_lock, lab_unavailable_reason
from tests.lab.scenarios import SCENARIOS, Scenario, summarize


def _scenario(name: str) -> Scenario:
    if name not in SCENARIOS:
        raise SystemExit(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}")
    return SCENARIOS[name]


def _describe(lab: Lab) -> str:
    a = lab.addr
    sc = lab.current_scenario()
    return "\n".join(
        [
            f"lab up, scenario {sc!r}; state in {lab.state}",
            f"  client {a.client} (cr-client) -> firewall {a.fw_lan}|{a.fw_wan} (cr-fw, NAT) -> internet {a.inet_wan} (cr-inet)",
            f"  proxy {a.proxy}:{lab.proxy_port} plain, :{lab.proxy_auth_port} basic auth {lab.proxy_user}:{lab.proxy_password} (cr-proxy, when started)",
            f"  dns {a.dns} (slow relay {a.dns_slow}), web {a.web}:443/80, turn {a.turn} (+{a.turn_alt}) 3478 udp/tcp, 5349/443 tls, 53/80",
            f"  turn static user {lab.turn_user}:{lab.turn_password} realm {lab.turn_realm}; REST turn {a.turn_rest} secret {lab.turn_rest_secret}",
            f"  public roots (--public-roots): {lab.public_roots}",
            f"  client OS store (SSL_CERT_FILE): {lab.os_store}",
        ]
    )


def _app_check_argv(lab: Lab, json_out: str | None = None) -> list[str]:
    sc = lab.scenario
    argv = [
        sys.executable,
        "-m",
        "app",
        "check",
        "--profile",
        sc.profile if sc else "flo-recruit",
        "--public-roots",
        str(lab.public_roots),
    ]
    if json_out:
        argv += ["--json", json_out]
    return argv + [lab.fill(a) for a in (sc.args if sc else ())]


def cmd_up(args: argparse.Namespace) -> int:
    lab = Lab()
    t0 = time.monotonic()
    lab.up(_scenario(args.scenario))
    lab.detach()
    print(_describe(lab))
    print(f"  built in {time.monotonic() - t0:.1f} s; explore: python -m tests.lab run {args.scenario} -- bash")
    return 0


def cmd_apply(args: argparse.Namespace) -> int:
    with lab_lock():
        lab = Lab()
        if not lab.attach():
            raise SystemExit("the lab is not up: python -m tests.lab up SCENARIO")
        lab.apply(_scenario(args.scenario))
    print(f"scenario {args.scenario!r} applied")
    return 0


def _run_in(lab: Lab, command: list[str]) -> int:
    """Run `command` in cr-client; no command, or one starting with an option, means `python -m app check [options]`."""
    if not command or command[0].startswith("-"):
        argv, command = _app_check_argv(lab) + command, []
    else:
        argv = command
    proc = lab.run(argv, capture=False, timeout=None, cwd=os.getcwd() if command else REPO)
    return proc.returncode


def cmd_run(args: argparse.Namespace) -> int:
    sc = _scenario(args.scenario)
    command = [c for c in args.command if c != "--"] if args.command[:1] == ["--"] else args.command
    lab = Lab()
    with lab_lock():
        attached = lab.attach()
        if attached and lab.current_scenario() != sc.name:
            lab.apply(sc)
        elif not attached:
            lab.up(sc)
    if attached:
        return _run_in(lab, command)  # the lock is not held while the command runs
    try:
        return _run_in(lab, command)
    finally:
        lab.down()


def cmd_check(args: argparse.Namespace) -> int:
    names = args.scenarios or list(SCENARIOS)
    for n in names:
        _scenario(n)
    lab = Lab()
    failed = 0
    with lab_lock():
        attached = lab.attach()
        if not attached:
            lab.up("open")
        try:
            with tempfile.TemporaryDirectory() as tmp:
                for name in names:
                    sc = lab.apply(name)
                    out = Path(tmp) / f"{name}.json"
                    t0 = time.monotonic()
                    proc = lab.app_check(out)
                    wall = time.monotonic() - t0
                    if not out.is_file():
                        problems, result = [f"no JSON (exit {proc.returncode}): {proc.stderr.strip()[-300:]}"], {}
                    else:
                        result = json.loads(out.read_text())
                        problems = sc.expect.mismatches(result, proc.returncode)
                    failed += bool(problems)
                    print(
                        f"{'PASS' if not problems else 'FAIL'}  {name:24} {result.get('verdict', '-'):10} {wall:5.1f} s",
                        flush=True,
                    )
                    for p in problems:
                        print(f"      - {p}")
                    if problems and args.verbose:
                        print("      " + summarize(result).replace("\n", "\n      "))
        finally:
            if attached:
                lab.apply("open")
            else:
                lab.down()
    print(f"{len(names) - failed}/{len(names)} scenarios as expected")
    return 1 if failed else 0


def cmd_status(args: argparse.Namespace) -> int:
    lab = Lab()
    if not lab.attach():
        print("lab is down")
        return 1
    print(_describe(lab))
    for name in lab.server_specs():
        print(f"  {name:12} {'running' if lab._running(name) else 'stopped'}")
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    Lab().down(force=True)
    print("lab down")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    for sc in SCENARIOS.values():
        e = sc.expect
        codes = ", ".join(sorted(e.codes)) or "-"
        print(f"{sc.name:24} {e.verdict:9} {codes}\n{'':24} {sc.description}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.lab", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("up", help="build the lab and leave it running")
    p.add_argument("scenario", nargs="?", default="open")
    p.set_defaults(fn=cmd_up)
    p = sub.add_parser("apply", help="switch a running lab to another scenario")
    p.add_argument("scenario")
    p.set_defaults(fn=cmd_apply)
    p = sub.add_parser("run", help=f"run a command in {CLIENT} (default: python -m app check)")
    p.add_argument("scenario")
    p.add_argument("command", nargs=argparse.REMAINDER)
    p.set_defaults(fn=cmd_run)
    p = sub.add_parser("check", help="run the app in scenarios and compare with the expectations")
    p.add_argument("scenarios", nargs="*")
    p.add_argument("-v", "--verbose", action="store_true", help="show the result digest of failures")
    p.set_defaults(fn=cmd_check)
    p = sub.add_parser("status", help="is the lab up, which scenario, which servers")
    p.set_defaults(fn=cmd_status)
    p = sub.add_parser("down", help=f"tear the lab down ({', '.join(NAMESPACES)})")
    p.add_argument("scenario", nargs="?", help="ignored (accepted for symmetry with up)")
    p.set_defaults(fn=cmd_down)
    p = sub.add_parser("list", help="the scenarios and what the app must say")
    p.set_defaults(fn=cmd_list)
    args = ap.parse_args(argv)
    if args.cmd != "list" and (reason := lab_unavailable_reason()):
        print(f"python -m tests.lab: {reason}", file=sys.stderr)
        return 2
    try:
        return int(args.fn(args))
    except LabError as exc:
        print(f"python -m tests.lab: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
