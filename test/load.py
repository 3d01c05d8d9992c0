#!/usr/bin/python3
"""Load test: mixed Expect traffic with graceful restarts.

    /usr/bin/python3 test/load.py prefork      # or event
    /usr/bin/python3 test/load.py event --duration 10 --module /tmp/x.so
    /usr/bin/python3 test/load.py event --modsecurity

Runs Debian's apache2 with mod_expect on a free loopback port (files in
test/run/load-<mpm>/) and --concurrency HTTP/1.1 clients for --duration
seconds, each sending the KINDS below in turn on keep-alive connections,
while `apache2 -k graceful` is issued --gracefuls times in the first
quarter of the run. It fails (exit status 1) unless:
  - every request got the answer of its kind: status, 100 Continue or
    none, what the CGI read, the close after a 417;
  - the error log shows every graceful restart and no child crash;
  - once the server is idle, the old generations gone and the pinned pool
    complete, the open fds and VmRSS of the apache2 processes have not
    grown since the warm-up beyond the bounds given at RSS_GROWTH.

A graceful restart closes kept-alive connections between requests without
notice, and a client must then retry on a new connection (RFC 9112 9.3.1).
A request whose reused connection closes before a single byte of the
answer is sent once more on a new connection and counted as retried; the
retried request must get the right answer.
"""
import argparse
import os
import re
import subprocess
import sys
import threading
import time

import client
import pyhttpd

sys.dont_write_bytecode = True

# kind: (path, Expect field, sends the body before an answer,
#        status, 100 Continue, Expect the CGI sees)
KINDS = {
    "none": ("/reject/echo.cgi", None, True, 200, False, "-"),
    "continue": ("/continue/echo.cgi", "100-continue", False, 200, True,
                 "100-continue"),
    "immediate": ("/immediate/echo.cgi", "100-continue", False, 200, True,
                  "100-continue"),
    "ignore": ("/ignore/echo.cgi", "100-continue", True, 200, False, "-"),
    "reject": ("/reject/echo.cgi", "100-continue", False, 417, False, None),
    "unknown": ("/continue/echo.cgi", "foo", True, 417, False, None),
}
# Seconds for each step of a request. 100 clients whose requests each
# start a CGI keep both CPUs busy; with the graceful restarts a request
# has been seen to wait more than 10 s for its turn on a loaded machine,
# with stock httpd's module set as with mod_expect: that is a slow answer,
# not a hang, and a hang still fails.
TIMEOUT = 30

# Once idle, a pool of the same size holds the same files (listeners,
# logs, pipes, epoll) after the run as after the warm-up: the open fds
# must not grow at all. VmRSS:
#  - the parent serves no request; it grows by 4 KiB at each of its first
#    graceful restarts, then stays flat. PARENT_RSS_SLACK catches a
#    restart that keeps memory.
#  - the children measured after the run, those of the last graceful
#    restart, served the last three quarters of the run; those measured
#    before served the warm-up. Without a leak, prefork children grow by
#    what their allocators keep (2.3 to 3.1 % in all, some 100 to 150 KiB
#    a child, over four runs here); event children grow with the number
#    of their threads that served a request, from 9 to 14 MiB each here.
#    A build that leaks 4 KiB per request exceeds both bounds (some 10000
#    requests after the last restart, on 2 CPUs: 40 MiB and more).
#  - beside ModSecurity, the parent grows by ModSecurity's own 120 to 130
#    KiB at each graceful restart, with or without mod_expect loaded (stock
#    httpd: 240 to 248 KiB over 2 restarts, 524 KiB over 4; with mod_expect
#    276 and 516 KiB): MODSECURITY_RESTART_RSS more per restart.
PARENT_RSS_SLACK = 256      # KiB
MODSECURITY_RESTART_RSS = 160   # KiB
RSS_GROWTH = {"prefork": 0.05, "event": 0.5}

CGI = """#!/bin/sh
# Reads the whole body; answers its length and the Expect field it saw.
n=$(wc -c)
printf 'Content-Type: text/plain\\n\\n%s %s\\n' "$n" "${HTTP_EXPECT:--}"
"""


