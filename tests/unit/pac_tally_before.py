"""The vendored PAC cases through the evaluator as it was before issue 20 (dukpy + Python helpers), for the tally.

git show 313589a:app/probes/proxy.py > /tmp/oldproxy.py
.venv/bin/pip install 'dukpy>=0.6'   # the old engine
.venv/bin/python tests/unit/pac_tally_before.py
"""

import datetime as dt
import importlib.util
import json
import os
import sys
import time

os.environ["TZ"] = "UTC"
time.tzset()
sys.path.insert(0, "/work/main")
spec = importlib.util.spec_from_file_location("oldproxy", "/tmp/oldproxy.py")
old = importlib.util.module_from_spec(spec)
sys.modules["oldproxy"] = old
spec.loader.exec_module(old)
from tests.unit import pac_cases as pc  # noqa: E402  (after the old module is loaded)

DNS1 = {k: v[0] for k, v in pc.DNS.items()}


def run(script, url, host, now=None, myip="198.18.1.2"):
    if now is not None:  # the old helpers read Python's clock: pin it as well as we can
        fixed = dt.datetime.fromtimestamp(now, dt.UTC).replace(tzinfo=None)
        old.weekday_range.__kwdefaults__ = {"now": fixed}
        old.time_range.__kwdefaults__ = {"now": fixed}
    old.my_ip_address = lambda: myip
    try:
        return old.evaluate_pac(script, url, host, DNS1.get)
    except Exception as e:
        return f"ERROR {e}"


def outcome(ok):
    return ok


res = {}
# pacparser
script = (pc.DATA / "pacparser" / "proxy.pac").read_text()
outs = []
for _cid, url, expected, me in pc.pacparser_cases():
    outs.append(run(script, url, pc.urlsplit(url).hostname, myip=me.ipv4) == expected)
res["pacparser"] = outs


# pypac + mozilla style: expressions
def exprs(cases):
    outs = []
    for c in cases:
        sc = f"function FindProxyForURL(u, h) {{ try {{ return JSON.stringify({{v: {c.expr}}}); }} catch (e) {{ return JSON.stringify({{e: String(e)}}); }} }}"
        got = run(sc, "http://x/", "x", c.now)
        try:
            v = json.loads(got)
            v = v.get("v", "throws")
        except Exception:
            v = "error"
        outs.append(v == c.expected and type(v) is type(c.expected))
    return outs


res["pypac"] = exprs(list(pc.pypac_cases()))
# chromium
sc = (pc.DATA / "chromium" / "pac_library_unittest.js").read_text() + pc._INSTRUMENT + "\nnull;\n"
got = run(sc, "http://x/", "x", 0.0)
try:
    rows = json.loads(got)
except Exception:
    rows = []
res["chromium"] = [bool(r[1]) for r in rows]
res["chromium_total"] = 154
# mozilla differential: Mozilla's functions (in dukpy) vs the old helpers
moz = (pc.DATA / "mozilla" / "ascii_pac_utils.js").read_text()
ns = "var __moz = (function () {\n" + moz + "\nreturn {" + ", ".join(f"{f}: {f}" for f in pc._MOZ_FUNCS) + "};\n})();\n"
outs = []
for fn, args, now in pc.mozilla_inputs():
    a = ", ".join(json.dumps(x) for x in args)
    sc = (
        ns
        + f"function one(f) {{ try {{ return {{v: f()}}; }} catch (e) {{ return {{e: 1}}; }} }} function FindProxyForURL(u, h) {{ return JSON.stringify([one(function(){{ return __moz.{fn}({a}); }}), one(function(){{ return {fn}({a}); }})]); }}"
    )
    got = run(sc, "http://x/", "x", now)
    try:
        t, o = json.loads(got)
        outs.append(t == o)
    except Exception:
        outs.append(False)
res["mozilla"] = outs
outs = []
for name, url, expected in pc.V8_CASES:
    script = (pc.DATA / "chromium" / "proxy_resolver_v8_unittest" / name).read_text()
    old.my_ip_address = lambda: "127.0.0.1"
    target = url.split("#")[0]
    try:
        answer = old.evaluate_pac(script, target, pc.urlsplit(target).hostname or "", lambda h: None)
        r = old.route_from_pac(answer)
        got = f"PROXY {r.proxy.host}:{r.proxy.port}" if r.proxy else "DIRECT"
    except Exception:
        got = "fails"
    outs.append(got == expected)
res["chromium_v8"] = outs
for k in ("pacparser", "pypac", "chromium", "chromium_v8", "mozilla"):
    total = res.get(k + "_total", len(res[k]))
    print(k, sum(res[k]), "/", total)
