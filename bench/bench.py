#!/usr/bin/python3
"""Runs the benchmarks and writes BENCHMARKS.md.

    PYTHONPATH=test /usr/bin/python3 bench/bench.py [part ...]

Parts: callgrind throughput uploads ttfc memory (all by default). Each
part stores its results in bench/run/results.json; BENCHMARKS.md is
rendered from bench/BENCHMARKS.md.in with the latest results of every
part. Needs the module built (`make`), valgrind, h2load (nghttp2-client)
and curl; runs as root or as a user who may start apache2.
"""
import importlib
import shutil
import sys
import time

import lib
import report

PARTS = ("callgrind", "throughput", "uploads", "ttfc", "memory")
TOOLS = ("valgrind", "callgrind_annotate", "h2load", "curl")


def main(argv):
    parts = argv or list(PARTS)
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        raise SystemExit("unknown part(s) %s; parts: %s"
                         % (" ".join(unknown), " ".join(PARTS)))
    absent = [t for t in TOOLS if not shutil.which(t)]
    if absent:
        raise SystemExit("missing: %s (Debian: valgrind, nghttp2-client, "
                         "curl)" % " ".join(absent))
    lib.stage_module()
    # Parts measured earlier keep their durations.
    seconds = lib.load_results().get("run", {}).get("seconds", {})
    run = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           "machine": lib.machine(), "loadavg": [lib.loadavg()],
           "seconds": seconds, "parts": parts}
    for part in parts:
        print("== %s (load average %s)" % (part, lib.loadavg()), flush=True)
        t0 = time.time()
        importlib.import_module(part).main()
        run["seconds"][part] = round(time.time() - t0)
    run["loadavg"].append(lib.loadavg())
    lib.save_result("run", run)
    report.main()
    print("%d s in all" % sum(run["seconds"][p] for p in parts))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
