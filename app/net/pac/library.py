"""The PAC helper functions as a JavaScript prelude, with the semantics Chromium and Mozilla document.

Written for CallReady from the documented behaviour (Netscape's 1996 PAC description, Chromium's
`proxy_resolver_v8` bindings and tests, Mozilla's PAC utilities): `dnsDomainIs` is case-sensitive, `shExpMatch`
turns `*`/`?` into a regular expression (other regex characters keep their meaning, as in browsers),
`isInNet` takes dotted-quad patterns and masks (non-contiguous masks allowed), the date and time functions read
`new Date()` (the sandbox pins it to an injected clock). Everything runs inside JavaScript, without callbacks
into Python (QuickJS's time limit forbids them): look-ups read an injected table (`__pac_dns`; names it lacks are
listed in `__pac_missing` and answered as failed look-ups), `myIpAddress[Ex]` read `__pac_me`.
"""

from __future__ import annotations

PRELUDE_JS = r"""
(function (g) {
  'use strict';
  var dns = g.__pac_dns, me = g.__pac_me, missing = g.__pac_missing, alerts = g.__pac_alerts;
  var MAX_NAMES = 64, MAX_ALERTS = 20, MAX_LIST = 64;
  function str(x) { return typeof x === 'string'; }
  function dotted(text) {
    var m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
    return m !== null && m[1] <= 255 && m[2] <= 255 && m[3] <= 255 && m[4] <= 255;
  }
  function toInt32(text) {
    var p = String(text).split('.');
    return ((p[0] & 255) << 24) | ((p[1] & 255) << 16) | ((p[2] & 255) << 8) | (p[3] & 255);
  }
  function parseV4(text) {
    var m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
    if (m === null || m[1] > 255 || m[2] > 255 || m[3] > 255 || m[4] > 255) { return null; }
    return [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
  }
  function parseV6(text) {  // RFC 4291 §2.2 text forms; no brackets, zones or spaces
    if (!str(text) || text.length > 45 || !/^[0-9A-Fa-f:.]+$/.test(text) || text.indexOf(':') < 0) { return null; }
    var v4 = null, cut = text.lastIndexOf(':');
    if (text.indexOf('.') >= 0) {
      v4 = parseV4(text.slice(cut + 1));
      if (v4 === null) { return null; }
      text = text.slice(0, cut + 1) + '0:0';
    }
    var halves = text.split('::');
    if (halves.length > 2) { return null; }
    function groups(part) {
      if (part === '') { return []; }
      var words = part.split(':'), out = [];
      for (var i = 0; i < words.length; i++) {
        if (!/^[0-9A-Fa-f]{1,4}$/.test(words[i])) { return null; }
        out.push(parseInt(words[i], 16));
      }
      return out;
    }
    var head = groups(halves[0]), tail = halves.length == 2 ? groups(halves[1]) : [];
    if (head === null || tail === null) { return null; }
    var all;
    if (halves.length == 2) {
      if (head.length + tail.length > 7) { return null; }
      all = head.concat(new Array(8 - head.length - tail.length).fill(0), tail);
    } else if (head.length == 8) {
      all = head;
    } else {
      return null;
    }
    if (v4 !== null) { all[6] = v4[0] * 256 + v4[1]; all[7] = v4[2] * 256 + v4[3]; }
    return all;
  }
  function parseIp(text) {  // {v: 4|6, w: eight 16-bit words, IPv4 as IPv4-mapped IPv6 (RFC 4291 §2.5.5.2)}
    if (!str(text)) { return null; }
    var b = parseV4(text);
    if (b !== null) { return {v: 4, w: [0, 0, 0, 0, 0, 65535, b[0] * 256 + b[1], b[2] * 256 + b[3]]}; }
    var w = parseV6(text);
    return w === null ? null : {v: 6, w: w};
  }
  function samePrefix(a, b, bits) {
    for (var i = 0; i < 8 && bits > 0; i++, bits -= 16) {
      var keep = bits >= 16 ? 65535 : (65535 << (16 - bits)) & 65535;
      if ((a[i] & keep) != (b[i] & keep)) { return false; }
    }
    return true;
  }
  function compareIp(a, b) {
    if (a.v != b.v) { return a.v == 6 ? -1 : 1; }
    for (var i = 0; i < 8; i++) { if (a.w[i] != b.w[i]) { return a.w[i] < b.w[i] ? -1 : 1; } }
    return 0;
  }
  function lookUp(name) {  // addresses from the table, or null (and the name listed) when the table has no answer
    if (name.length == 0 || name.length > 253 || /[\s\/\\\u0000]/.test(name)) { return []; }
    var key = name.toLowerCase().replace(/\.$/, '');
    if (Object.prototype.hasOwnProperty.call(dns, key)) { return dns[key]; }
    if (missing.indexOf(key) < 0 && missing.length < MAX_NAMES) { missing.push(key); }
    return null;
  }
  var WEEKDAYS = {SUN: 0, MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6};
  var MONTHS = {JAN: 0, FEB: 1, MAR: 2, APR: 3, MAY: 4, JUN: 5, JUL: 6, AUG: 7, SEP: 8, OCT: 9, NOV: 10, DEC: 11};
  function lookup(table, name) { return Object.prototype.hasOwnProperty.call(table, name) ? table[name] : -1; }
  function inOrder(first, now, last) {  // a range given in either order: reversed ranges wrap around
    return first <= last ? first <= now && now <= last : now <= last || now >= first;
  }
  function asUtcFields(d) {  // the UTC time written into local fields, field by field in place, as browsers do
    d.setFullYear(d.getUTCFullYear()); d.setMonth(d.getUTCMonth()); d.setDate(d.getUTCDate());
    d.setHours(d.getUTCHours()); d.setMinutes(d.getUTCMinutes()); d.setSeconds(d.getUTCSeconds());
    return d;
  }

  g.isPlainHostName = function (host) {
    if (!str(host)) { throw new TypeError('Requires 1 string parameter'); }
    return host.indexOf('.') < 0 && parseV6(host) === null;
  };
  g.dnsDomainIs = function (host, domain) {
    return host.length >= domain.length && host.substring(host.length - domain.length) == domain;
  };
  g.localHostOrDomainIs = function (host, hostdom) {
    return host == hostdom || hostdom.lastIndexOf(host + '.', 0) == 0;
  };
  g.dnsDomainLevels = function (host) { return host.split('.').length - 1; };
  g.dnsResolve = function (host) {  // the first IPv4 address (Chromium resolves IPv4 only here), else null
    if (!str(host)) { return null; }
    if (parseV4(host) !== null) { return host; }
    if (parseV6(host) !== null) { return null; }
    var found = lookUp(host) || [];
    for (var i = 0; i < found.length; i++) { if (parseV4(found[i]) !== null) { return found[i]; } }
    return null;
  };
  g.dnsResolveEx = function (host) {  // every address, ';'-separated; '' when the name does not resolve
    if (!str(host)) { return null; }
    if (parseIp(host) !== null) { return host; }
    return (lookUp(host) || []).slice(0, MAX_LIST).join(';');
  };
  g.isResolvable = function (host) { return g.dnsResolve(host) != null; };
  g.isResolvableEx = function (host) { return g.dnsResolveEx(host) != ''; };
  g.myIpAddress = function () { return me.v4; };
  g.myIpAddressEx = function () { return me.all.join(';'); };
  g.isInNet = function (address, pattern, mask) {
    if (!dotted(pattern) || !dotted(mask)) { return false; }
    if (!dotted(address)) {
      address = g.dnsResolve(address);
      if (address == null) { return false; }
    }
    var m = toInt32(mask);
    return (toInt32(address) & m) == (toInt32(pattern) & m);
  };
  g.isInNetEx = function (address, prefix) {
    if (arguments.length < 2 || !str(address) || !str(prefix)) { return null; }
    var ip = parseIp(address), parts = prefix.split('/');
    if (ip === null || parts.length != 2 || !/^\d{1,3}$/.test(parts[1])) { return false; }
    var net = parseIp(parts[0]), bits = Number(parts[1]);
    if (net === null || bits > (net.v == 4 ? 32 : 128)) { return false; }
    return samePrefix(ip.w, net.w, net.v == 4 ? bits + 96 : bits);
  };
  g.sortIpAddressList = function (list) {
    if (!str(list)) { return null; }
    var items = [], words = list.split(';');
    for (var i = 0; i < words.length && items.length <= MAX_LIST; i++) {
      var text = words[i].replace(/^[ \t]+|[ \t]+$/g, '');
      if (text === '') { continue; }
      var ip = parseIp(text);
      if (ip === null) { return false; }
      items.push({ip: ip, text: text, at: items.length});
    }
    if (items.length == 0 || items.length > MAX_LIST) { return false; }
    items.sort(function (a, b) { return compareIp(a.ip, b.ip) || a.at - b.at; });
    return items.map(function (x) { return x.text; }).join(';');
  };
  g.getClientVersion = function () { return '1.0'; };
  g.shExpMatch = function (text, pattern) {
    var re = pattern.replace(/\./g, '\\.').replace(/\*/g, '.*').replace(/\?/g, '.');
    return new RegExp('^' + re + '$').test(text);
  };
  g.weekdayRange = function () {
    var n = arguments.length, now = new Date(), today;
    if (n < 1) { return false; }
    if (arguments[n - 1] == 'GMT') { n--; today = now.getUTCDay(); } else { today = now.getDay(); }
    var first = lookup(WEEKDAYS, arguments[0]);
    var last = n == 2 ? lookup(WEEKDAYS, arguments[1]) : first;
    if (first == -1 || last == -1) { return false; }
    return inOrder(first, today, last);
  };
  g.dateRange = function () {
    var n = arguments.length, now = new Date(), i, v;
    if (n < 1) { return false; }
    var gmt = arguments[n - 1] == 'GMT';
    if (gmt) { n--; }
    if (n == 1) {
      v = parseInt(arguments[0]);
      if (isNaN(v)) { return (gmt ? now.getUTCMonth() : now.getMonth()) == lookup(MONTHS, arguments[0]); }
      if (v < 32) { return (gmt ? now.getUTCDate() : now.getDate()) == v; }
      return (gmt ? now.getUTCFullYear() : now.getFullYear()) == v;
    }
    var year = now.getFullYear();
    var from = new Date(year, 0, 1, 0, 0, 0), to = new Date(year, 11, 31, 23, 59, 59);
    var sameMonth = false, half = n >> 1;
    function apply(bound, arg, isFrom) {
      var num = parseInt(arg);
      if (isNaN(num)) { bound.setMonth(lookup(MONTHS, arg)); }
      else if (num < 32) { if (isFrom) { sameMonth = n <= 2; } bound.setDate(num); }
      else { bound.setFullYear(num); }
    }
    for (i = 0; i < half; i++) { apply(from, arguments[i], true); }
    for (i = half; i < n; i++) { apply(to, arguments[i], false); }
    if (sameMonth) { from.setMonth(now.getMonth()); to.setMonth(now.getMonth()); }
    if (gmt) { now = asUtcFields(now); }
    return inOrder(from, now, to);
  };
  g.timeRange = function () {
    var n = arguments.length, now = new Date(), gmt = false;
    if (n < 1) { return false; }
    if (arguments[n - 1] == 'GMT') { gmt = true; n--; }
    var hour = gmt ? now.getUTCHours() : now.getHours();
    if (n == 1) { return hour == arguments[0]; }
    if (n == 2) { return arguments[0] <= hour && hour <= arguments[1]; }
    var from = new Date(), to = new Date(), half = n >> 1;
    if (n == 6) { from.setSeconds(arguments[2]); to.setSeconds(arguments[5]); }
    else if (n != 4) { throw 'timeRange: bad number of arguments'; }
    from.setHours(arguments[0]); from.setMinutes(arguments[1]);
    to.setHours(arguments[half]); to.setMinutes(arguments[half + 1]);
    if (n == 4) { to.setSeconds(59); }
    if (gmt) { now = asUtcFields(now); }
    return inOrder(from, now, to);
  };
  g.alert = function (message) {
    if (alerts.length < MAX_ALERTS) { alerts.push(String(message).slice(0, 200)); }
  };
})(globalThis);
"""