def pool(mpm, concurrency):
    """A pinned process pool: its configuration and its number of
    processes, the parent included. The count is the same after the
    warm-up and after the run, even after graceful restarts (prefork
    replaces old children only as long as fewer than MinSpareServers are
    idle), and a client always finds a worker (event closes kept-alive
    connections when none is idle)."""
    n = concurrency + 10
    if mpm == "prefork":
        return ("StartServers {n}\nMinSpareServers {n}\n"
                "MaxSpareServers {n}\nMaxRequestWorkers {n}\n"
                .format(n=n), n + 1)
    return ("StartServers 2\nServerLimit 16\nThreadLimit {n}\n"
            "ThreadsPerChild {n}\nMinSpareThreads 1\n"
            "MaxSpareThreads {n2}\nMaxRequestWorkers {n2}\n"
            .format(n=n, n2=2 * n), 3)


CONFIG = """
ExpectUnknown reject
"""


# --modsecurity: the module's log at the level the README shows, beside
# ModSecurity, whose error_log hook reads the memory of the request logged.
MODSECURITY = """
LogLevel info expect:trace2
SecRuleEngine On
SecRequestBodyAccess On
SecAuditEngine Off
SecTmpDir "{root}"
SecDataDir "{root}"
"""


def make_config(root, mpm, port, concurrency, modsecurity=False):
    htdocs = os.path.join(root, "htdocs")
    # mod_cgi under every MPM: while a graceful restart replaces mod_cgid's
    # daemon, mod_cgid answers 503 to the CGI requests that reach it
    # (AH10246 "failed reading PID from cgi daemon").
    conf = pyhttpd.base_config(root, mpm, (port,),
                               ("unique_id", "security2") if modsecurity
                               else (), cgi="cgi")
    conf += pool(mpm, concurrency)[0] + CONFIG + pyhttpd.docroot(htdocs)
    if modsecurity:
        conf += MODSECURITY.format(root=root)
    for policy in ("continue", "immediate", "ignore", "reject"):
        pyhttpd.write(os.path.join(htdocs, policy, "echo.cgi"), CGI, 0o755)
        conf += '<Directory "%s/%s">\n    ExpectPolicy %s\n</Directory>\n' \
            % (htdocs, policy, policy)
    return conf


class Wrong(Exception):
    """The answer is not the one the kind must get."""


class Conn(client.Conn):
    """A client.Conn that counts the bytes it received."""
    def __init__(self, port):
        super().__init__(port)
        self.received = 0

    def _fill(self, deadline):
        before = len(self.buf)
        more = super()._fill(deadline)
        self.received += len(self.buf) - before
        return more

    def send(self, data):
        self.sock.settimeout(TIMEOUT)
        self.sock.sendall(data)


def exchange(c, kind, body):
    """One request of `kind` on `c`; raises Wrong unless it got the right
    answer. Returns whether the connection may carry another request."""
    path, expect, eager = KINDS[kind][:3]
    c.send(client.head("POST", path, length=len(body), expect=expect))
    if not eager:
        # Wait for 100 Continue, as a client that sent Expect does.
        first = c.read_head(TIMEOUT)
        if first is None:
            raise Wrong("no answer to the head in %d s" % TIMEOUT)
        if first.status != 100:
            return check(c, kind, body, c.read_body(first, "POST", TIMEOUT))
        c.interims.append(first)
    c.send(body)
    return check(c, kind, body, c.read_response("POST", TIMEOUT))


def check(c, kind, body, resp):
    status, want_100, cgi_saw = KINDS[kind][3:]
    interims = [r.status for r in c.interims]
    c.interims.clear()
    if interims != ([100] if want_100 else []):
        raise Wrong("interim responses %s" % interims)
    if resp.status != status:
        raise Wrong("status %d, want %d" % (resp.status, status))
    if status == 417:
        # Refused before the body was read: the server must close.
        if not c.closed(TIMEOUT):
            raise Wrong("connection still open after the 417")
        return False
    want = b"%d %s\n" % (len(body), cgi_saw.encode())
    if resp.body != want:
        raise Wrong("CGI answered %r, want %r" % (resp.body[:60], want))
    return "close" not in resp.connection()


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.ok = dict.fromkeys(KINDS, 0)
        self.wrong = dict.fromkeys(KINDS, 0)
        self.retried = dict.fromkeys(KINDS, 0)
        self.examples = []

    def add(self, kind, result, retried):
        with self.lock:
            self.retried[kind] += retried
            if result is None:
                self.ok[kind] += 1
                return
            self.wrong[kind] += 1
            example = "%s: %s" % (kind, result)
            if len(self.examples) < 5 and example not in self.examples:
                self.examples.append(example)

    def failures(self):
        return sum(self.wrong.values())


