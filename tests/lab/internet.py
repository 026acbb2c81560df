"""The lab's model of the real internet: which names exist and what their servers do.

Built from public evidence, never from the profiles (a lab built on the profiles' guesses proves nothing): a
name not listed here gets NXDOMAIN, as on the internet. Each name has the role its real server plays:

- `page`: a web site: any path answers 200 with a page;
- `api`: an HTTP API: the documented paths answer JSON, anything else 404, a WebSocket upgrade 404;
- `worker`: a signalling server: accepts WebSocket upgrades (plain requests 404);
- `relay`: a STUN/TURN server (coturn).

`address` names the lab address (tests/lab/lab.py `Addresses`) so scenarios can drop one service alone
(`{discovery}`: Daily's gs.daily.co; `{wss}`: every signalling worker).
"""

from __future__ import annotations

from dataclasses import dataclass

PRECALL = "github.com/daily-co/daily-precall-react@7d95801 packages/daily-precall-react/src"
DAILY_JS = "github.com/daily-co/daily-js@7a3b44b src"
WHEREBY_SDK = "github.com/whereby/sdk@0a47592"
CLOUDFLARE = "developers.cloudflare.com/realtime/turn (ports table)"
TWILIO = "twilio.com/docs/stun-turn/api (ice_servers example)"


@dataclass(frozen=True)
class Name:
    """A name that exists on the internet, what its server does, and where that is shown."""

    host: str
    role: str  # page | api | worker | relay
    evidence: str
    address: str = ""  # Addresses field; default by role

    @property
    def address_key(self) -> str:
        return self.address or {"page": "web", "api": "api", "worker": "wss", "relay": "turn"}[self.role]


# Daily's signalling regions (WebSocketTester.ts lines 4-15) and the worker name shape its test fixture shows
# (`ip-10-75-10-62-eu-central-1.wss.daily.co`): one worker per region, all on the lab's worker address.
DAILY_REGIONS = (
    "af-south-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-2", "ap-south-1",
    "eu-central-1", "eu-west-2", "sa-east-1", "us-east-1", "us-west-2",
)  # fmt: skip


def daily_worker(region: str) -> str:
    """The lab's worker host for a Daily region (shaped like the real ones)."""
    return f"ip-198-19-1-20-{region}.wss.daily.co"


NAMES: tuple[Name, ...] = (
    # ---- Daily
    Name("gs.daily.co", "api", f"{PRECALL}/utils/WebSocketTester.ts:26; {DAILY_JS}/module.js:4151", "discovery"),
    Name("c.daily.co", "page", f"{DAILY_JS}/utils.js:36 (call-machine bundle)"),
    Name("prod-ks.pluot.blue", "api", f"{PRECALL}/utils/constants.ts:9 (tt-150331.json)"),
    Name("ip-info.daily.co", "api", "flo-recruit-it-guide.txt: https://ip-info.daily.co/ips/ip-info.json"),
    *(
        Name(daily_worker(r), "worker", f"{PRECALL}/tests/hooks/useWebsocketsTest.test.tsx (wssUri)")
        for r in DAILY_REGIONS
    ),
    # ---- Twilio (Daily's relays in the US)
    Name("global.stun.twilio.com", "relay", TWILIO),
    Name("global.turn.twilio.com", "relay", TWILIO),
    # ---- Cloudflare (Daily's allowlist page; KUDO's stand-in media test)
    Name("stun.cloudflare.com", "relay", CLOUDFLARE),
    Name("turn.cloudflare.com", "relay", CLOUDFLARE),
    # ---- Whereby
    Name("whereby.com", "page", "whereby-firewall.txt (domains); the web app"),
    Name("api.appearin.net", "api", f"{WHEREBY_SDK} packages/core/src/api/ApiClient.ts:74"),
    Name(
        "signal.appearin.net", "worker", f"{WHEREBY_SDK} packages/core/src/redux/slices/signalConnection/index.ts:131"
    ),
    Name("turnserver.appearin.net", "relay", "whereby-firewall.txt: turnserver.appearin.net (port 443 UDP/TCP)"),
    Name("any.turn.svc.whereby.com", "relay", f"{WHEREBY_SDK} packages/media/src/webrtc/BandwidthTester.ts:233"),
    # ---- KUDO (the seed names these sub-domains)
    *(
        Name(f"{sub}.kudoway.{tld}", "page", "kudo-firewall-rules.txt")
        for tld in ("com", "eu", "ca")
        for sub in ("live", "api", "session-console")
    ),
    Name("teams-bot.kudoway.com", "page", "kudo-firewall-rules.txt (Microsoft Teams)"),
    Name("teams-web.kudoway.com", "page", "kudo-firewall-rules.txt (Microsoft Teams)"),
    # ---- the OS captive-portal probes (app/probes/captive.py): plain HTTP answers 204 / "Success"
    Name("connectivitycheck.gstatic.com", "api", "Android's captive-portal check (generate_204)"),
    Name("captive.apple.com", "api", "Apple's captive-portal check (hotspot-detect.html)"),
)

CAPTIVE_ROUTES = {
    "connectivitycheck.gstatic.com": {"/generate_204": {"status": 204, "type": "text/plain", "text": ""}},
    "captive.apple.com": {"/hotspot-detect.html": {
        "status": 200, "type": "text/html",
        "text": "<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>"}},
}  # fmt: skip

# What the API hosts answer (path -> JSON); the ICE servers document is filled in by the lab (credentials).
ICE_SERVERS_PATH = "/tt-150331.json"
DAILY_GEO_PATH = "/_ks_/x-swsl/:"
DAILY_DISCOVERY_PREFIX = "/rooms/check/test-rooms/"


def by_host() -> dict[str, Name]:
    """Every existing name, by host."""
    return {n.host: n for n in NAMES}


def daily_discovery_answer(region: str) -> dict[str, object]:
    """What gs.daily.co answers for a test room (the shape of the pre-call test's fixture, abridged)."""
    worker = daily_worker(region)
    return {
        "roomName": region,
        "geoGroup": region,
        "worker": {"dnsName": worker, "workerId": worker.split(".")[0], "group": region,
                   "wssUri": f"wss://{worker}:443"},
    }  # fmt: skip


def twilio_ice_servers(username: str, credential: str) -> list[dict[str, str]]:
    """Daily's ICE servers document in Twilio's format (both `url` and `urls`, as the pre-call fixture shows)."""
    out = [{"url": "stun:global.stun.twilio.com:3478", "urls": "stun:global.stun.twilio.com:3478"}]
    for suffix in ("3478?transport=udp", "3478?transport=tcp", "443?transport=tcp"):
        url = f"turn:global.turn.twilio.com:{suffix}"
        out.append({"url": url, "urls": url, "username": username, "credential": credential})
    return out


def platform_domains() -> set[str]:
    """Registrable-looking parents (last two labels) of every existing platform name."""
    return {".".join(n.host.split(".")[-2:]) for n in NAMES}
