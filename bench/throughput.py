#!/usr/bin/python3
"""Requests per second with h2load, with and without mod_expect.

The configurations of lib.policy_config run side by side (event MPM, a
fixed pool of 2 children x 32 threads). Each round runs h2load once
against each side, in a rotating order, for a fixed duration at a fixed
concurrency over keep-alive HTTP/1.1 connections; the report gives the
median requests per second of each side and its ratio to stock.

  get       GET /static.txt (101 bytes): stock, module, unknown
  expect    POST of 1000 bytes with Expect: 100-continue to the Lua
            handler that reads the body: stock, continue, immediate.
            h2load sends the body right after the head and takes the
            100 Continue in its stride.

h2load cannot drive ignore and reject: both close the connection after
each response (by design), and h2load stalls on a connection closed
after a 417 or spins on one closed after a 200 that followed no 100.
Their CPU cost is in the callgrind table.
"""
import os
import re
import sys

import lib

ROUNDS = 10
SECONDS = 2
CONCURRENCY = 16

GROUPS = {
    "get": [("stock", "stock", "/static.txt"),
            ("module", "module", "/static.txt"),
            ("unknown", "unknown", "/static.txt")],
    "expect": [("stock", "stock", "/lua/continue"),
               ("continue", "module", "/lua/continue"),
               ("immediate", "module", "/lua/immediate")],
}


def h2load(port, path, body_file):
    cmd = ["h2load", "--h1", "-t1", "-c%d" % CONCURRENCY, "-D", str(SECONDS)]
    if body_file:
        cmd += ["-d", body_file, "-H", "Expect: 100-continue"]
    out = lib.run(cmd + ["http://127.0.0.1:%d%s" % (port, path)],
                  timeout=SECONDS + 30)
    rate = re.search(r"finished in [\d.]+s, ([\d.]+) req/s", out)
    done = re.search(r"requests: (\d+) total, \d+ started, \d+ done, "
                     r"(\d+) succeeded, (\d+) failed, (\d+) errored", out)
    if not rate or not done or done.group(3) != "0" \
            or done.group(4) != "0" or int(done.group(2)) == 0:
        raise RuntimeError("h2load failed:\n" + out)
    return float(rate.group(1))


def main():
    lib.stage_module()
    body_file = os.path.join(lib.RUN, "body-1000")
    with open(body_file, "wb") as f:
        f.write(b"b" * 1000)
    servers = {}
    results = {"rounds": ROUNDS, "seconds": SECONDS,
               "concurrency": CONCURRENCY, "loadavg": [lib.loadavg()]}
    try:
        for kind in ("stock", "module", "unknown"):
            servers[kind] = lib.start(kind, "throughput-" + kind)
        for group, sides in GROUPS.items():
            rates = {label: [] for label, _, _ in sides}
            for r in range(ROUNDS):
                order = sides[r % len(sides):] + sides[:r % len(sides)]
                for label, kind, path in order:
                    rates[label].append(h2load(
                        servers[kind].port, path,
                        body_file if group == "expect" else None))
            stock = lib.median(rates["stock"])
            # The ratio of the medians, and the median of the ratios
            # within a round (robust to the load drifting between rounds).
            results[group] = {
                label: {"rates": v, "median": lib.median(v),
                        "ratio": lib.median(v) / stock,
                        "paired": lib.median([a / b for a, b in
                                              zip(v, rates["stock"])]),
                        "paired_range": [f([a / b for a, b in
                                            zip(v, rates["stock"])])
                                         for f in (min, max)]}
                for label, v in rates.items()}
            for label, v in results[group].items():
                print("  %-7s %-10s %9.0f req/s  ratio %.3f (paired %.3f)"
                      % (group, label, v["median"], v["ratio"], v["paired"]),
                      flush=True)
    finally:
        for s in servers.values():
            s.stop()
    results["loadavg"].append(lib.loadavg())
    lib.save_result("throughput", results)
    return results


if __name__ == "__main__":
    sys.exit(main() and 0)