def one_client(port, index, stop_at, stats):
    """Send the kinds in turn until stop_at, on keep-alive connections."""
    names = list(KINDS)
    n = index
    c = None
    while time.monotonic() < stop_at:
        kind = names[n % len(names)]
        body = b"x" * (1 + n * 7919 % 20000)
        n += 1
        result, retried = None, 0
        while True:
            reused = c is not None
            try:
                if c is None:
                    c = Conn(port)
                mark = c.received
                if not exchange(c, kind, body):
                    c.close()
                    c = None
                break
            except (Wrong, EOFError, OSError, TimeoutError, ValueError,
                    AssertionError) as e:
                gone = isinstance(e, (EOFError, BrokenPipeError,
                                      ConnectionResetError))
                silent = reused and gone and c.received == mark
                if c is not None:
                    c.close()
                    c = None
                if silent and not retried:
                    retried = 1
                    continue
                result = str(e) if isinstance(e, Wrong) else \
                    "closed" if isinstance(e, EOFError) else repr(e)
                break
        stats.add(kind, result, retried)
    if c is not None:
        c.close()


def run_clients(port, concurrency, duration, stats, during=None):
    stop_at = time.monotonic() + duration
    threads = [threading.Thread(target=one_client,
                                args=(port, i, stop_at, stats), daemon=True)
               for i in range(concurrency)]
    for t in threads:
        t.start()
    if during:
        during()
    # A request takes at most a few TIMEOUT steps after stop_at.
    for t in threads:
        t.join(max(0.1, stop_at + 4 * TIMEOUT - time.monotonic()))
    if any(t.is_alive() for t in threads):
        raise RuntimeError("clients still running after %d s"
                           % (duration + 4 * TIMEOUT))


def children(parent):
    pids = []
    for name in os.listdir("/proc"):
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
        except (OSError, ValueError):
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[1] == str(parent) and "(apache2)" in stat:
            pids.append(int(name))
    return pids


def measure(parent):
    """Processes, open fds, VmRSS (KiB) of the parent and of its children."""
    m = {"processes": 0, "open fds": 0, "parent VmRSS KiB": 0,
         "children VmRSS KiB": 0}
    for pid in [parent] + children(parent):
        try:
            fds = len(os.listdir("/proc/%d/fd" % pid))
            with open("/proc/%d/status" % pid) as f:
                kib = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
        except OSError:
            continue        # exited meanwhile
        m["processes"] += 1
        m["open fds"] += fds
        m["parent VmRSS KiB" if pid == parent else "children VmRSS KiB"] \
            += kib
    return m


