#!/usr/bin/python3
"""Writes BENCHMARKS.md from bench/BENCHMARKS.md.in and the results of
the last run of each part (bench/run/results.json), and prints the
tables. Each @name@ in the template is replaced by the table `name`."""
import os
import re

import lib

TEMPLATE = os.path.join(lib.HERE, "BENCHMARKS.md.in")
OUTPUT = os.path.join(lib.TOP, "BENCHMARKS.md")


def table(head, rows):
    out = ["| " + " | ".join(head) + " |",
           "|" + "|".join("---" if i == 0 else "---:"
                          for i in range(len(head))) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def missing(part):
    return "(not measured: run `bench/bench.py %s`)" % part


def run_info(r):
    run = r.get("run")
    if not run:
        return missing("")
    m = run["machine"]
    secs = ", ".join("%s %.0f s" % kv for kv in run["seconds"].items())
    return "\n".join([
        "- Last run: %s (parts: %s)" % (run["date"], " ".join(run["parts"])),
        "- Machine: %s, %d cores, %d GiB; %s, kernel %s"
        % (m["cpu"], m["cores"], m["memory_gib"], m["os"], m["kernel"]),
        "- Software: Apache/%s (Debian), %s, %s, %s"
        % (m["apache2"], m["valgrind"], m["h2load"].replace(" nghttp2/",
                                                             " "),
           m["curl"].split(" (")[0]),
        "- Load average (1, 5, 15 min) at the start: %s; at the end: %s"
        % (run["loadavg"][0], run["loadavg"][-1]),
        "- Duration of the parts: %.0f s in all (%s)"
        % (sum(run["seconds"].values()), secs),
    ])


# (scenario, its stock, label, target of instructions added)
GET_ROWS = [
    ("get module", "get stock", "loaded: server `ExpectPolicy` + "
     "`<Location>` policies", 70),
    ("get unknown", "get stock", "the same + `ExpectUnknown ignore`", 150),
    ("get2 module", "get2 stock", "second configuration, loaded", 70),
    ("get2 unknown", "get2 stock", "second configuration + "
     "`ExpectUnknown ignore`", 150),
]


def median(values):
    values = sorted(values)
    n = len(values)
    return (values[n // 2] if n % 2
            else (values[n // 2 - 1] + values[n // 2]) / 2)


def function_diff(mine, theirs):
    """Instructions per request by function, one profile minus another."""
    a, b = by_function(mine), by_function(theirs)
    return {f: a.get(f, 0) - b.get(f, 0) for f in set(a) | set(b)}


def own_rows(c, name, stock):
    """The module's own rows (ATTRIBUTABLE: its functions, the hook
    runners, the merge step, what its head filter calls) added up, run by
    run against the stock run of the same round; their median."""
    sums = [sum(v for f, v in function_diff(mine, theirs).items()
                if ATTRIBUTABLE.match(f))
            for mine, theirs in zip(c[name].get("runs_exclusive", []),
                                    c[stock].get("runs_exclusive", []))]
    return median(sums) if sums else None


def callgrind_get(r):
    c = r.get("callgrind", {})
    if "get stock" not in c:
        return missing("callgrind")
    rows = []
    for stock, label in (("get stock", "mod_expect not loaded"),
                         ("get2 stock", "second configuration, "
                          "mod_expect not loaded")):
        if stock in c:
            v = c[stock]
            rows.append([label, "%.0f" % v["per_request"],
                         "%.0f – %.0f" % (min(v["runs"]), max(v["runs"])),
                         "—", "—", "—"])
        for name, base, label, _ in GET_ROWS:
            if base != stock or name not in c:
                continue
            v = c[name]
            added = v["per_request"] - c[stock]["per_request"]
            own = own_rows(c, name, stock)
            rows.append([label, "%.0f" % v["per_request"],
                         "%.0f – %.0f" % (min(v["runs"]), max(v["runs"])),
                         "%+.0f" % added,
                         "%+.2f %%" % (100 * added / c[stock]["per_request"]),
                         "—" if own is None else "%+.0f" % own])
    return table(["GET /static.txt, keep-alive", "instructions/request "
                  "(median of %d)" % len(c["get stock"]["runs"]),
                  "runs (min – max)", "added (A/B)", "added %",
                  "module's own rows (median)"], rows)


def by_function(d):
    """Merged by function name: callgrind names the objects of stripped
    code inconsistently, which shows as equal and opposite entries."""
    out = {}
    for k, v in d.items():
        name = k.split(" [")[0]
        if "mod_expect" not in k:
            name = re.sub(r"'\d+$", "", name)
        out[name] = out.get(name, 0) + v
    return out


# Functions that run because of mod_expect: its own, the hook runners,
# and what its head filter calls. Everything else moves by a few
# instructions either way with I/O timing and memory layout.
ATTRIBUTABLE = re.compile(r"^(expect_|ap_run_|ap_read_request$|"
                          r"ap_merge_per_dir_configs$|apr_brigade_p?flatten$|"
                          r"apr_brigade_length$|apr_palloc$|apr_pcalloc$|"
                          r"__strncasecmp|ap_get_brigade$|"
                          r"ap_remove_input_filter$|"
                          r"ap_add_input_filter_handle$)")


PROFILE_COLUMNS = [("get module", "get stock", "loaded"),
                   ("get unknown", "get stock", "+ ExpectUnknown ignore"),
                   ("get12 unknown", "get12 stock",
                    "+ ExpectUnknown ignore, 10 more header lines")]


def profile(r):
    c = r.get("callgrind", {})
    columns = [col for col in PROFILE_COLUMNS
               if col[0] in c and col[1] in c]
    if len(columns) < 2:
        return missing("callgrind")
    diffs = [function_diff(c[name]["exclusive"], c[stock]["exclusive"])
             for name, stock, _ in columns]
    totals = [c[name]["per_request"] - c[stock]["per_request"]
              for name, stock, _ in columns]
    rows = sorted({f for d in diffs for f, v in d.items()
                   if ATTRIBUTABLE.match(f) and abs(v) >= 2},
                  key=lambda f: tuple(-d.get(f, 0) for d in diffs) + (f,))
    body = [["`%s`" % f] + ["%+.0f" % d.get(f, 0) for d in diffs]
            for f in rows]
    body.append(["all other functions"] + [
        "%+.0f" % (t - sum(d.get(f, 0) for f in rows))
        for t, d in zip(totals, diffs)])
    body.append(["**total**"] + ["**%+.0f**" % t for t in totals])
    return table(["function (exclusive instructions per request, versus "
                  "stock)"] + [label for _, _, label in columns], body)


def per_line(r):
    """What a header line more costs, from the GET with 2 lines after
    the request line (Host, the blank line) and the one with 12."""
    c = r.get("callgrind", {})
    short = [("get stock", None), ("get module", "get stock"),
             ("get unknown", "get stock")]
    long_ = [("get12 stock", None), ("get12 module", "get12 stock"),
             ("get12 unknown", "get12 stock")]
    if not all(n in c for n, _ in short + long_):
        return missing("callgrind")

    def cells(pairs):
        out = []
        for name, stock in pairs:
            if stock is None:
                out.append(c[name]["per_request"])
            else:
                out.append((c[name]["per_request"] - c[stock]["per_request"],
                            own_rows(c, name, stock)))
        return out
    a, b = cells(short), cells(long_)

    def fmt(cell, scale=1):
        if isinstance(cell, tuple):
            return "%+.0f / %+.0f" % (cell[0] / scale, cell[1] / scale)
        return "%.0f" % (cell / scale)
    rows = [["Host and the blank line"] + [fmt(x) for x in a],
            ["the same and 10 more lines, a browser's"]
            + [fmt(x) for x in b]]
    rows.append(["each line more"] + [
        "%+.0f" % ((y - x) / 10) if not isinstance(x, tuple) else
        "%+.1f / %+.1f" % ((y[0] - x[0]) / 10, (y[1] - x[1]) / 10)
        for x, y in zip(a, b)])
    return table(["GET /static.txt, keep-alive: header lines",
                  "stock (instructions/request)",
                  "loaded: added, A/B / own rows",
                  "+ `ExpectUnknown ignore`: added, A/B / own rows"], rows)


# The module's own rows of the profile, by what they pay for, with
# ExpectUnknown ignore: the parts of that column, from the same runs.
UNKNOWN_PARTS = [
    ("the module loaded, as without `ExpectUnknown`",
     r"^(ap_merge_per_dir_configs|ap_run_header_parser|ap_run_handler|"
     r"expect_header_parser|expect_before_default_handler)$"),
    ("the `pre_read_request` and `post_read_request` hooks: runner steps "
     "and calls", r"^(ap_read_request|ap_run_post_read_request|"
     r"expect_pre_read_request|expect_post_read_request)$"),
    ("every read passing `EXPECT_HEAD`: the filter's test and one more "
     "`ap_get_brigade`", r"^(expect_head_filter|ap_get_brigade)$"),
    ("the look at each line of the head", r"^expect_head_line$"),
]


def unknown_parts(r):
    c = r.get("callgrind", {})
    if not all(k in c for k in ("get stock", "get unknown")):
        return missing("callgrind")
    diff = {f: v for f, v in function_diff(c["get unknown"]["exclusive"],
                                           c["get stock"]["exclusive"]).items()
            if ATTRIBUTABLE.match(f)}
    rows, used = [], set()
    for label, pattern in UNKNOWN_PARTS:
        names = {f for f in diff if re.match(pattern, f)}
        used |= names
        rows.append([label, "%+.0f" % sum(diff[f] for f in names)])
    floor = sum(float(row[1]) for row in rows[:3])
    rows.append(["everything else of the module's own rows",
                 "%+.0f" % sum(v for f, v in diff.items() if f not in used)])
    rows.append(["**the module's own rows**",
                 "**%+.0f**" % sum(diff.values())])
    return (table(["GET /static.txt (Host and the blank line), "
                   "`ExpectUnknown ignore`, the profile's median run",
                   "instructions/request"], rows)
            + "\n\nThe first three rows add up to %+.0f, %s the target of "
            "150." % (floor, "over" if floor > 150 else "within"))


def targets(r):
    c = r.get("callgrind", {})
    t = r.get("throughput", {}).get("get", {})
    rows = []
    for name, stock, label, limit in GET_ROWS:
        if name in c and stock in c:
            added = c[name]["per_request"] - c[stock]["per_request"]
            own = own_rows(c, name, stock)
            met = added <= limit and own is not None and own <= limit
            rows.append(["at most %d instructions/request added, %s"
                         % (limit, label[0].lower() + label[1:]),
                         "A/B %+.0f, own rows %s" % (
                             added, "—" if own is None else "%+.0f" % own),
                         "yes" if met else "no"])
    for name, label in (("module", "loaded and configured"),
                        ("unknown", "+ `ExpectUnknown ignore`")):
        if name in t:
            v = t[name]
            low, high = v["paired_range"]
            if v["ratio"] >= 0.99:
                met = "yes"
            elif low <= 1 <= high:
                met = ("not resolved: the ratio moved from %.2f to %.2f "
                       "between rounds" % (low, high))
            else:
                met = "no"
            rows.append(["throughput ratio at least 0.99, " + label,
                         "%.3f (median of per-round ratios %.3f)"
                         % (v["ratio"], v["paired"]), met])
    if not rows:
        return missing("callgrind throughput")
    return table(["target (requests without Expect)", "measured", "met"],
                 rows)


EXPECT_ROWS = [
    ("continue", "expect continue", "expect stock wait",
     "waits for 100, then sends"),
    ("immediate", "expect immediate", "expect stock wait",
     "waits for 100, then sends"),
    ("ignore", "expect ignore", "expect stock send",
     "sends the body at once"),
    ("reject", "expect reject", "expect stock wait",
     "waits for 100 (gets 417)"),
]


def callgrind_expect(r):
    c = r.get("callgrind", {})
    rows = []
    for policy, name, stock, how in EXPECT_ROWS:
        if name not in c or stock not in c:
            continue
        a, b = c[name]["per_request"], c[stock]["per_request"]
        rows.append([policy, how, "%.0f" % b, "%.0f" % a, "%+.0f" % (a - b),
                     "%.3f" % (a / b)])
    if not rows:
        return missing("callgrind")
    return table(["ExpectPolicy", "client", "stock", "mod_expect",
                  "difference", "ratio"], rows)


def throughput(r):
    t = r.get("throughput")
    if not t:
        return missing("throughput")
    rows = []
    names = {"get": {"stock": "not loaded", "module": "loaded, configured",
                     "unknown": "+ `ExpectUnknown ignore`"},
             "expect": {"stock": "not loaded", "continue":
                        "`ExpectPolicy continue`", "immediate":
                        "`ExpectPolicy immediate`"}}
    what = {"get": "GET /static.txt",
            "expect": "POST 1000 B + Expect, Lua reads it"}
    for group in ("get", "expect"):
        for label in names[group]:
            v = t[group][label]
            rows.append([what[group], names[group][label],
                         "%.0f" % v["median"], "%.3f" % v["ratio"],
                         "%.3f" % v["paired"],
                         "%.2f – %.2f" % tuple(v["paired_range"])])
    return (table(["requests", "mod_expect", "req/s (median)",
                   "ratio of medians", "median of per-round ratios",
                   "per-round ratios (min – max)"], rows)
            + "\n\n%d rounds of %d s per side, h2load -c %d; load average "
            "%s before, %s after." % (t["rounds"], t["seconds"],
                                      t["concurrency"], t["loadavg"][0],
                                      t["loadavg"][-1]))


def uploads(r):
    u = r.get("uploads")
    if not u:
        return missing("uploads")
    rows = []
    for cell in u["cells"]:
        s, m = cell["stock"], cell["module"]
        rows.append(["%d MB" % cell["mb"], cell["target"],
                     "%d / %d" % (s["status"], m["status"]),
                     "{:,}".format(int(s["received"])),
                     "{:,}".format(int(m["received"])),
                     "{:,}".format(int(s["sent"])),
                     "{:,}".format(int(m["sent"])),
                     "%.1f" % (1000 * s["seconds"]),
                     "%.1f" % (1000 * m["seconds"])])
    return (table(["POST + Expect", "to", "status stock / module",
                   "bytes read by httpd, stock", "… mod_expect",
                   "bytes curl sent, stock", "… mod_expect",
                   "ms to response, stock", "… mod_expect"], rows)
            + "\n\nMedians of %d runs; load average %s before, %s after."
            % (u["repeats"], u["loadavg"][0], u["loadavg"][-1]))


def ttfc(r):
    t = r.get("ttfc")
    if not t:
        return missing("ttfc")
    rows = []
    for where, label in (("proxy", "mod_proxy_http, backend answers "
                          "Expect after %d ms" % (1000 * t["delay"])),
                         ("cgi", "CGI (mod_cgid, Python script)")):
        for policy in ("continue", "immediate"):
            v = t["%s %s" % (where, policy)]
            rows.append([label, policy, "%.1f" % (1000 * v["median"]),
                         "%.1f" % (1000 * v["p99"]),
                         "%.1f" % (1000 * v["final_median"])])
    return (table(["in front of", "ExpectPolicy", "ms to 100 (median)",
                   "ms to 100 (p99)", "ms to response (median)"], rows)
            + "\n\n%d requests per case, interleaved; load average %s "
            "before, %s after." % (t["requests"], t["loadavg"][0],
                                   t["loadavg"][-1]))


def memory(r):
    m = r.get("memory")
    if not m:
        return missing("memory")
    rows = []
    for kind, label in (("stock", "not loaded"), ("module", "loaded")):
        v = m[kind]
        rows.append([label, v["children"], "{:,}".format(v["requests"]),
                     "%.1f" % (v["rss_kib"] / 1024),
                     "%.1f" % (v["pss_kib"] / 1024),
                     "%.3f" % (v["rss_kib"] / m["stock"]["rss_kib"])])
    return (table(["mod_expect", "children", "requests served",
                   "RSS MiB (sum)", "PSS MiB (sum)", "RSS ratio"], rows)
            + "\n\nLoad average %s before, %s after."
            % (m["loadavg"][0], m["loadavg"][-1]))


TABLES = {"run": run_info, "callgrind_get": callgrind_get,
          "targets": targets, "per_line": per_line,
          "unknown_parts": unknown_parts,
          "profile": profile, "callgrind_expect": callgrind_expect,
          "throughput": throughput, "uploads": uploads, "ttfc": ttfc,
          "memory": memory}


def main():
    results = lib.load_results()
    tables = {name: f(results) for name, f in TABLES.items()}
    with open(TEMPLATE) as f:
        text = f.read()
    text = re.sub(r"@(\w+)@", lambda m: tables[m.group(1)], text)
    with open(OUTPUT, "w") as f:
        f.write(text)
    for name, t in tables.items():
        print("\n" + name + "\n" + t)
    print("\nwrote " + OUTPUT)


if __name__ == "__main__":
    main()
