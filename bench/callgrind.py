#!/usr/bin/python3
"""CPU instructions per request, with and without mod_expect (callgrind).

Each measurement starts `apache2 -X` (prefork, one process) under
`valgrind --tool=callgrind`, sends N requests from one client, stops httpd
(callgrind writes its profile at exit), and does it again with another N.
Start-up and shutdown are the same in both runs, so

    instructions per request = (I(N2) - I(N1)) / (N2 - N1)

The same difference per function (callgrind_annotate) shows where the
added instructions go.

Configurations: lib.policy_config (stock, module, unknown), under
prefork; and the second configuration (stock2, module2, unknown2: other
modules, per-directory sections of a distribution's default site), under
the event MPM.

Requests:
  get         GET of a 101-byte static file, keep-alive
  get12       the same with ten more header lines, as a browser sends
              them (what ExpectUnknown costs per line of a head)
  wait:/path  POST of 1000 bytes with Expect: 100-continue to the Lua
              handler that reads it; the client waits for 100 Continue
              and sends the body only then, as curl does
  send:/path  the same, the body sent right after the head (a client
              whose wait ran out)
  A connection is reused unless the server closes it or answered without
  a 100 (the body was never sent).

    bench/callgrind.py [scenario ...]
"""
import os
import re
import sys
import time

import lib
from lib import client

BODY = b"b" * 1000

REPEATS = 3
# name: (configuration, request, request counts)
GET_N = (500, 4500)
EXP_N = (100, 1100)
SCENARIOS = {
    "get stock": ("stock", "get", GET_N),
    "get module": ("module", "get", GET_N),
    "get unknown": ("unknown", "get", GET_N),
    "get2 stock": ("stock2", "get", GET_N),
    "get2 module": ("module2", "get", GET_N),
    "get2 unknown": ("unknown2", "get", GET_N),
    "get12 stock": ("stock", "get12", GET_N),
    "get12 module": ("module", "get12", GET_N),
    "get12 unknown": ("unknown", "get12", GET_N),
    "expect stock wait": ("stock", "wait:/lua/continue", EXP_N),
    "expect stock send": ("stock", "send:/lua/ignore", EXP_N),
    "expect continue": ("module", "wait:/lua/continue", EXP_N),
    "expect immediate": ("module", "wait:/lua/immediate", EXP_N),
    "expect ignore": ("module", "send:/lua/ignore", EXP_N),
    "expect reject": ("module", "wait:/lua/reject", EXP_N),
}


# Ten header lines of a browser's GET, none of them an Expect line.
BROWSER_LINES = [
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 "
    "Firefox/128.0",
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,"
    "*/*;q=0.8",
    "Accept-Language: en-US,en;q=0.5",
    "Accept-Encoding: gzip, deflate, br",
    "Referer: http://localhost/index.html",
    "Cookie: session=0123456789abcdef0123456789abcdef",
    "Upgrade-Insecure-Requests: 1",
    "Sec-Fetch-Dest: document",
    "Sec-Fetch-Mode: navigate",
    "Sec-Fetch-Site: same-origin",
]


def drive(port, request, count):
    """`count` requests; every answer is checked."""
    conn = None
    if request in ("get", "get12"):
        head = client.head("GET", "/static.txt", expect=None,
                           extra=BROWSER_LINES if request == "get12" else ())
    else:
        mode, path = request.split(":")
        head = lib.post_head(path, len(BODY))
        want = 417 if path.endswith("reject") else 200
    try:
        for _ in range(count):
            conn = conn or client.Conn(port)
            keep = True
            if request in ("get", "get12"):
                conn.send(head)
                resp = conn.read_response("GET", 30)
                ok = resp.status == 200 and resp.body == lib.STATIC.encode()
            else:
                if mode == "send":
                    conn.send(head + BODY)
                    resp = conn.read_response("POST", 30)
                else:
                    conn.send(head)
                    resp = conn.read_head(30)
                    if resp.status == 100:
                        conn.send(BODY)
                        resp = conn.read_response("POST", 30)
                    else:
                        conn.read_body(resp, "POST", 30)
                        keep = False
                ok = resp.status == want and (want != 200
                                              or resp.body == b"1000\n")
            if not ok:
                raise RuntimeError("%s: %r %r" % (request, resp, resp.body))
            if not keep or "close" in resp.connection():
                conn.close()
                conn = None
    finally:
        if conn:
            conn.close()


def profile(name, count):
    kind, request = SCENARIOS[name][:2]
    root = "callgrind/" + name.replace(" ", "-")
    out = os.path.join(lib.RUN, root + ".out")
    httpd = lib.start(kind, root, "event" if kind.endswith("2")
                      else "prefork", callgrind=out)
    try:
        drive(httpd.port, request, count)
    finally:
        httpd.stop()
    return annotate(out)


ROW = re.compile(r"^\s*([\d,]+)\s+(?:\(\s*[\d.]+%\)\s+)?(\S.*?)\s*$")


def annotate(path):
    """(total, {function: exclusive Ir}, {mod_expect function: inclusive
    Ir}) from callgrind_annotate."""
    def table(inclusive):
        text = lib.run(["callgrind_annotate", "--threshold=100", "--auto=no",
                        "--inclusive=" + inclusive, path])
        total, funcs = None, {}
        for line in text.splitlines():
            m = ROW.match(line)
            if not m:
                continue
            ir, what = int(m.group(1).replace(",", "")), m.group(2)
            if what == "PROGRAM TOTALS":
                total = ir
                continue
            # "file:function [object]" -> "function [object]"
            fm = re.match(r"^.*?:(\S+)(?: \[(.*)\])?$", what)
            if fm:
                key = "%s [%s]" % (fm.group(1),
                                   os.path.basename(fm.group(2) or "?"))
                funcs[key] = funcs.get(key, 0) + ir
        return total, funcs
    total, exclusive = table("no")
    _, inclusive = table("yes")
    return total, exclusive, {k: v for k, v in inclusive.items()
                              if "mod_expect.so" in k}


def measure(name):
    """One pair of runs: instructions per request, and the difference per
    function, per request."""
    n1, n2 = SCENARIOS[name][2]
    t1, ex1, in1 = profile(name, n1)
    t2, ex2, in2 = profile(name, n2)
    span = n2 - n1

    def diff(a, b):
        return {k: (b.get(k, 0) - a.get(k, 0)) / span for k in set(a) | set(b)
                if abs(b.get(k, 0) - a.get(k, 0)) >= span / 2}
    return (t2 - t1) / span, diff(ex1, ex2), diff(in1, in2)


def main(names=None):
    """Every scenario REPEATS times, interleaved (A B C A B C ...); the
    median, and the profile of the run that gave it."""
    lib.stage_module()
    names = names or list(SCENARIOS)
    runs = {name: [] for name in names}
    for rep in range(REPEATS):
        for name in names:
            t0 = time.time()
            runs[name].append(measure(name))
            print("  %-20s %9.0f instructions/request  (%.0f s)"
                  % (name, runs[name][-1][0], time.time() - t0), flush=True)
    results = lib.load_results().get("callgrind", {})
    for name in names:
        ordered = sorted(runs[name], key=lambda r: r[0])
        per_request, exclusive, inclusive = ordered[len(ordered) // 2]
        results[name] = {"per_request": per_request,
                         "runs": [r[0] for r in runs[name]],
                         "runs_exclusive": [r[1] for r in runs[name]],
                         "counts": SCENARIOS[name][2],
                         "exclusive": exclusive,
                         "expect_inclusive": inclusive}
    lib.save_result("callgrind", results)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
