"""The one self-contained page the browser check serves: camera and microphone (W3C Media Capture and Streams),
the device list, and ICE gathering per STUN/TURN server (W3C WebRTC: RTCPeerConnection, iceTransportPolicy,
icecandidateerror; RFC 8445 candidate types). No asset comes from the internet; results go back by one POST."""

from __future__ import annotations

import json
from typing import Any

CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
    "media-src 'self' blob: mediastream:; img-src 'self' data:; base-uri 'none'; form-action 'none'"
)


def render_page(config: dict[str, Any]) -> str:
    """The page with its configuration embedded as JSON (`<` escaped, so no value can close the script)."""
    data = json.dumps(config, ensure_ascii=True).replace("<", "\\u003c").replace(">", "\\u003e")
    return _PAGE.replace("__CONFIG__", data)


_PAGE = r"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CallReady: camera, microphone and call path</title>
<style>
  :root { color-scheme: light dark; --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --muted: #57606a; }
  body { font: 16px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; margin: 0;
         background: Canvas; color: CanvasText; }
  main { max-width: 52rem; margin: 0 auto; padding: 1.5rem; }
  h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
  p.lead { margin: 0 0 1.25rem; color: var(--muted); }
  .grid { display: grid; grid-template-columns: 20rem 1fr; gap: 1.25rem; align-items: start; }
  video { width: 20rem; height: 15rem; background: #222; border-radius: .5rem; object-fit: cover; }
  .meter { height: .9rem; background: #8884; border-radius: .45rem; overflow: hidden; margin-top: .5rem; }
  .meter > div { height: 100%; width: 0%; background: var(--ok); transition: width .08s linear; }
  ol.steps { list-style: none; padding: 0; margin: 0; }
  ol.steps li { padding: .45rem 0; border-bottom: 1px solid #8883; }
  .mark { display: inline-block; min-width: 4.5rem; font-weight: 600; }
  .pass { color: var(--ok); } .warn { color: var(--warn); } .fail { color: var(--bad); } .wait { color: var(--muted); }
  .help { margin: .25rem 0 0 4.5rem; font-size: .95rem; }
  table { border-collapse: collapse; width: 100%; margin-top: 1rem; font-size: .9rem; }
  th, td { text-align: left; padding: .3rem .4rem; border-bottom: 1px solid #8883; }
  #done { margin-top: 1.25rem; padding: .75rem 1rem; border-radius: .5rem; background: #8882; font-weight: 600; }
  @media (max-width: 40rem) { .grid { grid-template-columns: 1fr; } video { width: 100%; } }
</style>
</head>
<body>
<main>
  <h1>Camera, microphone and call path</h1>
  <p class="lead">CallReady checks what your browser can do for a video call. Allow the camera and microphone when
    your browser asks. Nothing is recorded or sent anywhere except back to CallReady on this computer.</p>
  <div class="grid">
    <div>
      <video id="preview" autoplay muted playsinline aria-label="Camera preview"></video>
      <div aria-label="Microphone level"><small>Microphone level</small>
        <div class="meter"><div id="level"></div></div></div>
    </div>
    <ol class="steps" id="steps">
      <li id="step-media"><span class="mark wait">Waiting</span> Camera and microphone</li>
      <li id="step-devices"><span class="mark wait">Waiting</span> Devices</li>
      <li id="step-direct"><span class="mark wait">Waiting</span> Direct video path</li>
      <li id="step-relay"><span class="mark wait">Waiting</span> Backup video path (relays)</li>
    </ol>
  </div>
  <table id="ice" aria-label="Call path details"><thead><tr><th>Server</th><th>Result</th></tr></thead>
    <tbody></tbody></table>
  <div id="done" role="status">Checking…</div>
</main>
<script>
"use strict";
const CONFIG = __CONFIG__;
const result = { version: 1, user_agent: navigator.userAgent, media: {}, devices: {}, ice: [], started_ms: Date.now(),
                 // Firefox before 150 has no icecandidateerror: a relay's 401 cannot be seen there
                 ice_error_events: typeof RTCPeerConnection !== "undefined" &&
                                   "onicecandidateerror" in RTCPeerConnection.prototype };

function step(id, cls, word, text, help) {
  const li = document.getElementById(id);
  li.replaceChildren();
  const mark = document.createElement("span");
  mark.className = "mark " + cls; mark.textContent = word;
  li.append(mark, " " + text);
  if (help) { const d = document.createElement("div"); d.className = "help"; d.textContent = help; li.append(d); }
}

const MEDIA_HELP = {
  denied: "Your browser was not allowed to use the camera or microphone. Click the camera icon in the address bar " +
          "and choose Allow, then run the check again. On a Mac also check System Settings > Privacy & Security > " +
          "Camera and Microphone; on Windows, Settings > Privacy & security > Camera and Microphone.",
  no_device: "No camera or microphone was found. Plug one in or switch it on, then run the check again.",
  busy: "The camera or microphone is in use by another program. Close other video apps, then run the check again.",
};

function mediaKind(name) {
  if (["NotAllowedError", "PermissionDeniedError", "SecurityError"].includes(name)) return "denied";
  if (["NotFoundError", "DevicesNotFoundError", "OverconstrainedError"].includes(name)) return "no_device";
  if (["NotReadableError", "TrackStartError", "AbortError"].includes(name)) return "busy";
  return "other";
}

async function openMedia() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    result.media = { ok: false, error_name: "NoMediaDevicesAPI", kind: "other" };
    step("step-media", "fail", "Failed", "This browser cannot use a camera here.");
    return null;
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    const a = stream.getAudioTracks(), v = stream.getVideoTracks();
    result.media = { ok: true, audio_tracks: a.length, video_tracks: v.length };
    document.getElementById("preview").srcObject = stream;
    step("step-media", "pass", "Passed", "Camera and microphone are working.");
    return stream;
  } catch (err) {
    const name = (err && err.name) || "Error";
    const kind = mediaKind(name);
    result.media = { ok: false, error_name: name, error_message: String((err && err.message) || "").slice(0, 200),
                     kind: kind };
    step("step-media", kind === "busy" ? "warn" : "fail", kind === "busy" ? "Busy" : "Failed",
         kind === "denied" ? "Camera and microphone were not allowed." : kind === "no_device" ?
         "No camera or microphone found." : kind === "busy" ? "Camera or microphone is busy." :
         "Camera and microphone could not be opened (" + name + ").", MEDIA_HELP[kind]);
    return null;
  }
}

async function listDevices() {
  const counts = { audioinput: 0, videoinput: 0, audiooutput: 0 };
  try {
    for (const d of await navigator.mediaDevices.enumerateDevices()) {
      if (d.kind in counts) counts[d.kind] += 1;
    }
    result.devices = counts;
    const text = counts.videoinput + " camera(s), " + counts.audioinput + " microphone(s), " +
                 counts.audiooutput + " speaker(s)";
    step("step-devices", counts.videoinput && counts.audioinput ? "pass" : "fail",
         counts.videoinput && counts.audioinput ? "Passed" : "Missing", text);
  } catch (err) {
    result.devices = { error_name: (err && err.name) || "Error" };
    step("step-devices", "fail", "Failed", "The device list could not be read.");
  }
}

function meter(stream) {
  result.media.level_max = 0;
  if (!stream || !stream.getAudioTracks().length) return () => {};
  let ctx, timer;
  try {
    ctx = new AudioContext();
    const an = ctx.createAnalyser(); an.fftSize = 512;
    ctx.createMediaStreamSource(stream).connect(an);
    const buf = new Float32Array(an.fftSize), bar = document.getElementById("level");
    timer = setInterval(() => {
      an.getFloatTimeDomainData(buf);
      let sum = 0; for (const x of buf) sum += x * x;
      const rms = Math.sqrt(sum / buf.length);
      result.media.level_max = Math.max(result.media.level_max, rms);
      bar.style.width = Math.min(100, Math.round(rms * 400)) + "%";
    }, 80);
    if (ctx.state === "suspended") {
      ctx.resume().catch(() => {});
      document.addEventListener("click", () => ctx.resume(), { once: true });
    }
  } catch (err) { result.media.level_error = (err && err.name) || "Error"; }
  return () => {
    clearInterval(timer);
    result.media.audio_context = ctx ? ctx.state : "none";
    const peak = Math.min(100, Math.round(result.media.level_max * 400));  // the loudest moment stays shown
    document.getElementById("level").style.width = peak + "%";
  };
}

function parseCandidate(line) {
  const f = line.split(" ");
  const typ = f.indexOf("typ");
  return { protocol: (f[2] || "").toLowerCase(), address: f[4] || "", port: Number(f[5] || 0),
           type: typ > 0 ? f[typ + 1] : "" };
}

function gather(entry) {
  return new Promise((resolve) => {
    const out = { url: entry.url, kind: entry.kind, transport: entry.transport, policy: entry.policy,
                  candidates: [], errors: [], ms: 0 };
    const t0 = performance.now();
    let pc;
    const server = { urls: [entry.url] };
    if (entry.kind === "turn") { server.username = entry.username; server.credential = entry.credential; }
    try {
      pc = new RTCPeerConnection({ iceServers: [server], iceTransportPolicy: entry.policy });
    } catch (err) {
      out.errors.push({ code: 0, text: ((err && err.name) || "Error") + ": " + String(err && err.message).slice(0, 120) });
      resolve(out); return;
    }
    let finished = false;
    const finish = () => {
      if (finished) return; finished = true;
      out.ms = Math.round(performance.now() - t0);
      try { pc.close(); } catch (e) {}
      resolve(out);
    };
    pc.onicecandidate = (ev) => {
      if (!ev.candidate) { finish(); return; }
      if (!ev.candidate.candidate) return;
      const c = parseCandidate(ev.candidate.candidate);
      if (c.type === "host") c.address = "";  // local addresses stay on this computer
      out.candidates.push(c);
    };
    pc.onicecandidateerror = (ev) => {
      out.errors.push({ code: ev.errorCode || 0, text: String(ev.errorText || "").slice(0, 120),
                        url: String(ev.url || "").slice(0, 200) });
    };
    pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === "complete") finish(); };
    pc.createDataChannel("callready");
    pc.createOffer().then((o) => pc.setLocalDescription(o)).catch((err) => {
      out.errors.push({ code: 0, text: String((err && err.name) || "Error") }); finish();
    });
    setTimeout(finish, CONFIG.gather_timeout_ms);
  });
}

function row(url, text, cls) {
  const tr = document.createElement("tr");
  const a = document.createElement("td"); a.textContent = url;
  const b = document.createElement("td"); b.textContent = text; b.className = cls;
  tr.append(a, b); document.querySelector("#ice tbody").append(tr);
}

function describe(r) {
  const types = r.candidates.map((c) => c.type);
  if (r.kind === "turn") {
    if (types.includes("relay")) return ["relay reached (relay candidate)", "pass"];
    if (r.errors.some((e) => e.code === 401)) return ["relay reached (it asked for credentials: 401)", "pass"];
    return ["no answer", "fail"];
  }
  if (types.includes("srflx")) return ["direct path works (public address found)", "pass"];
  return ["no answer", "fail"];
}

async function post() {
  result.finished_ms = Date.now();
  try {
    const r = await fetch(CONFIG.post, { method: "POST", headers: { "Content-Type": "application/json" },
                                         body: JSON.stringify(result), cache: "no-store" });
    return r.ok;
  } catch (err) { return false; }
}

async function main() {
  const stream = await openMedia();
  await listDevices();
  const stop = meter(stream);
  step("step-direct", "wait", "Checking…", "Direct video path");
  step("step-relay", "wait", "Checking…", "Backup video path (relays)");
  const started = performance.now();
  const all = await Promise.all(CONFIG.ice.map(gather));
  const rest = CONFIG.min_level_ms - (performance.now() - started);
  if (stream && rest > 0) await new Promise((r) => setTimeout(r, rest));
  stop();
  result.ice = all;
  for (const r of all) { const [t, cls] = describe(r); row(r.url, t, cls); }
  const direct = all.filter((r) => r.kind === "stun"), relays = all.filter((r) => r.kind === "turn");
  const ok = (rs) => rs.some((r) => describe(r)[1] === "pass");
  if (direct.length) step("step-direct", ok(direct) ? "pass" : "warn", ok(direct) ? "Passed" : "Blocked",
                          ok(direct) ? "Video can flow directly." : "Video cannot flow directly; relays are needed.");
  else step("step-direct", "wait", "Skipped", "No direct-path server to test.");
  if (relays.length) step("step-relay", ok(relays) ? "pass" : "fail", ok(relays) ? "Passed" : "Failed",
                          ok(relays) ? "A relay can be reached." : "No relay could be reached.");
  else step("step-relay", "wait", "Skipped", "No relay to test.");
  const sent = await post();
  document.getElementById("done").textContent = sent ?
    "Done. You can close this tab and return to CallReady." :
    "The results could not be sent back to CallReady. Return to CallReady and run the check again.";
  if (stream) setTimeout(() => { for (const t of stream.getTracks()) t.stop(); }, 3000);  // camera off soon after
}
main();
</script>
</body>
</html>
"""
