#!/usr/bin/python3
"""Time to 100 Continue: ExpectPolicy continue versus immediate, in front
of a slow proxied backend and in front of a CGI, over loopback.

The backend is test/backend.py, which waits DELAY seconds before its own
100 Continue (as an application server busy with something else would);
with `continue` mod_proxy_http forwards the expectation and relays that
100, with `immediate` httpd answers it itself before the handler runs.
The CGI is test/pyhttpd.py's echo script (a Python interpreter that
reads the body): with `continue` the 100 waits until it starts reading.

The client (test/client.py) sends the head of a POST with Expect on a new
connection, measures the time to the 100, sends the body and reads the
response. REQUESTS requests per case, the cases interleaved.
"""
import os
import sys

import backend  # test/backend.py, on PYTHONPATH
import lib
from lib import client, pyhttpd

DELAY = 0.2
REQUESTS = 60
BODY = b"t" * 10000
CASES = [("proxy", "continue"), ("proxy", "immediate"),
         ("cgi", "continue"), ("cgi", "immediate")]


def main():
    lib.stage_module()
    back = backend.Backend(delay=DELAY)
    root = lib.new_root("ttfc")
    port = pyhttpd.free_port()
    htdocs = os.path.join(root, "htdocs")
    body = "ExpectPolicy continue\n"
    for p in ("continue", "immediate"):
        pyhttpd.write(os.path.join(htdocs, "cgi-" + p, "echo.cgi"),
                      pyhttpd.echo_cgi(), 0o755)
        body += """<Directory "{h}/cgi-{p}">
    ExpectPolicy {p}
</Directory>
<Location "/proxy-{p}">
    ExpectPolicy {p}
    ProxyPass "{b}/{p}"
</Location>
""".format(h=htdocs, p=p, b=back.url)
    httpd = lib.Httpd(root, lib.config(root, "event", port, True, body),
                      port)
    samples = {case: {"interim": [], "final": []} for case in CASES}
    results = {"delay": DELAY, "requests": REQUESTS,
               "loadavg": [lib.loadavg()]}
    httpd.start()
    try:
        for _ in range(REQUESTS):
            for where, policy in CASES:
                path = ("/proxy-%s/x" % policy if where == "proxy"
                        else "/cgi-%s/echo.cgi" % policy)
                ex = client.expect_exchange(port, path, BODY, wait=10,
                                            timeout=30)
                ex.conn.close()
                if ex.interim is None or ex.final.status != 200 \
                        or ex.final.json()["length"] != len(BODY):
                    raise RuntimeError("%s: no 100 or wrong answer: %r"
                                       % (path, ex.final))
                samples[(where, policy)]["interim"].append(ex.t_interim)
                samples[(where, policy)]["final"].append(ex.t_final)
    finally:
        httpd.stop()
        back.stop()
    for (where, policy), s in samples.items():
        results["%s %s" % (where, policy)] = {
            "median": lib.median(s["interim"]),
            "p99": lib.percentile(s["interim"], 99),
            "final_median": lib.median(s["final"])}
        print("  %-5s %-9s 100 after %7.1f ms median, %7.1f ms p99; "
              "response after %7.1f ms" % (
                  where, policy, 1000 * lib.median(s["interim"]),
                  1000 * lib.percentile(s["interim"], 99),
                  1000 * lib.median(s["final"])), flush=True)
    results["loadavg"].append(lib.loadavg())
    lib.save_result("ttfc", results)
    return results


if __name__ == "__main__":
    sys.exit(main() and 0)