# `new Date()` pinned to the injected instant; QuickJS parses only ISO dates, so the forms V8 and SpiderMonkey also
# read ("Tue Mar 03 2009", "Mar 03, 2009 03:34:01 GMT", Date.prototype.toString output) are parsed here too.
CLOCK_JS = r"""
(function (g, fixedMs) {
  var RealDate = g.Date;
  var MONTH = {jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11};
  var LEGACY = /^\s*(?:[A-Za-z]{3}[a-z]*,?\s+)?([A-Za-z]{3})[a-z]*\s+(\d{1,2}),?\s+(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*(?:(GMT|UTC|Z)\s*(?:([+-])(\d{2}):?(\d{2}))?)?\s*(?:\([^)]*\))?\s*$/;
  function parse(text) {
    var ms = RealDate.parse(text);
    if (!isNaN(ms)) { return ms; }
    var m = LEGACY.exec(String(text));
    var month = m ? MONTH[m[1].toLowerCase()] : undefined;
    if (month === undefined) { return NaN; }
    var f = [Number(m[3]), month, Number(m[2]), Number(m[4] || 0), Number(m[5] || 0), Number(m[6] || 0)];
    if (!m[7]) { return new RealDate(f[0], f[1], f[2], f[3], f[4], f[5]).getTime(); }
    var offset = m[8] ? (m[8] == '+' ? 1 : -1) * (Number(m[9]) * 60 + Number(m[10])) * 60000 : 0;
    return RealDate.UTC(f[0], f[1], f[2], f[3], f[4], f[5]) - offset;
  }
  function PacDate() {
    if (!(this instanceof PacDate)) { return new RealDate(fixedMs).toString(); }
    if (arguments.length == 0) { return new RealDate(fixedMs); }
    if (arguments.length == 1 && typeof arguments[0] === 'string') { return new RealDate(parse(arguments[0])); }
    var args = [null].concat(Array.prototype.slice.call(arguments));
    return new (Function.prototype.bind.apply(RealDate, args))();
  }
  PacDate.prototype = RealDate.prototype;
  PacDate.now = function () { return fixedMs; };
  PacDate.UTC = RealDate.UTC;
  PacDate.parse = parse;
  g.Date = PacDate;
})(globalThis, %s);
"""
