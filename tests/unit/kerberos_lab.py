"""Kerberos proxy lab, run as root inside a private network namespace (`unshare -n`): a realm LAB.TEST (Debian's
krb5-kdc), squid demanding Negotiate with its Kerberos helper (`negotiate_kerberos_auth`), and a TCP echo server
as the tunnel's far end; everything on the namespace's own loopback. Then CallReady's CONNECT (app.net.connect)
runs as a client with a ticket, as one without, and with a ticket the proxy cannot read (its key changed in the
realm but not in squid's keytab), each in its own process; one JSON line per case is printed.

    unshare -n python tests/unit/kerberos_lab.py WORKDIR
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

REALM = "LAB.TEST"
PROXY_HOST = "localhost"  # the SPN is HTTP/localhost@LAB.TEST; no DNS in the namespace
PROXY_PORT = 3128
USER = "alice"
HELPER = "/usr/lib/squid/negotiate_kerberos_auth"

CLIENT = r"""
import asyncio, json, sys
from app.engine.profile import load_profile
from app.engine.urls import parse_proxy_url
from app.net import connect
from app.probes import connection
from app.net.routing import Route, Via

async def main() -> dict:
    proxy = parse_proxy_url(sys.argv[1])
    try:
        conn = await connect.open_tunnel(proxy, "127.0.0.1", int(sys.argv[2]), 8.0)
    except connect.PhaseError as err:
        via = Via(Route(proxy, "lab"))
        status, summary, codes, _ = connection.judge_failure(err, "127.0.0.1", int(sys.argv[2]), via, load_profile("daily"))
        return {"tunnel": False, "status": status.value, "summary": summary, "codes": list(codes), **err.evidence()}
    conn.writer.write(b"hello through squid")
    await conn.writer.drain()
    echo = await asyncio.wait_for(conn.reader.readexactly(19), 5.0)
    await conn.close()
    return {"tunnel": True, "echo": echo.decode(), **conn.facts}

print(json.dumps(asyncio.run(main())))
"""


def sh(*argv: str, env: dict[str, str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, check=True, capture_output=True, text=True, timeout=60, **kw)  # type: ignore[call-overload]


def wait_listening(port: int, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port}")


def echo_server() -> int:
    """A TCP echo server on the namespace's loopback (the far end of the tunnel); returns its port."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def serve() -> None:
        while True:
            conn, _ = server.accept()
            threading.Thread(target=lambda c=conn: [c.sendall(d) for d in iter(lambda: c.recv(4096), b"")],
                             daemon=True).start()  # fmt: skip

    threading.Thread(target=serve, daemon=True).start()
    return int(server.getsockname()[1])


def main(work: Path) -> None:
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    work.mkdir(parents=True, exist_ok=True)
    work.chmod(0o755)
    krb5_conf, kdc_conf = work / "krb5.conf", work / "kdc.conf"
    krb5_conf.write_text(f"""[libdefaults]
  default_realm = {REALM}
  dns_lookup_kdc = false
  dns_lookup_realm = false
  dns_canonicalize_hostname = false
  rdns = false
  udp_preference_limit = 1
[realms]
  {REALM} = {{
    kdc = 127.0.0.1:88
  }}
[domain_realm]
  {PROXY_HOST} = {REALM}
""")
    kdc_conf.write_text(f"""[kdcdefaults]
  kdc_listen = 127.0.0.1:88
  kdc_tcp_listen = 127.0.0.1:88
[realms]
  {REALM} = {{
    database_name = {work}/principal
    key_stash_file = {work}/stash
    acl_file = {work}/kadm5.acl
    supported_enctypes = aes256-cts-hmac-sha1-96:normal
  }}
""")
    (work / "kadm5.acl").write_text("")
    env = {"PATH": os.environ["PATH"], "KRB5_CONFIG": str(krb5_conf), "KRB5_KDC_PROFILE": str(kdc_conf)}
    sh("kdb5_util", "create", "-s", "-r", REALM, "-P", "lab-master-key", env=env)
    keytab, user_keytab = work / "http.keytab", work / "alice.keytab"
    for query in (f"addprinc -randkey {USER}@{REALM}", f"addprinc -randkey HTTP/{PROXY_HOST}@{REALM}",
                  f"ktadd -k {keytab} HTTP/{PROXY_HOST}@{REALM}", f"ktadd -k {user_keytab} {USER}@{REALM}"):  # fmt: skip
        sh("kadmin.local", "-r", REALM, "-q", query, env=env)
    keytab.chmod(0o644)  # squid's helper runs as the proxy user; the lab's keys are throwaway
    started: list[subprocess.Popen[bytes]] = []
    try:
        started.append(subprocess.Popen(["krb5kdc", "-n"], env=env))
        wait_listening(88)
        port = echo_server()
        logs = work / "squid"
        logs.mkdir()
        logs.chmod(0o777)
        conf = work / "squid.conf"
        conf.write_text("\n".join([
            f"http_port 127.0.0.1:{PROXY_PORT}",
            f"auth_param negotiate program {HELPER} -k {keytab} -s GSS_C_NO_NAME",
            "auth_param negotiate children 2",
            "auth_param negotiate keep_alive on",
            "acl authed proxy_auth REQUIRED",
            f"acl echo_port port {port}",
            "acl CONNECT method CONNECT",
            "http_access deny CONNECT !echo_port",
            "http_access allow authed",
            "http_access deny all",
            "visible_hostname proxy.lab.test",
            "cache deny all",
            "shutdown_lifetime 0 seconds",
            f"access_log stdio:{logs}/access.log",
            f"cache_log {logs}/cache.log",
            f"pid_filename {logs}/squid.pid",
            f"coredump_dir {logs}",
        ]) + "\n")  # fmt: skip
        squid_env = {**env, "KRB5_KTNAME": f"FILE:{keytab}"}
        started.append(subprocess.Popen(["squid", "-N", "-f", str(conf)], env=squid_env))
        wait_listening(PROXY_PORT)
        ticket = work / "alice.ccache"
        sh("kinit", "-k", "-t", str(user_keytab), "-c", f"FILE:{ticket}", f"{USER}@{REALM}", env=env)
        root = Path(__file__).resolve().parents[2]
        cases = [("with_ticket", ticket), ("without_ticket", work / "no-ticket.ccache"), ("stale_proxy_key", None)]
        for case, cache in cases:
            if cache is None:  # the proxy's key changed in the realm but not in squid's keytab: tickets fail there
                sh("kadmin.local", "-r", REALM, "-q", f"cpw -randkey HTTP/{PROXY_HOST}@{REALM}", env=env)
                cache = work / "alice-2.ccache"
                sh("kinit", "-k", "-t", str(user_keytab), "-c", f"FILE:{cache}", f"{USER}@{REALM}", env=env)
            client_env = {"PATH": os.environ["PATH"], "KRB5_CONFIG": str(krb5_conf), "KRB5CCNAME": f"FILE:{cache}",
                          "PYTHONPATH": str(root), "HOME": str(work)}  # fmt: skip
            out = subprocess.run([sys.executable, "-c", CLIENT, f"http://{PROXY_HOST}:{PROXY_PORT}", str(port)],
                                 env=client_env, capture_output=True, text=True, timeout=60, cwd=root)  # fmt: skip
            result = json.loads(out.stdout) if out.returncode == 0 else {"error": out.stderr[-2000:]}
            print(json.dumps({"case": case, **result}), flush=True)
        print(json.dumps({"case": "squid_log", "access": (logs / "access.log").read_text()[-2000:]}), flush=True)
    finally:
        for proc in reversed(started):
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
