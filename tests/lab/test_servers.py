"""Each lab server checked on its own with the Debian tools (turnutils, curl) and Python from cr-client."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from cryptography import x509

from tests.lab import internet
from tests.lab.lab import CLIENT, HERE, Lab, cleanup_leftovers, lab_lock, lab_namespaces, ns_pids

NETCHECK = str(HERE / "netcheck.py")

pytestmark = pytest.mark.lab


def uclients(lab: Lab, runs: dict[str, list[str]]) -> dict[str, str]:
    """turnutils_uclient runs in parallel (each loops 10 packets through two allocations, -y, about 5 s)."""
    base = ["ip", "netns", "exec", CLIENT, "turnutils_uclient", "-y", "-n", "10", "-m", "1", "-l", "100"]
    procs = {
        k: subprocess.Popen(
            [*base, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=lab.client_env()
        )
        for k, args in runs.items()
    }
    out = {}
    for k, p in procs.items():
        try:
            out[k] = p.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            p.kill()
            out[k] = "TIMEOUT " + p.communicate()[0]
    return out


def test_coturn_ground_truth_with_turnutils(lab: Lab) -> None:
    """Static credentials over UDP and TCP, REST credentials on the second instance, wrong passwords refused.

    (turnutils_uclient hangs on its third TLS connection with `-y`; TLS is proven by the aioice loops below.)
    """
    lab.apply("open")
    u, w, t, r = lab.turn_user, lab.turn_password, lab.addr.turn, lab.addr.turn_rest
    out = uclients(
        lab,
        {
            "static udp 3478": ["-u", u, "-w", w, "-p", "3478", t],
            "static tcp 3478": ["-t", "-u", u, "-w", w, "-p", "3478", t],
            "static udp 443 (aux)": ["-u", u, "-w", w, "-p", "443", t],
            "rest udp 3478": ["-W", lab.turn_rest_secret, "-u", "candidate", "-p", "3478", r],
            "wrong password": ["-u", u, "-w", "wrong", "-p", "3478", t],
            "static user on rest instance": ["-u", u, "-w", w, "-p", "3478", r],
        },
    )
    for name, text in out.items():
        refused = name in ("wrong password", "static user on rest instance")
        want = "Cannot complete Allocation" if refused else "Total lost packets 0 (0.000000%)"
        assert want in text, f"{name}:\n{text[-1500:]}"


def test_relay_loops_on_every_profile_port(lab: Lab) -> None:
    """Every (port, transport) any shipped profile uses relays data (aioice, TLS verified via the OS store)."""
    lab.apply("open")
    u, w = lab.turn_user, lab.turn_password
    probes = [["turn_loop", "global.turn.twilio.com", port, tr, u, w] for port, tr in sorted(lab.hosts.ice_ports)]
    probes.append(["turn_loop", "turn-rest.lab.test", 5349, "tls", *rest_credentials(lab.turn_rest_secret)])
    proc = lab.run([sys.executable, NETCHECK, json.dumps(probes)])
    results = json.loads(proc.stdout)
    assert all(r["ok"] for r in results), json.dumps([r for r in results if not r["ok"]], indent=1) + proc.stderr


def rest_credentials(secret: str, user: str = "candidate", ttl_s: int = 3600) -> tuple[str, str]:
    """TURN REST API credentials: username `<expiry>:<user>`, password base64(HMAC-SHA1(secret, username))."""
    import base64
    import hashlib
    import hmac
    import time

    username = f"{int(time.time()) + ttl_s}:{user}"
    return username, base64.b64encode(hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()).decode()


def test_https_server_routes_and_certificate(lab: Lab) -> None:
    lab.apply("open")
    curl = ["curl", "-sS", "--cacert", str(lab.lab_ca), "--max-time", "5"]
    swsl = lab.run([*curl, "https://gs.daily.co/_ks_/x-swsl/:"])
    assert json.loads(swsl.stdout)["geo"] == "us-east-1", swsl.stderr
    page = lab.run([*curl, "-i", "https://c.daily.co/some/page"])
    assert page.stdout.startswith("HTTP/1.1 200") and "text/html" in page.stdout
    echo = json.loads(lab.run([*curl, "https://whereby.com/echo"]).stdout)
    assert echo["headers"]["host"] == "whereby.com" and echo["peer"].startswith(lab.addr.fw_wan + ":")
    # API hosts behave like API hosts: documented paths answer JSON, anything else (the root included) 404
    found = json.loads(lab.run([*curl, "https://gs.daily.co/rooms/check/test-rooms/us-west-2"]).stdout)
    assert found["worker"]["wssUri"] == f"wss://{internet.daily_worker('us-west-2')}:443"
    ice = json.loads(lab.run([*curl, "https://prod-ks.pluot.blue/tt-150331.json"]).stdout)
    assert [e["url"] for e in ice][-1] == "turn:global.turn.twilio.com:443?transport=tcp" and ice[-1]["username"]
    for url in (
        "https://prod-ks.pluot.blue/",
        "https://gs.daily.co/rooms/check/test-rooms/mars-1",
        "https://api.appearin.net/",
    ):
        assert lab.run([*curl, "-o", "/dev/null", "-w", "%{http_code}", url]).stdout == "404", url
    captive = lab.run(
        [*curl, "-o", "/dev/null", "-w", "%{http_code}", "http://connectivitycheck.gstatic.com/generate_204"]
    )
    assert captive.stdout == "204"
    # every existing web, API and worker name is a SAN of the web certificate, every relay name of coturn's
    web = {n.host for n in internet.NAMES if n.role != "relay"}
    relays = {n.host for n in internet.NAMES if n.role == "relay"}
    for stem, hosts in (("web", web), ("turn", relays)):
        cert = x509.load_pem_x509_certificate((lab.pki_dir / f"{stem}.crt").read_bytes())
        sans = set(
            cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
        )
        assert hosts <= sans, sorted(hosts - sans)


def test_wss_echo(lab: Lab) -> None:
    lab.apply("open")
    worker = f"wss://{internet.daily_worker('eu-central-1')}:443"
    probes = [["wss", worker], ["wss", "wss://signal.appearin.net/protocol/socket.io/v4/?EIO=4&transport=websocket"],
              ["wss", "wss://gs.daily.co/"], ["wss", "wss://prod-ks.pluot.blue/"]]  # fmt: skip
    proc = lab.run([sys.executable, NETCHECK, json.dumps(probes)])
    ok = [r["ok"] for r in json.loads(proc.stdout)]
    assert ok == [True, True, False, False], proc.stdout + proc.stderr  # API hosts refuse upgrades (404)


def test_os_store_is_the_lab_bundle_for_truststore(lab: Lab) -> None:
    """truststore (CallReady's OS store) trusts the lab CA through SSL_CERT_FILE, and nothing without it."""
    lab.apply("open")
    code = (
        "import ssl, socket, truststore\n"
        "ctx = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n"
        "try:\n"
        "    s = ctx.wrap_socket(socket.create_connection(('c.daily.co', 443), timeout=3), server_hostname='c.daily.co')\n"
        "    print('trusted', s.getpeercert()['issuer'])\n"
        "except ssl.SSLCertVerificationError as e:\n"
        "    print('untrusted', e.verify_message)\n"
    )
    assert lab.python(code).stdout.startswith("trusted"), lab.python(code).stderr
    bare = subprocess.run(
        ["ip", "netns", "exec", CLIENT, sys.executable, "-c", code], capture_output=True, text=True, timeout=30
    )
    assert bare.stdout.startswith("untrusted"), bare.stdout + bare.stderr


def test_squid_plain_and_with_basic_auth(lab: Lab) -> None:
    lab.apply("open")
    lab.ensure_server("squid")
    curl = [
        "curl",
        "-sS",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code} %{http_connect}",
        "--cacert",
        str(lab.lab_ca),
        "--max-time",
        "5",
    ]
    proxy = lab.addr.proxy
    target = "https://c.daily.co/"
    assert lab.run([*curl, "-x", f"http://{proxy}:{lab.proxy_port}", target]).stdout == "200 200"
    assert lab.run([*curl, "-x", f"http://{proxy}:{lab.proxy_auth_port}", target]).stdout.endswith("407")
    creds = f"{lab.proxy_user}:{lab.proxy_password}"
    assert lab.run([*curl, "-x", f"http://{creds}@{proxy}:{lab.proxy_auth_port}", target]).stdout == "200 200"