def idle(parent, procs, old=(), limit=20):
    """Wait until `procs` processes are left, none of them in `old`, and
    lingering closes are over; then measure."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        pids = children(parent)
        if len(pids) + 1 == procs and not set(pids) & set(old):
            time.sleep(2.5)         # lingering close lasts up to 2 s
            m = measure(parent)
            if m["processes"] == procs:
                return m
        time.sleep(0.2)
    raise RuntimeError("the pool did not return to %d processes in %d s: "
                       "%d, %d of them from before the last restart"
                       % (procs, limit, len(pids) + 1,
                          len(set(pids) & set(old))))


def graceful_restarts(conf, parent, duration, count, old):
    """`count` graceful restarts in the first quarter of the run, so that
    the last generation serves the rest; `old` gets the children that
    were running before the last one."""
    start = time.monotonic()
    for i in range(count):
        time.sleep(max(0, start + duration * (i + 1) / (4 * count)
                       - time.monotonic()))
        old[:] = children(parent)
        subprocess.run([pyhttpd.APACHE2, "-k", "graceful", "-f", conf],
                       check=True, timeout=TIMEOUT)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mpm", choices=sorted(RSS_GROWTH))
    ap.add_argument("--duration", type=float, default=25)
    ap.add_argument("--concurrency", type=int, default=100)
    ap.add_argument("--gracefuls", type=int, default=2)
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--module", default=pyhttpd.MOD_EXPECT,
                    help="the mod_expect.so to load (default: the build)")
    ap.add_argument("--modsecurity", action="store_true",
                    help="with mod_security2 loaded and LogLevel "
                    "expect:trace2")
    args = ap.parse_args()
    pyhttpd.MOD_EXPECT = os.path.abspath(args.module)
    if args.modsecurity and pyhttpd.lacks("unique_id", "security2"):
        print("FAIL: " + pyhttpd.lacks("unique_id", "security2"))
        return 1

    root = os.path.join(pyhttpd.TOP, "test", "run", "load-%s%s" % (
        args.mpm, "-modsecurity" if args.modsecurity else ""))
    pyhttpd.prepare_root(root)
    port = pyhttpd.free_port()
    httpd = pyhttpd.Httpd(root, make_config(root, args.mpm, port,
                                            args.concurrency,
                                            args.modsecurity), (port,))
    procs = pool(args.mpm, args.concurrency)[1]
    warm, stats, old = Stats(), Stats(), []
    t0 = time.monotonic()
    try:
        httpd.start()
        parent = httpd.proc.pid
        run_clients(port, args.concurrency, args.warmup, warm)
        before = idle(parent, procs)
        run_clients(port, args.concurrency, args.duration, stats,
                    lambda: graceful_restarts(httpd.conf, parent,
                                              args.duration, args.gracefuls,
                                              old))
        after = idle(parent, procs, old)
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        print("FAIL: %s" % e)
        return 1
    finally:
        httpd.stop()
    log = httpd.log_since(0)
    crashes = httpd.crashes()
    # prefork's and event's "Graceful restart requested"
    restarts = len(re.findall(r"AH00171|AH00493", log))

    print("mod_expect load test, %s MPM%s: %d clients, %.0f s, %d graceful "
          "restarts, %.0f s in all"
          % (args.mpm, ", beside ModSecurity at expect:trace2"
             if args.modsecurity else "", args.concurrency, args.duration,
             restarts, time.monotonic() - t0))
    print("%-10s %-19s %7s %6s %8s" % ("kind", "expected", "ok", "wrong",
                                       "retried"))
    for kind, (_, expect, _, status, want_100, _) in KINDS.items():
        print("%-10s %-19s %7d %6d %8d"
              % (kind, "%s%d" % ("100, " if want_100 else "no 100, ",
                                 status),
                 stats.ok[kind], stats.wrong[kind], stats.retried[kind]))
    bound = dict(before)
    bound["parent VmRSS KiB"] += PARENT_RSS_SLACK + (
        MODSECURITY_RESTART_RSS * args.gracefuls if args.modsecurity else 0)
    bound["children VmRSS KiB"] = int(bound["children VmRSS KiB"]
                                      * (1 + RSS_GROWTH[args.mpm]))
    print("%-19s %9s %9s %9s" % ("", "before", "after", "bound"))
    problems = []
    for name in before:
        print("%-19s %9d %9d %9d" % (name, before[name], after[name],
                                     bound[name]))
        if after[name] > bound[name]:
            problems.append("%s grew beyond the bound" % name)
    for name, s in (("warm-up", warm), ("run", stats)):
        if s.failures():
            problems.append("%d wrong answers in the %s:\n  %s"
                            % (s.failures(), name, "\n  ".join(s.examples)))
    problems += ["no %s request succeeded" % k for k in KINDS
                 if not stats.ok[k]]
    if restarts != args.gracefuls:
        problems.append("%d graceful restarts logged, %d issued"
                        % (restarts, args.gracefuls))
    if crashes:
        problems.append("crashes in %s:\n  %s" % (httpd.error_log,
                                                  "\n  ".join(crashes[:5])))
    for p in problems:
        print("FAIL: " + p)
    print("FAIL" if problems else "PASS")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
