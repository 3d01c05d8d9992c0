"""Shared helpers of the benchmarks in bench/.

Each benchmark compares httpd configurations that differ only in
mod_expect: test/pyhttpd.base_config (what the test suite runs), once with
the module loaded from a private copy (see stage_module) and once without
the LoadModule line. Wall-clock comparisons run both sides in the same run,
interleaved, and report ratios of medians; results go to
bench/run/results.json, which bench.py turns into BENCHMARKS.md.
"""
import hashlib
import json
import os
import platform
import re
import signal
import socket
import subprocess
import time

# The test suite's helpers, test/client.py and test/pyhttpd.py: `make
# bench` puts test/ on PYTHONPATH.
import client
import pyhttpd

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)

RUN = os.path.join(HERE, "run")
RESULTS = os.environ.get("BENCH_RESULTS",
                         os.path.join(RUN, "results.json"))
MODULE = None       # the staged copy, once stage_module() has run

# A small static document: the common request.
STATIC = "x" * 100 + "\n"

# Reads the whole body through ap_get_client_block(), so the core sends
# 100 Continue exactly as for a CGI, and answers its length. In-process,
# hence cheap enough for callgrind and for throughput runs.
BODY_LUA = """function handle(r)
    r.content_type = "text/plain"
    local body = r:requestbody() or ""
    r:puts(tostring(#body), "\\n")
    return apache2.OK
end
"""

# The event MPM with a fixed pool: no child starts or stops during a run.
EVENT_POOL = """StartServers 2
ServerLimit 2
ThreadsPerChild 32
MaxRequestWorkers 64
MinSpareThreads 1
MaxSpareThreads 64
MaxConnectionsPerChild 0
"""

POLICIES = ("continue", "immediate", "ignore", "reject")


def stage_module():
    """Copies the built module (or $BENCH_MODULE, to measure another
    build) to bench/run/mod_expect-<hash of its content>.so, so that a
    rebuild, or another run staging another build, cannot change what an
    httpd of this run loads. Once per process: every part of a run
    measures one build."""
    global MODULE
    if MODULE:
        return
    source = os.environ.get("BENCH_MODULE", pyhttpd.MOD_EXPECT)
    if not os.path.exists(source):
        raise SystemExit("no %s: run `make` first" % source)
    with open(source, "rb") as f:
        data = f.read()
    path = os.path.join(RUN, "mod_expect-%s.so"
                        % hashlib.sha256(data).hexdigest()[:12])
    os.makedirs(RUN, exist_ok=True)
    with open(path + ".new", "wb") as f:
        f.write(data)
    os.chmod(path + ".new", 0o755)
    os.rename(path + ".new", path)
    MODULE = path


def config(root, mpm, port, module, body, modules=("lua",)):
    """pyhttpd.base_config plus `modules` (mod_lua at least), a document
    root with static.txt and /lua/ mapped to BODY_LUA, then `body`;
    mod_expect loaded from the staged copy, or not at all."""
    text = pyhttpd.base_config(root, mpm, [port], list(modules))
    load = "LoadModule expect_module " + pyhttpd.MOD_EXPECT
    assert load in text, "pyhttpd.base_config changed"
    stage_module()
    text = text.replace(load, "LoadModule expect_module " + MODULE
                        if module else "# mod_expect not loaded")
    htdocs = os.path.join(root, "htdocs")
    pyhttpd.write(os.path.join(htdocs, "static.txt"), STATIC)
    pyhttpd.write(os.path.join(root, "body.lua"), BODY_LUA)
    pyhttpd.write(os.path.join(htdocs, "cgi", "echo.cgi"),
                  pyhttpd.echo_cgi(), 0o755)
    return text + (EVENT_POOL if mpm == "event" else "") + """
LogLevel warn
MaxKeepAliveRequests 0
{docroot}LuaScope thread
LuaCodeCache forever
LuaMapHandler "^/lua/" "{root}/body.lua" handle
""".format(docroot=pyhttpd.docroot(htdocs), root=root) + body


# The second configuration: other modules, as a distribution's default
# site loads them, and the per-directory sections such a site has.
SECOND_MODULES = ["lua", "filter", "deflate", "headers", "negotiation",
                  "autoindex", "status", "env", "expires"]
SECOND_BODY = """<Directory "{htdocs}">
    Options FollowSymLinks
    AllowOverride None
    AddOutputFilterByType DEFLATE text/html
    Header set X-Content-Type-Options nosniff
    ExpiresActive On
    ExpiresDefault "access plus 1 hour"
</Directory>
<Location "/server-status">
    SetHandler server-status
</Location>
"""