# Through an explicit proxy: CONNECT, TLS verified by the client's OS store (or by `cafile` only), one request.
_THROUGH_PROXY = """
import json, socket, ssl
def once(port, upgrade, cafile=None):
    s = socket.create_connection(({proxy!r}, port), timeout=5)
    host = {worker!r} if upgrade else "c.daily.co"  # a signalling worker takes upgrades, a web page plain GETs
    s.sendall(f"CONNECT {{host}}:443 HTTP/1.1\\r\\nHost: {{host}}:443\\r\\n\\r\\n".encode())
    assert s.recv(4096).startswith(b"HTTP/1.1 200"), "CONNECT refused"
    ctx = ssl.create_default_context(cafile=cafile)
    try:
        t = ctx.wrap_socket(s, server_hostname=host)
    except ssl.SSLCertVerificationError:
        return {{"verified": False}}
    head = f"GET / HTTP/1.1\\r\\nHost: {{host}}\\r\\n"
    if upgrade:
        head += ("Upgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Version: 13\\r\\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\n")
    t.sendall((head + "\\r\\n").encode())
    lines = t.recv(65536).decode("latin-1").split("\\r\\n")
    t.close()
    headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
    return {{"verified": True, "status": int(lines[0].split()[1]), "server": headers.get("server", "")}}
def issuer(port):
    s = socket.create_connection(({proxy!r}, port), timeout=5)
    s.sendall(b"CONNECT c.daily.co:443 HTTP/1.1\\r\\nHost: c.daily.co:443\\r\\n\\r\\n")
    s.recv(4096)
    t = ssl.create_default_context().wrap_socket(s, server_hostname="c.daily.co")
    found = dict(x[0] for x in t.getpeercert()["issuer"])
    t.close()
    return found
print(json.dumps({{str(p): {{"issuer": issuer(p), "get": once(p, False), "upgrade": once(p, True),
                           "public_roots": once(p, False, {lab_ca!r})}} for p in {ports!r}}}))
"""


