"""The network lab: namespaces `cr-client` -> `cr-fw` (router + nftables) -> `cr-inet` (servers), plus `cr-proxy`.

Everything lives in network namespaces named `cr-*` with addresses from 198.18.0.0/15; nothing is
connected to the host's own network. State (certificates, configs, pids, logs) lives in one
directory (`CR_LAB_DIR`, default /tmp/cr-lab) so a later process can tear the lab down, and a
crashed run's leftovers are removed at the next start. See docs/lab.md.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.lab import internet, pacsocks, pki
from tests.lab.hosts import PlatformHosts, platform_hosts
from tests.lab.mailzone import healthy_sender_lines, merge_zone
from tests.lab.scenarios import BASE_ZONE, SCENARIOS, Scenario
from tests.lab.vpnlab import apply_vpn

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PREFIX = "cr-"
STATE_DIR = Path(os.environ.get("CR_LAB_DIR", "/tmp/cr-lab"))
LOCK_FILE = Path(os.environ.get("CR_LAB_LOCK", "/tmp/cr-lab.lock"))
NETNS_DIR = Path("/run/netns")
ETC_NETNS = Path("/etc/netns")

CLIENT, FIREWALL, INTERNET, PROXY = "cr-client", "cr-fw", "cr-inet", "cr-proxy"
NAMESPACES = (CLIENT, FIREWALL, INTERNET, PROXY)


@dataclass(frozen=True)
class Addresses:
    """Every lab address (all inside 198.18.0.0/15). Scenario rule text can say `{web}`, `{turn}`, ..."""

    # LAN: client <-> firewall
    client: str = "198.18.1.2"
    fw_lan: str = "198.18.1.1"
    # WAN: firewall <-> internet (the firewall masquerades client traffic behind fw_wan)
    fw_wan: str = "198.18.2.1"
    inet_wan: str = "198.18.2.2"
    # DMZ: firewall <-> proxy namespace
    fw_dmz: str = "198.18.3.1"
    proxy: str = "198.18.3.2"
    # "public" servers, on the loopback of cr-inet
    dns: str = "198.19.0.53"  # dnsmasq: the client's resolver
    dns_slow: str = "198.19.0.54"  # relay answering 4 s late (slow_dns)
    web: str = "198.19.1.10"  # HTTPS: web pages (tests/lab/internet.py role `page`) and the lab's own names
    api: str = "198.19.1.11"  # HTTPS APIs (role `api`): JSON on documented paths, 404 otherwise
    discovery: str = "198.19.1.12"  # Daily's discovery service gs.daily.co alone (discovery_unreachable)
    wss: str = "198.19.1.20"  # signalling workers (role `worker`): WebSocket upgrades
    turn: str = "198.19.3.10"  # coturn (static credentials): every STUN/TURN host
    turn_alt: str = "198.19.3.11"  # coturn's second address (RFC 5780 alternate)
    turn_rest: str = "198.19.3.20"  # second coturn with the REST shared secret
    mail: str = "198.19.5.25"  # MX targets (nothing listens yet)

    def as_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


ADDR = Addresses()
INET_PUBLIC = ("dns", "dns_slow", "web", "api", "discovery", "wss", "turn", "turn_alt", "turn_rest", "mail")
WEB_ROLES = ("page", "api", "worker")

PROXY_PORT, PROXY_AUTH_PORT = 3128, 3129
# squid_bump: TLS-inspecting proxy (ssl-bump, re-signs with the corporate CA). WebSocket upgrades: passed on the
# first port, answered 403 on the second, and on the third stripped (squid's default: the server sees a plain GET)
INSPECT_PORT, INSPECT_NO_WS_PORT, INSPECT_STRIP_WS_PORT = 3130, 3131, 3132
# the corporate CA's name: an inspection product the app recognises (app/probes/tls_inspection.py)
CORP_CA_CN, CORP_CA_ORG = "Zscaler Root CA", "Zscaler Inc."
TURN_REALM = "lab.test"
TURN_USER, TURN_PASSWORD = "callready", "lab-turn-pass"
TURN_REST_SECRET = "lab-rest-secret"
PROXY_USER, PROXY_PASSWORD = "labuser", "lab-proxy-pass"
SLOW_DNS_DELAY_S = 4.0

# Extra names the lab serves besides the platforms' hosts.
LAB_NAMES = {
    "web.lab.test": "web",
    "turn.lab.test": "turn",
    "turn-rest.lab.test": "turn_rest",
    "proxy.lab.test": "proxy",
}

# Interfaces of the firewall namespace (names inside cr-fw).
FW_LAN, FW_WAN, FW_DMZ = "lan", "wan", "dmz"


class LabError(RuntimeError):
    """The lab could not be built or a server did not start."""


def _sh(
    *argv: str, check: bool = True, input: str | None = None, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(argv, capture_output=True, text=True, input=input, timeout=timeout)
    if check and proc.returncode != 0:
        raise LabError(f"{' '.join(argv)}: exit {proc.returncode}: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc


def _nsexec(ns: str, *argv: str, **kw: Any) -> subprocess.CompletedProcess[str]:
    return _sh("ip", "netns", "exec", ns, *argv, **kw)


# ---------------------------------------------------------------- namespaces and processes


def lab_namespaces() -> list[str]:
    """Namespaces of this lab (name prefix `cr-`), existing now."""
    if not NETNS_DIR.is_dir():
        return []
    return sorted(p.name for p in NETNS_DIR.iterdir() if p.name.startswith(PREFIX))


def ns_pids(ns: str) -> list[int]:
    """Processes whose network namespace is `ns` (what `ip netns pids` does)."""
    try:
        st = os.stat(NETNS_DIR / ns)
    except OSError:
        return []
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            s = os.stat(f"/proc/{entry.name}/ns/net")
        except OSError:
            continue
        if (s.st_dev, s.st_ino) == (st.st_dev, st.st_ino):
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[-1][:1] != "Z"
    except OSError:
        return False


def _terminate(pids: Sequence[int], grace_s: float = 3.0) -> None:
    """SIGTERM these processes (by id), then SIGKILL whatever is still alive after `grace_s`."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    end = time.monotonic() + grace_s
    while time.monotonic() < end and any(_alive(p) for p in pids):
        time.sleep(0.05)
    for pid in pids:
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def cleanup_leftovers(state_dir: Path = STATE_DIR) -> list[str]:
    """Remove any lab: kill processes in `cr-*` namespaces and those recorded in the state dir, delete the namespaces."""
    removed = []
    pids: list[int] = []
    for ns in lab_namespaces():
        pids += ns_pids(ns)
    for pidfile in (state_dir / "pids").glob("*.pid") if (state_dir / "pids").is_dir() else ():
        with contextlib.suppress(ValueError, OSError):
            pid, ns = pidfile.read_text().split()[:2]
            # only a process still inside a lab namespace is ours (pids are recycled)
            if int(pid) not in pids and ns in lab_namespaces() and int(pid) in ns_pids(ns):
                pids.append(int(pid))
        pidfile.unlink(missing_ok=True)
    _terminate(sorted(set(pids)))
    for ns in lab_namespaces():
        _sh("ip", "netns", "del", ns, check=False)
        removed.append(ns)
    if ETC_NETNS.is_dir():
        for d in ETC_NETNS.iterdir():
            if d.name.startswith(PREFIX):
                shutil.rmtree(d, ignore_errors=True)
    with contextlib.suppress(OSError):
        (state_dir / "state.json").unlink()
    return removed


