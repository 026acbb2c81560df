"""Proxy auto-config (PAC) evaluated as browsers evaluate it: helper library, answer parser, sandboxed evaluator.

`helpers` (pure IP-address helpers), `library` (the PAC helper functions, JavaScript), `answer` (the
`FindProxyForURL` answer parsed into proxy entries), `sandbox` (QuickJS with limits, run in a worker thread) and
`evaluator` (per-run: names resolved asynchronously first, answers cached per URL, the loop never waits).
"""
