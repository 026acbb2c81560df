"""Lab proof for proxies with Windows sign-in: a Kerberos realm (Debian krb5-kdc) and squid's Kerberos negotiate
helper in a private network namespace (tests/unit/kerberos_lab.py). A client with a ticket gets its tunnel
(squid logs the user); one without a ticket is told exactly why and is not called blocked; one whose ticket the
proxy cannot read is refused (proxy_auth_required) with the reason."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def _missing() -> str | None:
    if os.geteuid() != 0:
        return "needs root (a private network namespace)"
    for tool in ("unshare", "ip", "kdb5_util", "kadmin.local", "krb5kdc", "kinit", "squid"):
        if shutil.which(tool) is None:
            return f"needs {tool} (packages krb5-kdc krb5-admin-server krb5-user squid)"
    if not Path("/usr/lib/squid/negotiate_kerberos_auth").exists():
        return "needs squid's negotiate_kerberos_auth helper"
    try:
        import gssapi  # noqa: F401  (pyspnego's Kerberos on Linux and macOS)
    except ImportError:
        return "needs the gssapi Python package"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=_missing() or "")
LAB = Path(__file__).with_name("kerberos_lab.py")


@pytest.fixture(scope="module")
def cases() -> Iterator[dict[str, dict[str, object]]]:
    work = Path(tempfile.mkdtemp(prefix="callready-kerberos-"))  # squid's helper (user proxy) must reach it
    work.chmod(0o755)
    try:
        out = subprocess.run(["unshare", "-n", sys.executable, str(LAB), str(work / "lab")], capture_output=True,
                             text=True, timeout=240)  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
    assert out.returncode == 0, out.stderr[-3000:]
    found = {}
    for line in out.stdout.splitlines():
        if line.startswith("{"):
            item = json.loads(line)
            found[item.pop("case")] = item
    yield found


def test_client_with_a_ticket_signs_in_and_the_tunnel_carries_data(cases: dict[str, dict[str, object]]) -> None:
    got = cases["with_ticket"]
    assert got.get("tunnel") is True, got
    assert got["echo"] == "hello through squid"
    assert got["proxy_sign_in"] == "Negotiate" and got["proxy_sign_in_ok"] is True
    assert "kerberos" in str(got["proxy_sign_in_detail"])
    assert "TCP_TUNNEL/200" in str(cases["squid_log"]["access"]) and "alice@LAB.TEST" in str(
        cases["squid_log"]["access"]
    )


def test_client_without_a_ticket_is_told_why_not_blocked(cases: dict[str, dict[str, object]]) -> None:
    got = cases["without_ticket"]
    assert got.get("tunnel") is False, got
    assert got["status"] == "skip" and got["codes"] == []
    assert got["proxy_auth_schemes"] == "Negotiate" and got["proxy_sign_in_tried"] is False
    assert "no Kerberos ticket" in str(got["summary"]) and "No Kerberos credentials available" in str(got["summary"])


def test_ticket_the_proxy_cannot_read_is_refused_with_the_reason(cases: dict[str, dict[str, object]]) -> None:
    got = cases["stale_proxy_key"]
    assert got.get("tunnel") is False, got
    assert got["status"] == "fail" and got["codes"] == ["proxy_auth_required"]
    assert got["proxy_sign_in_tried"] is True and got["proxy_sign_in_ok"] is False
    assert "did not accept this user's Negotiate sign-in" in str(got["summary"])