def policy_config(kind, root, port, mpm="event"):
    """The configurations compared, identical but for mod_expect:
    stock    mod_expect not loaded
    module   loaded; ExpectPolicy continue in the server config and a
             <Location /lua/<policy>> for each policy
    unknown  the same plus ExpectUnknown ignore in the server config
    Without the module the same <Location> sections are there, empty.
    A kind ending in "2" (stock2, module2, unknown2) is the same on top
    of the second configuration: SECOND_MODULES and SECOND_BODY."""
    second = kind.endswith("2")
    kind = kind.rstrip("2")
    module = kind != "stock"
    body = "".join('<Location "/lua/%s">\n%s</Location>\n'
                   % (p, "    ExpectPolicy %s\n" % p if module else "")
                   for p in POLICIES)
    if second:
        body += SECOND_BODY.format(htdocs=os.path.join(root, "htdocs"))
    if module:
        body += "ExpectPolicy continue\n"
    if kind == "unknown":
        body += "ExpectUnknown ignore\n"
    return config(root, mpm, port, module, body,
                  SECOND_MODULES if second else ["lua"])


def start(kind, name, mpm="event", callgrind=None):
    """An Httpd running policy_config(kind) in bench/run/<name>."""
    root = new_root(name)
    port = pyhttpd.free_port()
    httpd = Httpd(root, policy_config(kind, root, port, mpm), port,
                  callgrind)
    httpd.start()
    return httpd


def new_root(name):
    root = os.path.join(RUN, name)
    pyhttpd.prepare_root(root)
    return root


class Httpd(pyhttpd.Httpd):
    """pyhttpd.Httpd, optionally as `apache2 -X` under callgrind."""

    def __init__(self, root, conf_text, port, callgrind=None):
        super().__init__(root, conf_text, [port])
        self.port = port
        self.callgrind = callgrind

    def start(self):
        if not self.callgrind:
            return super().start()
        rc, out = pyhttpd.configtest(self.conf)
        if rc:
            raise RuntimeError("apache2 -t failed:\n" + out)
        # The child runs as nobody and writes the profile at exit.
        open(self.callgrind, "w").close()
        os.chmod(self.callgrind, 0o666)
        cmd = ["valgrind", "--tool=callgrind", "--quiet", "--vgdb=no",
               "--callgrind-out-file=" + self.callgrind,
               pyhttpd.APACHE2, "-X", "-f", self.conf]
        with open(os.path.join(self.root, "valgrind.log"), "w") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=log,
                                         stdin=subprocess.DEVNULL,
                                         start_new_session=True)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("apache2 -X exited: see " + self.root)
            try:
                socket.create_connection(("127.0.0.1", self.port),
                                         0.5).close()
                return None
            except OSError:
                time.sleep(0.2)
        self.proc.kill()
        self.proc.wait()
        raise RuntimeError("apache2 -X did not start listening")

    def stop(self):
        if self.callgrind and self.proc and self.proc.poll() is None:
            # apache2 -X notes SIGTERM, but a blocking accept() goes on:
            # a connection wakes it up.
            self.proc.send_signal(signal.SIGTERM)
            for _ in range(60):
                try:
                    self.proc.wait(1)
                    break
                except subprocess.TimeoutExpired:
                    try:
                        socket.create_connection(("127.0.0.1", self.port),
                                                 1).close()
                    except OSError:
                        pass
            else:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError("apache2 -X did not stop")
        super().stop()
        if pyhttpd.CRASH.search(self.log_since(0)):
            raise RuntimeError("a child crashed: see " + self.error_log)

    def children(self):
        """pids of the processes of its session other than the parent."""
        out = []
        for d in os.listdir("/proc"):
            try:
                with open("/proc/%s/stat" % d) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[3]) == self.proc.pid and int(d) != self.proc.pid:
                out.append(int(d))
        return out


def post_head(path, length, expect=True, extra=()):
    """A POST head with Content-Length and, by default, Expect."""
    return client.head("POST", path, length=length,
                       expect="100-continue" if expect else None,
                       extra=extra)


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return (xs[n // 2] + xs[(n - 1) // 2]) / 2 if n else None


def percentile(xs, p):
    """Nearest-rank percentile, p in 0..100."""
    xs = sorted(xs)
    return xs[max(0, -(-p * len(xs) // 100) - 1)] if xs else None


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True,
                          stdin=subprocess.DEVNULL, **kw).stdout


def machine():
    with open("/proc/cpuinfo") as f:
        cpu = re.search(r"model name\s*:\s*(.*)", f.read())
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) // 1024 // 1024
    version = run([pyhttpd.APACHE2, "-v"])
    return {
        "cpu": cpu.group(1) if cpu else "?",
        "cores": os.cpu_count(),
        "memory_gib": mem,
        "os": platform.freedesktop_os_release()["PRETTY_NAME"],
        "kernel": platform.release(),
        "apache2": re.search(r"Apache/(\S+)", version).group(1),
        "valgrind": run(["valgrind", "--version"]).strip(),
        "h2load": run(["h2load", "--version"]).strip(),
        "curl": run(["curl", "--version"]).split("\n")[0],
    }


def load_results():
    try:
        with open(RESULTS) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def save_result(part, data):
    results = load_results()
    results[part] = data
    os.makedirs(RUN, exist_ok=True)
    with open(RESULTS, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
