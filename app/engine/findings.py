"""The catalogue of finding codes: severity, plain advice for the interviewer, precise action for IT.

Texts are templates formatted with facts about the run: `{targets}` (the affected targets),
`{hosts}`, `{domains}`, `{ports}`, `{turn_ranges}`, `{platform}`, `{support}`, and any string
evidence the checks put in `details` (e.g. `{issuer}`). Unknown fields render as "(unknown)".
The table in docs/findings.md is generated from this module and checked by a test. The codes themselves are
`app.engine.codes.FindingCode`, one member per entry here (a test checks both ways).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.engine.codes import FindingCode
from app.engine.model import Severity

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


@dataclass(frozen=True)
class FindingSpec:
    """A finding code's fixed texts."""

    code: FindingCode
    severity: Severity
    title: str
    advice: str
    it_action: str


_SPECS = [
    # ---- network basics
    FindingSpec(FindingCode.OFFLINE, E, "No internet connection",
        "This computer cannot reach the internet. Check the cable or Wi-Fi, then run the check again.",
        "The machine has no working route to the internet (DNS and every connection failed)."),
    FindingSpec(FindingCode.DNS_NXDOMAIN, E, "The video service's names do not exist on this network",
        "Your network's name lookup says {platform}'s servers do not exist. Ask your IT team to fix this.",
        "The DNS resolver answers NXDOMAIN for {targets}. Allow resolution of {domains} on the resolver or DNS filter."),
    FindingSpec(FindingCode.DNS_SINKHOLE, E, "A DNS filter blocks the video service",
        "A filter on your network hides {platform}'s servers. Ask your IT team to allow them.",
        "The DNS resolver returns sinkhole addresses for {targets}. Allowlist {domains} in the DNS filter."),
    FindingSpec(FindingCode.DNS_FAILURE, E, "Name lookups for the video service fail",
        "Your network could not look up {platform}'s servers. Try another network, or ask your IT team.",
        "DNS lookups fail (SERVFAIL, refused or no answer) for {targets}. Check the resolver and allow {domains}."),
    FindingSpec(FindingCode.DNS_SLOW, W, "Name lookups are very slow",
        "Your network is slow to find {platform}'s servers; joining a call may take longer.",
        "The DNS resolver took more than 1 s to answer for {targets}. Check the resolver's upstream and latency."),
    FindingSpec(FindingCode.DNS_RESOLVED_BY_PROXY, INFO, "The web proxy finds the video service's servers",
        "",
        "The local DNS resolver cannot resolve {targets}; connections work because the proxy resolves the names. "
        "Devices or apps that bypass the proxy will fail."),
    FindingSpec(FindingCode.DNS_MEDIA_HOST_UNRESOLVED, INFO, "A video server's name cannot be looked up",
        "",
        "The DNS resolver cannot resolve {targets}; video uses another route. Allow resolution of {domains}."),
    FindingSpec(FindingCode.DNS_UNEXPECTED_ADDRESS, INFO, "A server name points outside the platform's published addresses",
        "Some of {platform}'s servers resolve to unexpected addresses on your network.",
        "{targets} resolve outside the platform's published ranges; check DNS rewriting or split-horizon DNS."),
    # ---- web and signalling
    FindingSpec(FindingCode.HTTPS_BLOCKED, E, "The video service's web servers cannot be reached",
        "Your network blocks {platform}'s web servers. Ask your IT team to allow them.",
        "HTTPS (TCP 443) to {targets} fails. Allow outbound TCP 443 to {domains}."),
    FindingSpec(FindingCode.TLS_ERROR, E, "Secure connections to the video service fail",
        "Secure connections to {platform} fail on this computer. Ask your IT team.",
        "The TLS handshake or certificate check fails for {targets}: {tls_reason}."),
    FindingSpec(FindingCode.WEBSOCKET_BLOCKED, E, "The live call connection (WebSocket) is blocked",
        "Your network blocks the live connection the video call needs. Ask your IT team to allow it.",
        "Secure WebSocket upgrades to {targets} are refused or fail. Allow WebSocket (HTTP Upgrade) on TCP 443 to {domains} in the proxy/firewall."),
    FindingSpec(FindingCode.WEBSOCKET_CUT, W, "The live call connection is cut after a few seconds",
        "Your network cuts the live call connection; calls may drop. Ask your IT team.",
        "Long-lived WebSocket connections to {targets} are closed by the network. Exempt {domains} from proxy connection timeouts and inspection."),
    # ---- proxy, inspection, portal
    FindingSpec(FindingCode.PROXY_DETECTED, INFO, "A web proxy is in use",
        "Your computer sends web traffic through a proxy.",
        "Proxy in use for the platform's hosts: {proxy}. Ensure CONNECT to TCP 443 and WebSocket upgrades are allowed for {domains}."),
    FindingSpec(FindingCode.PROXY_AUTH_REQUIRED, E, "The web proxy asks for a login",
        "Your network's proxy asks for a login. {proxy_auth_note} Ask your IT team.",
        "The proxy {proxy} answers 407 (authentication required). Allow {domains} through the proxy without authentication."),
    FindingSpec(FindingCode.PROXY_FAILED, E, "The web proxy does not pass the video service",
        "Your network's proxy blocks {platform}. Ask your IT team.",
        "The proxy {proxy} refuses or fails CONNECT to {targets}. Allow CONNECT to TCP 443 for {domains}."),
    FindingSpec(FindingCode.TLS_INSPECTION, W, "Secure traffic is inspected by a security product",
        "A security program on your network looks inside your secure connections, which can break video calls. Ask your IT team to leave {platform} out of it.",
        "TLS to {targets} is re-signed by {issuer} ({product}). Exempt {domains} from TLS inspection."),
    FindingSpec(FindingCode.CAPTIVE_PORTAL, E, "This network wants you to sign in first",
        "This network needs you to sign in (for example a hotel or guest Wi-Fi page). Open a web browser, sign in, then run the check again.",
        "A captive portal intercepts plain HTTP ({targets}); the user must sign in before other traffic passes."),
    # ---- media
    FindingSpec(FindingCode.STUN_BLOCKED, W, "Direct video connection is blocked",
        "Direct video connections are blocked; calls use a backup route instead.",
        "STUN binding requests to {targets} get no answer. Allow outbound UDP to these servers and the platform's UDP ports ({udp_ports})."),
    FindingSpec(FindingCode.UDP_BLOCKED, W, "UDP traffic is blocked",
        "Your network blocks the fast kind of traffic video prefers; calls use a slower backup route.",
        "Outbound UDP is blocked (no answer on any UDP port tried). Allow outbound UDP {udp_ports} to the platform's servers."),
    FindingSpec(FindingCode.TURN_UDP_BLOCKED, W, "The backup video route over UDP is blocked",
        "One backup route for video is blocked.",
        "TURN over UDP to {targets} gets no answer. Allow outbound UDP to these relays (ranges: {turn_ranges})."),
    FindingSpec(FindingCode.TURN_TCP_BLOCKED, W, "The backup video route over TCP is blocked",
        "One backup route for video is blocked.",
        "TURN over TCP to {targets} fails. Allow outbound TCP to these relays (ranges: {turn_ranges})."),
    FindingSpec(FindingCode.TURN_TLS_BLOCKED, W, "The backup video route over TLS is blocked",
        "The last-resort route for video over an encrypted connection is blocked.",
        "TURN over TLS to {targets} fails. Allow outbound TLS to these relays and exempt them from TLS inspection (ranges: {turn_ranges})."),
    FindingSpec(FindingCode.TURN_AUTH_FAILED, E, "The video relay rejects the given credentials",
        "The video relay your organisation set up rejects its login. Ask your IT team.",
        "TURN at {targets} rejects the configured credentials ({turn_error}). Check the username/password or shared secret."),
    FindingSpec(FindingCode.ALTERNATE_SERVER_UNREACHABLE, INFO, "One server failed while another of its kind works",
        "",
        "{targets} could not be reached, while another server of the same kind works (calls use that one). "
        "Allow it too, so calls keep a fallback."),
    FindingSpec(FindingCode.PROFILE_NAME_MISSING, INFO, "A server name in the platform profile does not exist",
        "",
        "{targets} does not exist (NXDOMAIN) while the same resolver finds the platform's other names: the platform "
        "profile names a server that does not exist; nothing to change on the network. Report it to CallReady."),
    FindingSpec(FindingCode.MEDIA_STAND_IN, INFO, "The video ports were tested against a public server",
        "",
        "{platform} assigns its media servers per session, so they can only be reached inside a session. "
        "{targets} (a public STUN/TURN service) tested the ports {platform} names instead."),
    FindingSpec(FindingCode.MEDIA_PORTS_UNCONFIRMED, W, "The video ports could not be confirmed",
        "The ports {platform} uses for video did not answer from a public test server. Calls may still work; if "
        "video fails in a session, ask your IT team.",
        "{platform} assigns its media servers per session, so they can only be reached inside a session; a public "
        "STUN/TURN service on the same ports ({targets}) got no answer. Allow {ports} outbound to {platform}'s media "
        "ranges ({turn_ranges})."),
    FindingSpec(FindingCode.SIGNALLING_DISCOVERY_FAILED, E, "The live call service did not name a server",
        "{platform}'s set-up service answered, but not with a live call server. Ask your IT team.",
        "The discovery request {targets} was answered without a usable WebSocket URL ({discovery_problem}): a proxy "
        "or filter may rewrite or block the answer. Allow {domains} unmodified."),
    FindingSpec(FindingCode.SIGNALLING_REGION_UNREACHABLE, INFO, "Some regions' live call servers could not be opened",
        "",
        "Signalling workers of some regions failed ({not_open_regions}); calls use the nearest region, which works."),
    FindingSpec(FindingCode.PLATFORM_CREDENTIALS_REFUSED, INFO, "The platform's relay credentials were refused",
        "",
        "{targets} answered, but refused the short-lived credentials from the platform's ICE servers; the relay "
        "is reachable, the media loop through it was not measured."),
    FindingSpec(FindingCode.LOW_CAPACITY, W, "The connection is too thin for video",
        "Your connection carried about {carried_mbit} Mbit/s; video interviews need about {need_mbit} Mbit/s each way. "
        "Use a cable or sit near the Wi-Fi, and pause uploads, downloads and other video during the interview.",
        "A call-rate load through the platform's relay carried only {carried_kbps} kbit/s (loss {loss_pct_under_load} %, "
        "queueing delay +{queue_delay_ms} ms). Check the access link's capacity and any shaping or QoS on it."),
    FindingSpec(FindingCode.CAPACITY_BELOW_HD, INFO, "The connection carries standard video, not HD",
        "",
        "A call-rate load carried about {carried_kbps} kbit/s: enough for standard video, below the {need_kbps} kbit/s "
        "the platform rates good."),
    FindingSpec(FindingCode.RELAY_ONLY, W, "Video works only through a relay",
        "Calls will work through a relay server, with somewhat lower quality.",
        "Direct UDP media is blocked; only TURN relays work. For best quality allow outbound UDP {udp_ports} to the platform's servers."),
    FindingSpec(FindingCode.MEDIA_BLOCKED, E, "Video cannot flow on this network",
        "Video and audio cannot get through this network. Ask your IT team, or use another network.",
        "No media path works: STUN and every TURN transport failed. Allow at least TCP 443 (TLS) to the TURN relays ({turn_ranges}), and UDP {udp_ports}."),
    FindingSpec(FindingCode.HIGH_PACKET_LOSS, W, "The connection loses packets",
        "Your connection loses data; video may freeze or break up. Move closer to Wi-Fi or use a cable.",
        "Measured packet loss {loss_pct} % on {path} (good below {loss_good_pct} %, bad from {loss_bad_pct} %). Check congestion, Wi-Fi quality and traffic shaping."),
    FindingSpec(FindingCode.PACKET_LOSS, INFO, "A few packets get lost",
        "A few packets get lost on this connection; calls work. A cable or a better Wi-Fi spot keeps them at their best.",
        "Measured packet loss {loss_pct} % on {path} (good below {loss_good_pct} %); lost requests were resent and answered. Seen on: {targets}."),
    FindingSpec(FindingCode.HIGH_LATENCY, W, "The connection is slow to respond",
        "Your connection has a long delay; people may talk over each other.",
        "Measured round-trip time {rtt_ms} ms on {path} (good below {rtt_good_ms} ms, bad from {rtt_bad_ms} ms). Check routing, VPN and proxies in the path."),
    FindingSpec(FindingCode.HIGH_JITTER, W, "The connection is unsteady",
        "Your connection is unsteady; sound may stutter.",
        "Measured jitter {jitter_ms} ms on {path} (poor above {jitter_poor_ms} ms). Check Wi-Fi and queueing on the uplink."),
    # ---- vpn
    FindingSpec(FindingCode.VPN_DETECTED, INFO, "A VPN is connected",
        "A VPN is connected on this computer.",
        "VPN adapter(s) up: {vpn}."),
    FindingSpec(FindingCode.VPN_FULL_TUNNEL, W, "Video would go through the company VPN",
        "Your VPN would carry the video, which often makes calls poor. Disconnect the VPN for the interview, or ask your IT team.",
        "The VPN ({vpn}) carries the platform's media. Split-tunnel it as the platform's guide asks: {vpn_exemption}."),
    FindingSpec(FindingCode.VPN_SPLIT_TUNNEL, INFO, "The VPN leaves video outside the tunnel",
        "Your VPN is set up so video does not go through it. Good.",
        "The VPN ({vpn}) routes the platform's media destinations outside the tunnel."),
    # ---- email
    FindingSpec(FindingCode.EMAIL_ADDRESS_MISSING, INFO, "Email check not done",
        "Enter your work email address to check that interview emails will reach you.",
        "No recipient address was given, so the recipient's mail gateway was not checked."),
    FindingSpec(FindingCode.EMAIL_SENDER_NOT_AUTHORIZED, W, "The interview emails' sender is not fully authorised",
        "Some interview emails may land in spam. Ask your IT team to allow the sender.",
        "SPF for {sender_domain} does not authorise {targets}. Allowlist {sender_domain} and IPs {sender_ips} in the mail gateway."),
    FindingSpec(FindingCode.EMAIL_SENDER_BLOCKLISTED, W, "An interview email server is on a blocklist",
        "Some interview emails may be rejected. Ask your IT team to allow the sender.",
        "Sending IP(s) listed on a DNS blocklist ({targets}). Allowlist {sender_domain} and IPs {sender_ips} in the mail gateway."),
    FindingSpec(FindingCode.EMAIL_DMARC_MISSING, W, "The sender has no DMARC policy",
        "Some interview emails may be treated as suspicious.",
        "No DMARC record at _dmarc.{sender_domain} nor at its organisational domain ({organizational_domain}, RFC 7489 §6.6.3). Allowlist {sender_domain} and IPs {sender_ips} explicitly."),
    FindingSpec(FindingCode.EMAIL_NO_MX, W, "Your email domain cannot receive mail",
        "Your email address's domain has no mail server; interview emails cannot reach it. Check the address.",
        "{targets} publishes a null MX (RFC 7505), or has neither an MX nor an address record; mail to it is not deliverable."),
    FindingSpec(FindingCode.EMAIL_IMPLICIT_MX, INFO, "Your email domain has no MX record",
        "",
        "{targets} has no MX record, so mail goes to its own address ({mx_fallback}) as RFC 5321 §5.1 allows. {gateway_steps}"),
    FindingSpec(FindingCode.EMAIL_GATEWAY, INFO, "Your mail gateway",
        "Ask your IT team to allow the interview sender in your mail filter.",
        "Mail for {targets} passes {gateway}. {gateway_steps}"),
    FindingSpec(FindingCode.EMAIL_BLOCKLIST_UNUSABLE, INFO, "A blocklist could not be used",
        "",
        "DNS blocklist {targets} failed its self-test (RFC 5782) or returned an error code; it was not consulted."),
    # ---- system
    FindingSpec(FindingCode.BROWSER_MISSING, INFO, "The recommended browser is not installed",
        "{browser_advice}",
        "Install {recommended_browser} for the interviewer."),
    # ---- browser (policies IT set in it; camera, microphone and its own call path)
    FindingSpec(FindingCode.BROWSER_POLICY_RELAY_ONLY, W, "A browser policy forces calls onto relays",
        "Your browser is set up by your IT team to send video only through relay servers; calls work with lower quality.",
        "{relay_policy}: disable_non_proxied_udp forces calls onto relays (TCP through the proxy when there is one). "
        "Set it to default_public_interface_only, or exempt the platform: add {domains} to WebRtcIPHandlingUrl with "
        "handling default_public_interface_only."),
    FindingSpec(FindingCode.BROWSER_POLICY_UDP_PORTS, INFO, "A browser policy limits WebRTC's UDP ports",
        "",
        "{udp_port_policy}: the browser uses only these local UDP ports for calls; make sure the firewall lets them "
        "out to the platform's media ports ({udp_ports}), or remove the policy."),
    FindingSpec(FindingCode.BROWSER_POLICY_CAPTURE_BLOCKED, E, "A browser policy blocks the camera or microphone",
        "Your browser is set up by your IT team to block the camera or microphone. Ask your IT team to allow them "
        "for {platform}.",
        "{capture_policy}: camera/microphone capture is off for the interview page. Allow it for the platform "
        "(Chrome/Edge: add https://[*.]<domain> for {domains} to AudioCaptureAllowedUrls and VideoCaptureAllowedUrls; "
        "Firefox: add the interview origin to Permissions > Camera/Microphone > Allow)."),
    FindingSpec(FindingCode.BROWSER_POLICY_URL_BLOCKED, E, "A browser policy blocks the video service",
        "Your browser is set up by your IT team to block {platform}. Ask your IT team to allow it.",
        "{blocklist_policy}. Remove these entries or add {domains} to URLAllowlist (Firefox: WebsiteFilter "
        "Exceptions)."),
    FindingSpec(FindingCode.BROWSER_POLICY_WEBRTC_OFF, E, "A browser policy turns video calls off",
        "Video calls are switched off in your browser by your IT team. Use another browser or ask your IT team.",
        "{webrtc_off_policy}: WebRTC is disabled, so no call can start in this browser. Remove the preference "
        "media.peerconnection.enabled from the Preferences policy (or set it to true)."),
    FindingSpec(FindingCode.BROWSER_POLICY_PROXY, INFO, "The browser uses its own proxy setting",
        "",
        "{proxy_policy}: the browser does not use the system's proxy settings that CallReady's network checks used. "
        "Ensure this proxy allows CONNECT to TCP 443 and WebSocket upgrades for {domains}."),
    FindingSpec(FindingCode.BROWSER_PERMISSION_DENIED, E, "The browser was not allowed to use the camera or microphone",
        "Your browser was not allowed to use the camera or microphone. Click the camera icon in the address bar and "
        "choose Allow. On a Mac: System Settings > Privacy & Security > Camera (and Microphone), turn your browser on. "
        "On Windows: Settings > Privacy & security > Camera (and Microphone), let desktop apps use them.",
        "getUserMedia was refused ({media_error}) in {browser_name}: the user, the OS privacy settings or a policy "
        "denied camera/microphone access."),
    FindingSpec(FindingCode.BROWSER_NO_DEVICE, E, "No camera or microphone was found",
        "Your computer has no camera or microphone the browser can use. Plug one in (or switch it on), then check "
        "again.",
        "getUserMedia found no device ({media_error}) in {browser_name}; devices listed: {device_counts}."),
    FindingSpec(FindingCode.BROWSER_DEVICE_BUSY, W, "The camera or microphone is busy",
        "Another program is using your camera or microphone. Close other video apps (Teams, Zoom, Skype…), then "
        "check again.",
        "The device could not be opened ({media_error}) in {browser_name}: another application holds it, or the "
        "driver failed."),
    FindingSpec(FindingCode.BROWSER_RELAY_UNREACHABLE, W, "The browser could not reach the video relays",
        "Your browser could not reach the backup video route. Ask your IT team.",
        "No relay candidate and no 401 answer from {targets} in {browser_name} (ICE gathering with iceTransportPolicy "
        "relay). Allow the browser to reach these relays (ranges: {turn_ranges})."),
    FindingSpec(FindingCode.BROWSER_DIRECT_BLOCKED, W, "The browser cannot send video directly",
        "Your browser cannot send video directly; calls use a relay with somewhat lower quality.",
        "ICE gathering in {browser_name} found no server-reflexive candidate from {targets}: outbound UDP from the "
        "browser is blocked or a policy limits it. Allow outbound UDP {udp_ports}."),
    FindingSpec(FindingCode.BROWSER_CHECK_UNFINISHED, W, "The browser check did not finish",
        "The check in your browser did not finish. Run it again and keep the browser page open until it says Done.",
        "The browser page did not post its results ({browser_problem})."),
    FindingSpec(FindingCode.CHECK_UNFINISHED, W, "Some checks did not finish",
        "Some checks did not finish in time; run the check again.",
        "Checks not finished: {targets}."),
]  # fmt: skip

CATALOGUE: dict[FindingCode, FindingSpec] = {s.code: s for s in _SPECS}