_lock_fd: int | None = None
_lock_depth = 0


def _inherited_lock_fd() -> int | None:
    """An fd on LOCK_FILE inherited from a parent (`flock /tmp/cr-lab.lock CMD`): its lock is ours."""
    target = os.path.realpath(LOCK_FILE)
    with contextlib.suppress(OSError):
        for name in os.listdir("/proc/self/fd"):
            with contextlib.suppress(OSError):
                if os.readlink(f"/proc/self/fd/{name}") == target:
                    return int(name)
    return None


def acquire_lock(timeout_s: float = 900.0) -> None:
    """Take the machine-wide lab lock (re-entrant in this process; honours a lock held by `flock` for us)."""
    global _lock_fd, _lock_depth
    if _lock_depth:
        _lock_depth += 1
        return
    fd = _inherited_lock_fd()
    owned = fd is None
    if fd is None:
        fd = os.open(LOCK_FILE, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o644)
    end = time.monotonic() + timeout_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > end:
                if owned:
                    os.close(fd)
                raise LabError(f"another lab user holds {LOCK_FILE} (waited {timeout_s:g} s)") from None
            time.sleep(0.25)
    _lock_fd = fd if owned else None
    _lock_depth = 1


def release_lock() -> None:
    """Undo one acquire_lock(); the last one lets other lab users in."""
    global _lock_fd, _lock_depth
    if _lock_depth == 0:
        return
    _lock_depth -= 1
    if _lock_depth == 0 and _lock_fd is not None:
        os.close(_lock_fd)  # closing our own open file description drops the flock
        _lock_fd = None


@contextlib.contextmanager
def lab_lock(timeout_s: float = 900.0) -> Iterator[None]:
    """One lab user at a time on this machine: a second pytest run or `python -m tests.lab` waits."""
    acquire_lock(timeout_s)
    try:
        yield
    finally:
        release_lock()


# ---------------------------------------------------------------- the lab


@dataclass
class Server:
    """A server process the lab starts inside a namespace."""

    name: str
    ns: str
    argv: list[str]
    ready: list[tuple[str, str, int]]  # (proto "tcp"|"udp", ip, port) that must be listening


