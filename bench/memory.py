#!/usr/bin/python3
"""Resident memory of the children after a long mixed run, with and
without mod_expect.

lib.policy_config "stock" and "module" run side by side (event MPM, a
fixed pool of 2 children x 32 threads, so no child is replaced during the
run). ROUNDS times, alternately on each side, the same requests: h2load
(REQUESTS GETs of the static file, REQUESTS POSTs with Expect to the Lua
handler under continue, and as many under immediate), then a raw-socket
client posting with Expect to the static file, a missing file, and the
ignore and reject URLs (each closes its connection). Then VmRSS and Pss
(/proc/<pid>/smaps_rollup) of the children (the two workers and
mod_cgid's daemon) are summed.
"""
import os
import sys

import lib
from lib import client

ROUNDS = 3
REQUESTS = 30000     # per h2load run
MIXED = 150          # raw-socket requests per kind and round
BODY = b"m" * 4096


def h2load(port, path, body_file=None):
    cmd = ["h2load", "--h1", "-t1", "-c16", "-n", str(REQUESTS)]
    if body_file:
        cmd += ["-d", body_file, "-H", "Expect: 100-continue"]
    out = lib.run(cmd + ["http://127.0.0.1:%d%s" % (port, path)],
                  timeout=300)
    if " 0 failed, 0 errored" not in out:
        raise RuntimeError("h2load failed:\n" + out)
    return int(out.split("requests: ")[1].split()[0])


def mixed(port):
    """Posts with Expect that end without the body read, or closed."""
    count = 0
    for _ in range(MIXED):
        for path in ("/static.txt", "/missing", "/lua/reject", "/lua/ignore"):
            c = client.Conn(port)
            try:
                c.send(lib.post_head(path, len(BODY)))
                if path == "/lua/ignore":
                    c.send(BODY)    # no 100 will come: send at once
                first = c.read_head(10)
                if first.status == 100:
                    c.send(BODY)
                    c.read_response("POST", 10)
                else:
                    c.read_body(first, "POST", 10)
                count += 1
            finally:
                c.close()
    return count


def memory(httpd):
    rss = pss = 0
    children = httpd.children()
    for pid in children:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
    return {"children": len(children), "rss_kib": rss, "pss_kib": pss}


def main():
    lib.stage_module()
    body_file = os.path.join(lib.RUN, "body-4096")
    with open(body_file, "wb") as f:
        f.write(BODY)
    servers = {}
    requests = {"stock": 0, "module": 0}
    results = {"loadavg": [lib.loadavg()]}
    try:
        for kind in requests:
            servers[kind] = lib.start(kind, "memory-" + kind)
        for _ in range(ROUNDS):
            for kind, httpd in servers.items():
                requests[kind] += h2load(httpd.port, "/static.txt")
                for p in ("continue", "immediate"):
                    requests[kind] += h2load(httpd.port, "/lua/" + p,
                                             body_file)
                requests[kind] += mixed(httpd.port)
        for kind, httpd in servers.items():
            results[kind] = dict(memory(httpd), requests=requests[kind])
            print("  %-6s %d children, RSS %6.1f MiB, PSS %6.1f MiB after "
                  "%d requests" % (kind, results[kind]["children"],
                                   results[kind]["rss_kib"] / 1024,
                                   results[kind]["pss_kib"] / 1024,
                                   requests[kind]), flush=True)
    finally:
        for s in servers.values():
            s.stop()
    results["loadavg"].append(lib.loadavg())
    lib.save_result("memory", results)
    return results


if __name__ == "__main__":
    sys.exit(main() and 0)
