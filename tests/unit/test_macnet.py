"""macOS 15 Local Network privacy is named as the likely cause of an 'unreachable' local proxy/PAC host."""

from __future__ import annotations

import sys

import pytest

from app.probes import macnet

NETS = ["192.168.1.0/24", "fd00:1::/64"]


@pytest.mark.parametrize(
    ("kind", "host", "version", "named"),
    [
        ("unreachable", "192.168.1.10", "15.1", True),
        ("unreachable", "192.168.1.10", "26.0", True),
        ("unreachable", "proxy.corp.example", "15.0.1", True),  # a name: its address is not known, may be local
        ("unreachable", "fe80::1%en0", "15.2", True),
        ("unreachable", "fd00:1::8", "15.2", True),
        ("unreachable", "10.9.9.9", "15.1", False),  # not on this computer's networks
        ("unreachable", "192.168.1.10", "14.7", False),  # no Local Network privacy before macOS 15
        ("timeout", "192.168.1.10", "15.1", False),
        ("refused", "192.168.1.10", "15.1", False),  # refused means something answered
        ("unreachable", "192.168.1.10", "", False),
    ],
)
def test_local_network_hint(kind: str, host: str, version: str, named: bool) -> None:
    assert (macnet.hint_for(kind, host, version, NETS) is not None) == named


@pytest.mark.skipif(sys.platform == "darwin", reason="on macOS the hint depends on the runner's version and networks")
def test_not_on_macos_no_hint() -> None:
    assert macnet.local_network_hint("unreachable", "192.168.1.10") is None
    assert macnet.macos_major("15.1.1") == 15 and macnet.macos_major("x") is None
    assert all("/" in n for n in macnet.local_networks())