class Lab:
    """Build, reconfigure and tear down the lab; run commands in its namespaces."""

    addr = ADDR
    turn_user, turn_password, turn_realm, turn_rest_secret = TURN_USER, TURN_PASSWORD, TURN_REALM, TURN_REST_SECRET
    proxy_user, proxy_password = PROXY_USER, PROXY_PASSWORD
    proxy_port, proxy_auth_port = PROXY_PORT, PROXY_AUTH_PORT
    inspect_port, inspect_no_ws_port, inspect_strip_ws_port = INSPECT_PORT, INSPECT_NO_WS_PORT, INSPECT_STRIP_WS_PORT

    def __init__(self, state_dir: Path = STATE_DIR) -> None:
        self.state = state_dir
        self.pki_dir = state_dir / "pki"
        self.logs = state_dir / "logs"
        self.conf = state_dir / "conf"
        self.pids = state_dir / "pids"
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.scenario: Scenario | None = None
        self._hosts: PlatformHosts | None = None
        self._dns_conf: str | None = None
        self._old_handlers: dict[int, Any] = {}
        self._locked = False
        self._active = False

    # ---- paths the tests and the app need
    @property
    def lab_ca(self) -> Path:
        """The lab's "public" CA: signs every platform host's certificate."""
        return self.pki_dir / "lab-ca.crt"

    @property
    def corp_ca(self) -> Path:
        """A "corporate" CA (for TLS-inspection scenarios): only ever in the OS store, never public."""
        return self.pki_dir / "corp-ca.crt"

    @property
    def public_roots(self) -> Path:
        """What `--public-roots` gets: the lab CA, standing in for the public roots."""
        return self.pki_dir / "public-roots.pem"

    @property
    def os_store(self) -> Path:
        """The client's "operating system" trust store (SSL_CERT_FILE in cr-client), set per scenario."""
        return self.pki_dir / "os-store.pem"

    @property
    def os_store_dir(self) -> Path:
        """An empty SSL_CERT_DIR so the host's /etc/ssl/certs never leaks into the client's store."""
        return self.pki_dir / "os-store.d"

    @property
    def hosts(self) -> PlatformHosts:
        if self._hosts is None:
            self._hosts = platform_hosts()
        return self._hosts

    def is_up(self) -> bool:
        return (self.state / "state.json").is_file() and all(ns in lab_namespaces() for ns in NAMESPACES)

    def current_scenario(self) -> str | None:
        try:
            return json.loads((self.state / "state.json").read_text()).get("scenario")
        except (OSError, ValueError):
            return None

    def attach(self) -> bool:
        """Use a lab another process brought up (`python -m tests.lab up`); False when none is up."""
        if not self.is_up():
            return False
        name = self.current_scenario()
        self.scenario = SCENARIOS.get(name) if name else None
        return True

    def detach(self) -> None:
        """Leave this lab running after the process exits (the CLI's `up`); `down(force=True)` removes it."""
        self._active = False
        atexit.unregister(self.down)
        self._restore_signal_handlers()
        self.procs.clear()  # the servers run in their own sessions and outlive us
        if self._locked:
            self._locked = False
            release_lock()

    # ---- lifecycle
    def up(self, scenario: Scenario | str = "open") -> Lab:
        """Clean leftovers, build namespaces, certificates and servers, then apply `scenario`."""
        _require_root()
        if not self._locked:
            acquire_lock()
            self._locked = True
        self._active = True
        atexit.register(self.down)
        self._install_signal_handlers()
        cleanup_leftovers(self.state)
        if self.state.exists():
            shutil.rmtree(self.state)
        for d in (self.pki_dir, self.logs, self.conf, self.pids, self.os_store_dir):
            d.mkdir(parents=True, exist_ok=True)
        self.state.chmod(0o755)
        self.logs.chmod(0o777)  # squid and dnsmasq write logs after dropping privileges
        self._write_state(None)
        try:
            self._make_pki()
            self._build_topology()
            self._start_core_servers()
            self.apply(scenario)
        except BaseException:
            self.down()
            raise
        return self

    def down(self, force: bool = False) -> None:
        """Stop every server, delete the namespaces and per-namespace /etc files. Safe to call twice.

        A no-op for a Lab this process did not bring up, unless `force` (the CLI's `down`, for a lab
        left running by `python -m tests.lab up`): another process's lab is never torn down by accident.
        """
        if not (self._active or force):
            return
        if not self._locked:
            acquire_lock()
            self._locked = True
        try:
            for proc in self.procs.values():
                with contextlib.suppress(OSError):
                    proc.terminate()
            for proc in self.procs.values():
                try:
                    proc.wait(3)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(3)
            self.procs.clear()
            cleanup_leftovers(self.state)
        finally:
            self.scenario = None
            self._dns_conf = None
            self._active = False
            self._restore_signal_handlers()
            atexit.unregister(self.down)
            if self._locked:
                self._locked = False
                release_lock()

    def _install_signal_handlers(self) -> None:
        """Tear down on SIGTERM/SIGHUP, then let the previous handler act (SIGINT is KeyboardInterrupt: finalizers)."""
        if self._old_handlers or threading.current_thread() is not threading.main_thread():
            return

        def handler(signum: int, frame: Any) -> None:
            previous = self._old_handlers.get(signum, signal.SIG_DFL)
            self.down()
            if callable(previous):
                previous(signum, frame)
            else:
                signal.signal(signum, signal.SIG_DFL)
                os.kill(os.getpid(), signum)

        for sig in (signal.SIGTERM, signal.SIGHUP):
            self._old_handlers[sig] = signal.signal(sig, handler)

    def _restore_signal_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig, old in self._old_handlers.items():
            signal.signal(sig, old if old is not None else signal.SIG_DFL)
        self._old_handlers = {}

    # ---- scenario
    def apply(self, scenario: Scenario | str) -> Scenario:
        """Reconfigure firewall, shaping, routes, DNS, resolver, trust store and servers for `scenario`."""
        sc = SCENARIOS[scenario] if isinstance(scenario, str) else scenario
        for name in sorted(sc.servers):
            self.ensure_server(name)
        self._apply_firewall(sc)
        self._apply_shaping(sc)
        self._apply_routes(sc)
        apply_vpn(sc.vpn, sc.profile, CLIENT, FIREWALL, ADDR.client, ADDR.fw_lan, "eth0", FW_LAN)
        self._apply_dns(sc)
        self._write_resolv_conf(CLIENT, getattr(ADDR, sc.resolver))
        pacsocks.write_pac_files(self.conf / "pac", self.fill)
        pki.bundle(self.os_store, *(self._ca_path(name) for name in sc.os_trust))
        self.scenario = sc
        self._write_state(sc.name)
        return sc

    def fill(self, text: str) -> str:
        """Replace `{web}`, `{turn}`, `{lab_ca}`, ... in scenario text with lab values."""
        values = ADDR.as_dict() | {
            "lab_ca": str(self.lab_ca),
            "public_roots": str(self.public_roots),
            "proxy_port": str(PROXY_PORT),
            "proxy_auth_port": str(PROXY_AUTH_PORT),
            "inspect_port": str(INSPECT_PORT),
            "inspect_no_ws_port": str(INSPECT_NO_WS_PORT),
            "inspect_strip_ws_port": str(INSPECT_STRIP_WS_PORT),
            "socks_port": str(pacsocks.SOCKS_PORT),
            "pac_dir": str(self.conf / "pac"),
            "proxy_user": PROXY_USER,
            "proxy_password": PROXY_PASSWORD,
            "turn_user": TURN_USER,
            "turn_password": TURN_PASSWORD,
            "turn_rest_secret": TURN_REST_SECRET,
            "lan": FW_LAN,
            "wan": FW_WAN,
            "dmz": FW_DMZ,
        }
        # only `{known_name}` is replaced: nft sets like `{ udp, tcp }` pass through untouched
        return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), text)

    def _ca_path(self, name: str) -> Path:
        return {"lab": self.lab_ca, "corp": self.corp_ca}[name]

    # ---- running things
    def client_env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """Environment for a process in cr-client: the OS trust store is the scenario's bundle."""
        env = dict(os.environ)
        for k in (
            "http_proxy",
            "https_proxy",
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "all_proxy",
            "ALL_PROXY",
            "no_proxy",
            "NO_PROXY",
        ):
            env.pop(k, None)
        env.update(
            {
                "SSL_CERT_FILE": str(self.os_store),
                "SSL_CERT_DIR": str(self.os_store_dir),
                "PYTHONDONTWRITEBYTECODE": "1",
            }
        )
        if self.scenario is not None:
            env.update({k: self.fill(v) for k, v in self.scenario.client_env.items()})
        env.update(extra or {})
        return env

    def run(
        self,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        ns: str = CLIENT,
        timeout: float | None = 120,
        cwd: Path | str = REPO,
        capture: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        """Run `argv` inside a lab namespace (the client by default) with the scenario's client env."""
        full_env = self.client_env(env) if ns == CLIENT else {**os.environ, **(env or {})}
        return subprocess.run(
            ["ip", "netns", "exec", ns, *argv],
            env=full_env,
            cwd=cwd,
            capture_output=capture,
            text=True,
            timeout=timeout,
        )

    def python(
        self, code: str, ns: str = CLIENT, timeout: float = 60, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run a Python snippet in a namespace with this interpreter (cwd = repo)."""
        return self.run([sys.executable, "-c", code], ns=ns, timeout=timeout, env=env)

    def app_check(
        self, out: Path, *args: str, profile: str | None = None, timeout: float = 180
    ) -> subprocess.CompletedProcess[str]:
        """`python -m app check --profile P --json OUT --public-roots LABCA` in cr-client (plus the scenario's args)."""
        sc = self.scenario
        argv = [sys.executable, "-m", "app", "check", "--profile", profile or (sc.profile if sc else "flo-recruit")]
        argv += ["--json", str(out), "--public-roots", str(self.public_roots)]
        argv += [self.fill(a) for a in (sc.args if sc else ())] + list(args)
        return self.run(argv, timeout=timeout)

    # ---- building
    def _write_state(self, scenario: str | None) -> None:
        data = {"scenario": scenario, "state_dir": str(self.state), "addresses": ADDR.as_dict(), "pid": os.getpid()}
        (self.state / "state.json").write_text(json.dumps(data, indent=1) + "\n")

    def _make_pki(self) -> None:
        lab_ca = pki.make_ca(self.pki_dir, "lab-ca", "CallReady Lab Public Root CA", "CallReady Lab Trust Services")
        pki.make_ca(self.pki_dir, "corp-ca", CORP_CA_CN, CORP_CA_ORG)
        # the CN is a lab name; every existing web, API and worker name is a SAN, every relay name coturn's
        web_names = ["web.lab.test", *sorted(n.host for n in internet.NAMES if n.role in WEB_ROLES)]
        turn_names = [
            "turn.lab.test",
            "turn-rest.lab.test",
            *sorted(n.host for n in internet.NAMES if n.role == "relay"),
        ]
        lab_ca.issue(self.pki_dir, "web", web_names)
        lab_ca.issue(self.pki_dir, "turn", turn_names)
        pki.bundle(self.public_roots, self.lab_ca)
        pki.bundle(self.os_store, self.lab_ca)

    def _build_topology(self) -> None:
        for ns in NAMESPACES:
            _sh("ip", "netns", "add", ns)
            # IPv4 lab: no IPv6 on the links (lo keeps ::1)
            _nsexec(ns, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1")
            _sh("ip", "-n", ns, "link", "set", "lo", "up")
        _nsexec(FIREWALL, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        links = [  # (ns, ifname, address/prefix, peer ns, peer ifname, peer address/prefix)
            (CLIENT, "eth0", f"{ADDR.client}/24", FIREWALL, FW_LAN, f"{ADDR.fw_lan}/24"),
            (INTERNET, "eth0", f"{ADDR.inet_wan}/24", FIREWALL, FW_WAN, f"{ADDR.fw_wan}/24"),
            (PROXY, "eth0", f"{ADDR.proxy}/24", FIREWALL, FW_DMZ, f"{ADDR.fw_dmz}/24"),
        ]
        for ns, ifname, cidr, peer_ns, peer_if, peer_cidr in links:
            _sh("ip", "link", "add", ifname, "netns", ns, "type", "veth", "peer", "name", peer_if, "netns", peer_ns)
            for n, i, c in ((ns, ifname, cidr), (peer_ns, peer_if, peer_cidr)):
                _sh("ip", "-n", n, "addr", "add", c, "dev", i)
                _sh("ip", "-n", n, "link", "set", i, "up")
        for key in INET_PUBLIC:
            _sh("ip", "-n", INTERNET, "addr", "add", f"{getattr(ADDR, key)}/32", "dev", "lo")
        _sh("ip", "-n", CLIENT, "route", "add", "default", "via", ADDR.fw_lan)
        _sh("ip", "-n", PROXY, "route", "add", "default", "via", ADDR.fw_dmz)
        _sh("ip", "-n", FIREWALL, "route", "add", "default", "via", ADDR.inet_wan)
        # the internet has no default route: a packet to anything outside the lab dies in cr-inet
        _sh("ip", "-n", INTERNET, "route", "add", "198.18.0.0/16", "via", ADDR.fw_wan)
        for ns in NAMESPACES:
            d = ETC_NETNS / ns
            d.mkdir(parents=True, exist_ok=True)
            (d / "hosts").write_text("127.0.0.1\tlocalhost\n::1\tlocalhost\n")
            (d / "nsswitch.conf").write_text(
                "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n"
            )
            self._write_resolv_conf(ns, ADDR.dns)

    def _write_resolv_conf(self, ns: str, nameserver: str) -> None:
        (ETC_NETNS / ns / "resolv.conf").write_text(f"# CallReady lab ({ns})\nnameserver {nameserver}\n")

    # ---- firewall, shaping, routes
    def nft_ruleset(self, sc: Scenario) -> str:
        """The firewall namespace's whole ruleset for a scenario (forward filter + masquerade)."""
        rules = "\n".join("\t\t" + line.strip() for line in self.fill(sc.forward).splitlines() if line.strip())
        nat = f'\t\toifname "{FW_WAN}" masquerade' if sc.nat else ""
        return (
            "flush ruleset\n"
            "table inet cr_filter {\n"
            "\tchain forward {\n"
            "\t\ttype filter hook forward priority 0; policy accept;\n"
            f"{rules}\n"
            "\t}\n"
            "}\n"
            "table ip cr_nat {\n"
            "\tchain postrouting {\n"
            "\t\ttype nat hook postrouting priority 100; policy accept;\n"
            f"{nat}\n"
            "\t}\n"
            "}\n"
        )

    def _apply_firewall(self, sc: Scenario) -> None:
        path = self.conf / "firewall.nft"
        path.write_text(self.nft_ruleset(sc))
        _nsexec(FIREWALL, "nft", "-f", str(path))

    def _apply_shaping(self, sc: Scenario) -> None:
        for dev, spec in ((FW_LAN, sc.shape_down), (FW_WAN, sc.shape_up)):
            _sh("ip", "netns", "exec", FIREWALL, "tc", "qdisc", "del", "dev", dev, "root", check=False)
            if spec:
                _nsexec(FIREWALL, "tc", "qdisc", "add", "dev", dev, "root", "tbf", *spec.split())

    def _apply_routes(self, sc: Scenario) -> None:
        _sh("ip", "-n", CLIENT, "route", "del", "default", check=False)
        if not sc.offline:
            _sh("ip", "-n", CLIENT, "route", "add", "default", "via", ADDR.fw_lan)

    # ---- DNS
    def dnsmasq_conf(self, sc: Scenario) -> str:
        """dnsmasq configuration: the names that exist (tests/lab/internet.py) -> lab addresses, lab names, base zone,
        scenario overrides; every other name NXDOMAIN."""
        answers: dict[str, str] = {n.host: getattr(ADDR, n.address_key) for n in internet.NAMES}
        for h, key in LAB_NAMES.items():
            answers[h] = getattr(ADDR, key)
        overrides: list[tuple[str, str]] = []
        for key, answer in sc.dns.items():
            domains = sorted(internet.platform_domains() | self.hosts.domains) if key == "@platform" else [key]
            overrides += [(d, answer) for d in domains]
        lines = [
            "# generated by tests/lab for scenario " + sc.name,
            "no-resolv",
            "no-hosts",
            "bind-interfaces",
            f"listen-address={ADDR.dns}",
            "user=root",
            "log-queries",
            f"log-facility={self.logs}/dnsmasq.log",
            "local-ttl=1",
            "address=/#/",  # names the lab does not know: NXDOMAIN, as on the internet
        ]
        for domain, answer in overrides:
            for h in [h for h in answers if h == domain or h.endswith("." + domain)]:
                del answers[h]
            if answer == "nxdomain":
                lines.append(f"address=/{domain}/")
            elif answer == "sinkhole":
                lines += [f"address=/{domain}/0.0.0.0", f"address=/{domain}/::"]
            else:
                lines.append(f"address=/{domain}/{self.fill(answer)}")
        lines += [f"host-record={h},{ip}" for h, ip in sorted(answers.items())]
        base = [self.fill(z) for z in (*self._mail_zone(), *BASE_ZONE)]
        lines += merge_zone(base, [self.fill(z) for z in sc.dns_extra])  # a scenario line replaces same kind+name
        return "\n".join(lines) + "\n"

    def _mail_zone(self) -> list[str]:
        """MX, SPF, DKIM and forward-confirmed PTR records for each profile's mail sender."""
        out = []
        for sender in sorted(self.hosts.mail, key=lambda s: s.domain):
            d = sender.domain
            spf = " ".join(f"ip4:{ip}" for ip in sender.sending_ips)
            out += [f"mx-host={d},mx.{d},10", f"host-record=mx.{d},{{mail}}", f'txt-record={d},"v=spf1 {spf} ~all"']
            out += [
                f'txt-record={sel}._domainkey.{d},"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC{sel}lab"'
                for sel in sender.dkim_selectors
            ]
            out += [f"host-record=o{i}.{d},{ip}" for i, ip in enumerate(sender.sending_ips, 1)]
            out += [f"local=/{bl}/" for bl in sender.blocklists]  # not listed anywhere: NXDOMAIN
            out += healthy_sender_lines(d, sender.blocklists)  # DMARC, RFC 5782 test entries
        return list(dict.fromkeys(out))

    def _apply_dns(self, sc: Scenario) -> None:
        text = self.dnsmasq_conf(sc)
        if text == self._dns_conf and self._running("dnsmasq"):
            return
        (self.conf / "dnsmasq.conf").write_text(text)
        self.stop_server("dnsmasq")
        self.ensure_server("dnsmasq")
        self._dns_conf = text

    # ---- servers
    def server_specs(self) -> dict[str, Server]:
        """Every server the lab knows how to start, by name."""
        py = sys.executable
        conf = self.conf
        specs = {
            "dnsmasq": Server(
                "dnsmasq", INTERNET, ["dnsmasq", "-k", f"--conf-file={conf}/dnsmasq.conf"], [("udp", ADDR.dns, 53)]
            ),
            "web": Server(
                "web",
                INTERNET,
                [
                    py,
                    str(HERE / "webserver.py"),
                    "--cert",
                    str(self.pki_dir / "web-chain.pem"),
                    "--key",
                    str(self.pki_dir / "web.key"),
                    "--site",
                    str(conf / "site.json"),
                    "--listen",
                    f"{ADDR.web}:443:tls",
                    "--listen",
                    f"{ADDR.web}:80",
                    *(f"--listen={getattr(ADDR, k)}:443:tls" for k in ("api", "discovery", "wss")),
                    f"--listen={ADDR.api}:80",
                ],
                [
                    ("tcp", ADDR.web, 443),
                    ("tcp", ADDR.web, 80),
                    *(("tcp", getattr(ADDR, k), 443) for k in ("api", "discovery", "wss")),
                ],
            ),
            "coturn": Server(
                "coturn",
                INTERNET,
                ["turnserver", "-c", str(conf / "coturn.conf")],
                [("udp", ADDR.turn, 3478), ("tcp", ADDR.turn, 3478), ("tcp", ADDR.turn, 5349), ("tcp", ADDR.turn, 443)],
            ),
            "coturn_rest": Server(
                "coturn_rest",
                INTERNET,
                ["turnserver", "-c", str(conf / "coturn-rest.conf")],
                [("udp", ADDR.turn_rest, 3478), ("tcp", ADDR.turn_rest, 5349)],
            ),
            "dns_slow": Server(
                "dns_slow",
                INTERNET,
                [
                    py,
                    str(HERE / "dnsdelay.py"),
                    "--listen",
                    f"{ADDR.dns_slow}:53",
                    "--upstream",
                    f"{ADDR.dns}:53",
                    "--delay",
                    str(SLOW_DNS_DELAY_S),
                ],
                [("udp", ADDR.dns_slow, 53)],
            ),
            "squid": Server(
                "squid",
                PROXY,
                ["squid", "-N", "-f", str(conf / "squid.conf")],
                [("tcp", ADDR.proxy, PROXY_PORT), ("tcp", ADDR.proxy, PROXY_AUTH_PORT)],
            ),
            "dante": Server(
                "dante",
                PROXY,
                ["danted", "-f", str(conf / "danted.conf"), "-p", str(self.state / "danted.pid")],
                [("tcp", ADDR.proxy, pacsocks.SOCKS_PORT)],
            ),
            "squid_bump": Server(
                "squid_bump",
                PROXY,
                ["squid", "-N", "-n", "crbump", "-f", str(conf / "squid-bump.conf")],
                [("tcp", ADDR.proxy, p) for p in (INSPECT_PORT, INSPECT_NO_WS_PORT, INSPECT_STRIP_WS_PORT)],
            ),
        }
        return specs

    def _start_core_servers(self) -> None:
        self._write_coturn_confs()
        self._write_site()
        for name in ("web", "coturn", "coturn_rest"):
            self.ensure_server(name)

    def _running(self, name: str) -> bool:
        p = self.procs.get(name)
        if p is not None:
            return p.poll() is None
        try:
            pid, ns = (self.pids / f"{name}.pid").read_text().split()[:2]
        except (OSError, ValueError):
            return False
        return int(pid) in ns_pids(ns)

    def ensure_server(self, name: str, timeout_s: float = 10.0) -> None:
        """Start server `name` unless it runs; wait until its ports listen."""
        if self._running(name):
            return
        if name == "squid":
            self._write_squid_conf()
        elif name == "squid_bump":
            self._write_squid_bump_conf()
        elif name == "dante":
            (self.conf / "danted.conf").write_text(
                pacsocks.dante_conf(ADDR.proxy, pacsocks.SOCKS_PORT, self.logs / "dante.log")
            )
        spec = self.server_specs()[name]
        log = open(self.logs / f"{name}.out", "ab")  # handed to the child
        proc = subprocess.Popen(
            ["ip", "netns", "exec", spec.ns, *spec.argv],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=self.state,
        )
        log.close()
        self.procs[name] = proc
        (self.pids / f"{name}.pid").write_text(f"{proc.pid} {spec.ns} {name}\n")
        end = time.monotonic() + timeout_s
        while True:
            missing = self._not_listening(spec)
            if not missing:
                return
            if proc.poll() is not None or time.monotonic() > end:
                tail = (self.logs / f"{name}.out").read_text(errors="replace")[-2000:]
                raise LabError(f"{name} did not start (exit {proc.poll()}, not listening on {missing}):\n{tail}")
            time.sleep(0.05)

    def stop_server(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        pidfile = self.pids / f"{name}.pid"
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        elif pidfile.is_file():
            with contextlib.suppress(OSError, ValueError):
                pid, ns = pidfile.read_text().split()[:2]
                if int(pid) in ns_pids(ns):
                    _terminate([int(pid)])
        pidfile.unlink(missing_ok=True)

    def _not_listening(self, spec: Server) -> list[str]:
        out = _nsexec(spec.ns, "ss", "-Hlnut", check=False).stdout
        listening = set()
        for line in out.splitlines():
            cols = line.split()
            if len(cols) >= 5:
                listening.add((cols[0], cols[4]))
        return [f"{p}/{ip}:{port}" for p, ip, port in spec.ready if (p, f"{ip}:{port}") not in listening]

    def _write_coturn_confs(self) -> None:
        common = [
            "fingerprint",
            f"realm={TURN_REALM}",
            "no-cli",
            "no-dtls",
            "simple-log",
            f"cert={self.pki_dir / 'turn-chain.pem'}",
            f"pkey={self.pki_dir / 'turn.key'}",
            "no-tlsv1",
            "no-tlsv1_1",
        ]
        static = [
            f"listening-ip={ADDR.turn}",
            f"listening-ip={ADDR.turn_alt}",
            f"relay-ip={ADDR.turn}",
            "listening-port=3478",
            "tls-listening-port=5349",
            f"aux-server={ADDR.turn}:443",
            f"aux-server={ADDR.turn}:53",
            f"aux-server={ADDR.turn}:80",
            "min-port=49152",
            "max-port=50999",
            "lt-cred-mech",
            f"user={TURN_USER}:{TURN_PASSWORD}",
            f"log-file={self.logs}/coturn.log",
            f"pidfile={self.state}/coturn.pid",
            f"userdb={self.state}/coturn.sqlite",
        ]
        rest = [
            f"listening-ip={ADDR.turn_rest}",
            f"relay-ip={ADDR.turn_rest}",
            "listening-port=3478",
            "tls-listening-port=5349",
            "min-port=51000",
            "max-port=51999",
            "use-auth-secret",
            f"static-auth-secret={TURN_REST_SECRET}",
            f"log-file={self.logs}/coturn-rest.log",
            f"pidfile={self.state}/coturn-rest.pid",
            f"userdb={self.state}/coturn-rest.sqlite",
        ]
        (self.conf / "coturn.conf").write_text("\n".join(common + static) + "\n")
        (self.conf / "coturn-rest.conf").write_text("\n".join(common + rest) + "\n")

    def site(self) -> dict[str, Any]:
        """The web server's model of each host (tests/lab/internet.py): roles and the API hosts' documented answers;
        Daily's ICE servers carry the lab coturn's credentials, as Twilio's carry short-lived ones."""
        routes: dict[str, dict[str, Any]] = {
            "gs.daily.co": {internet.DAILY_GEO_PATH: {"geo": "us-east-1"}},
            "prod-ks.pluot.blue": {internet.ICE_SERVERS_PATH: internet.twilio_ice_servers(TURN_USER, TURN_PASSWORD)},
        }
        for region in internet.DAILY_REGIONS:
            routes["gs.daily.co"][internet.DAILY_DISCOVERY_PREFIX + region] = internet.daily_discovery_answer(region)
        routes.update(internet.CAPTIVE_ROUTES)
        web = [n for n in internet.NAMES if n.role in WEB_ROLES]
        return {"roles": {n.host: n.role for n in web}, "routes": routes,
                "addresses": {n.host: getattr(ADDR, n.address_key) for n in web}}  # fmt: skip

    def _write_site(self) -> None:
        (self.conf / "site.json").write_text(json.dumps(self.site(), indent=1) + "\n")

    def _write_squid_conf(self) -> None:
        passwd = self.conf / "squid.passwd"
        _sh("htpasswd", "-bcB", str(passwd), PROXY_USER, PROXY_PASSWORD)
        passwd.chmod(0o644)
        lines = [
            f"http_port {ADDR.proxy}:{PROXY_PORT}",
            f"http_port {ADDR.proxy}:{PROXY_AUTH_PORT} name=authport",
            f"auth_param basic program /usr/lib/squid/basic_ncsa_auth {passwd}",
            "auth_param basic realm CallReady lab proxy",
            "acl authport myportname authport",
            "acl authed proxy_auth REQUIRED",
            # as squid's shipped squid.conf and typical corporate proxies: CONNECT only to port 443 (any host)
            "acl SSL_ports port 443",
            "acl CONNECT method CONNECT",
            "http_access deny CONNECT !SSL_ports",
            "http_access allow authport authed",
            "http_access deny authport",
            "http_access allow all",
            f"dns_nameservers {ADDR.dns}",
            "visible_hostname proxy.lab.test",
            "cache deny all",
            "cache_mem 8 MB",
            f"access_log stdio:{self.logs}/squid-access.log",
            f"cache_log {self.logs}/squid-cache.log",
            f"pid_filename {self.state}/squid.pid",
            f"coredump_dir {self.state}",
            "shutdown_lifetime 0 seconds",
        ]
        (self.conf / "squid.conf").write_text("\n".join(lines) + "\n")

    def _write_squid_bump_conf(self) -> None:
        """A TLS-inspecting explicit proxy: CONNECT to 443 is bumped and re-signed by the corporate CA.

        WebSocket upgrades: INSPECT_PORT passes them; INSPECT_NO_WS_PORT answers them 403, as a proxy whose
        policy forbids WebSockets does; INSPECT_STRIP_WS_PORT keeps squid's default (>= 5), which removes the
        `Upgrade` header, so the server answers a plain GET. The protocol name in `http_upgrade_request_protocols`
        is matched case-sensitively: `WebSocket` (squid's documented example) does not match browsers' `websocket`.
        Squid verifies the real servers against the lab CA (the "public" root).
        """
        db = self.state / "ssl_db"
        if not db.exists():
            _sh("/usr/lib/squid/security_file_certgen", "-c", "-s", str(db), "-M", "4MB")
            _sh("chown", "-R", "proxy:proxy", str(db))
        bump = (
            f"ssl-bump generate-host-certificates=on dynamic_cert_mem_cache_size=4MB "
            f"tls-cert={self.corp_ca} tls-key={self.pki_dir / 'corp-ca.key'}"
        )
        lines = [
            f"http_port {ADDR.proxy}:{INSPECT_PORT} {bump} name=inspect",
            f"http_port {ADDR.proxy}:{INSPECT_NO_WS_PORT} {bump} name=inspect_no_ws",
            f"http_port {ADDR.proxy}:{INSPECT_STRIP_WS_PORT} {bump} name=inspect_strip_ws",
            f"sslcrtd_program /usr/lib/squid/security_file_certgen -s {db} -M 4MB",
            "sslcrtd_children 3 startup=1 idle=1",
            "acl step1 at_step SslBump1",
            "acl tls_443 port 443",
            "ssl_bump splice !tls_443",  # inspect the web port only, as inspection policies do
            "ssl_bump peek step1",
            "ssl_bump bump all",
            f"tls_outgoing_options cafile={self.lab_ca}",
            "acl strip_ws_port myportname inspect_strip_ws",
            "http_upgrade_request_protocols websocket allow !strip_ws_port",
            "acl no_ws_port myportname inspect_no_ws",
            "acl ws_upgrade req_header Upgrade -i websocket",
            "http_access deny no_ws_port ws_upgrade",
            "http_access allow all",
            f"dns_nameservers {ADDR.dns}",
            "visible_hostname inspect.lab.test",
            "cache deny all",
            "cache_mem 8 MB",
            f"access_log stdio:{self.logs}/squid-bump-access.log",
            f"cache_log {self.logs}/squid-bump-cache.log",
            f"pid_filename {self.state}/squid-bump.pid",
            f"coredump_dir {self.state}",
            "shutdown_lifetime 0 seconds",
        ]
        (self.conf / "squid-bump.conf").write_text("\n".join(lines) + "\n")


def _require_root() -> None:
    if os.geteuid() != 0:
        raise LabError("the lab needs root (network namespaces, nftables)")


def lab_unavailable_reason() -> str | None:
    """Why the lab cannot run here (None when it can): not root, or no `ip netns`."""
    if os.geteuid() != 0:
        return "the network lab needs root"
    if shutil.which("ip") is None:
        return "the network lab needs iproute2 (`ip netns`)"
    probe = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"`ip netns` is unavailable: {probe.stderr.strip()}"
    return None