def test_squid_bump_resigns_with_the_corporate_ca_and_treats_websocket_per_port(lab: Lab) -> None:
    """Ground truth for tls_inspection / ws_upgrade_*: the OS store (lab + corp) verifies the re-signed certificate,
    the public roots do not; plain GETs pass everywhere; upgrades get 101, 403 from squid, or (stripped) the
    worker's answer to a plain GET (404)."""
    lab.apply("tls_inspection")
    ports = [lab.inspect_port, lab.inspect_no_ws_port, lab.inspect_strip_ws_port]
    worker = internet.daily_worker("us-east-1")
    proc = lab.python(_THROUGH_PROXY.format(proxy=lab.addr.proxy, lab_ca=str(lab.lab_ca), ports=ports, worker=worker))
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    for port in ports:
        row = got[str(port)]
        assert row["issuer"] == {"organizationName": "Zscaler Inc.", "commonName": "Zscaler Root CA"}, row
        assert row["public_roots"] == {"verified": False}, row
        assert (row["get"]["status"], row["get"]["server"]) == (200, "callready-lab"), row
    upgrades = {port: (got[str(port)]["upgrade"]["status"], got[str(port)]["upgrade"]["server"]) for port in ports}
    assert upgrades[lab.inspect_port][0] == 101, upgrades
    assert upgrades[lab.inspect_no_ws_port][0] == 403 and upgrades[lab.inspect_no_ws_port][1].startswith("squid/"), (
        upgrades
    )
    assert upgrades[lab.inspect_strip_ws_port] == (404, "callready-lab"), upgrades  # Upgrade removed: a plain GET
    lab.apply("open")


def test_firewall_drops_silently_in_the_forward_chain(lab: Lab) -> None:
    """A blocked TCP connect times out (a real firewall), it is not refused or EPERM."""
    lab.apply("https_blocked")
    (r,) = json.loads(
        lab.run(
            [sys.executable, NETCHECK, json.dumps([["tcp", lab.addr.web, 443]])], env={"NETCHECK_TIMEOUT": "1.5"}
        ).stdout
    )
    assert not r["ok"] and r["error"] == "TimeoutError", r
    lab.apply("open")


def test_leftovers_of_a_crashed_run_are_cleaned(lab: Lab) -> None:
    """A stray cr-* namespace with a process in it (a crashed run) disappears at the next start."""
    subprocess.run(["ip", "netns", "add", "cr-crashed"], check=True)
    sleeper = subprocess.Popen(["ip", "netns", "exec", "cr-crashed", "sleep", "300"])
    try:
        for _ in range(50):
            if ns_pids("cr-crashed"):
                break
            subprocess.run(["sleep", "0.05"])
        assert sleeper.pid in ns_pids("cr-crashed")
        with lab_lock():  # keep the lab ours between down and up
            lab.down()
            lab.up("open")  # cleans leftovers first
        assert "cr-crashed" not in lab_namespaces()
        assert sleeper.wait(5) is not None
    finally:
        if sleeper.poll() is None:
            sleeper.kill()
        if "cr-crashed" in lab_namespaces():
            cleanup_leftovers()
