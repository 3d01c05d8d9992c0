#!/usr/bin/python3
"""Uploads nobody reads: POST with Expect: 100-continue to a static file
(served by the core's default handler, which discards the body)
and to a missing one (404), stock httpd versus mod_expect (ExpectPolicy
continue, the default).

The client is curl (`--data-binary @file -H 'Expect: 100-continue'`):
its `-w` gives the bytes it sent (size_upload) and the time to the final
response (time_total); the access log's %I (mod_logio) gives the bytes
the server read for the request. Every cell runs REPEATS times,
interleaved stock / module; the report gives medians.
"""
import os
import sys
import time

import lib

SIZES_MB = (1, 10, 100)
TARGETS = (("static file", "/static.txt"), ("missing file", "/missing"))
REPEATS = 3


def access_lines(httpd):
    with open(os.path.join(httpd.root, "access.log")) as f:
        return f.read().splitlines()


def upload(httpd, path, data_file):
    """(status, bytes curl sent, bytes the server read, seconds)."""
    before = len(access_lines(httpd))
    out = lib.run(["curl", "-s", "-o", "/dev/null", "--max-time", "60",
                   "-H", "Expect: 100-continue", "--data-binary",
                   "@" + data_file, "-w",
                   "%{http_code} %{size_upload} %{time_total}",
                   "http://127.0.0.1:%d%s" % (httpd.port, path)])
    status, sent, seconds = out.split()[-3:]
    deadline = time.time() + 10
    while len(access_lines(httpd)) == before and time.time() < deadline:
        time.sleep(0.01)
    # %h "%r" %>s %I %O
    received = int(access_lines(httpd)[-1].split()[-2])
    return int(status), int(float(sent)), received, float(seconds)


def main():
    lib.stage_module()
    files = {}
    for mb in SIZES_MB:
        files[mb] = os.path.join(lib.RUN, "upload-%dMB" % mb)
        with open(files[mb], "wb") as f:
            f.write(b"u" * (mb << 20))
    servers = {}
    results = {"repeats": REPEATS, "loadavg": [lib.loadavg()], "cells": []}
    try:
        for kind in ("stock", "module"):
            servers[kind] = lib.start(kind, "uploads-" + kind)
        for mb in SIZES_MB:
            for target, path in TARGETS:
                runs = {"stock": [], "module": []}
                for _ in range(REPEATS):
                    for kind in runs:
                        runs[kind].append(upload(servers[kind], path,
                                                 files[mb]))
                cell = {"mb": mb, "target": target}
                for kind, rs in runs.items():
                    cell[kind] = {
                        "status": rs[0][0],
                        "sent": lib.median([r[1] for r in rs]),
                        "received": lib.median([r[2] for r in rs]),
                        "seconds": lib.median([r[3] for r in rs])}
                results["cells"].append(cell)
                print("  %3d MB %-12s stock %d %10d B %.3f s   "
                      "module %d %10d B %.3f s" % (
                          mb, target, cell["stock"]["status"],
                          cell["stock"]["received"],
                          cell["stock"]["seconds"],
                          cell["module"]["status"],
                          cell["module"]["received"],
                          cell["module"]["seconds"]), flush=True)
    finally:
        for s in servers.values():
            s.stop()
        for f in files.values():
            os.unlink(f)
    results["loadavg"].append(lib.loadavg())
    lib.save_result("uploads", results)
    return results


if __name__ == "__main__":
    sys.exit(main() and 0)
