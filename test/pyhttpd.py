"""Run an installed httpd with a generated configuration and the built module.

The httpd is the one whose apxs built the module (EXPECT_TEST_APXS, which
the Makefile sets from APXS): its binary, module directory and version come
from `apxs -q`, so Debian's layout (/usr/sbin/apache2), RHEL's
(/usr/sbin/httpd, /usr/lib64/httpd/modules) and a source-built prefix are
alike. Shared by the test suite (conftest.py) and the demo (demo.py).
"""
import functools
import grp
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time

APXS = os.environ.get("EXPECT_TEST_APXS") or "apxs"


def apxs_query(name, default):
    try:
        out = subprocess.run([APXS, "-q", name], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True).stdout
    except OSError:
        out = ""
    return out.strip() or default


APACHE2 = os.path.join(apxs_query("SBINDIR", "/usr/sbin"),
                       apxs_query("TARGET", "apache2"))
MODULES = apxs_query("LIBEXECDIR", "/usr/lib/apache2/modules")
# Loaded by every configuration here: without one of them, nothing runs.
BASE_MODULES = ("unixd", "log_config", "logio", "authz_core", "authz_host", "authz_user", "authn_core",
                "authn_file", "auth_basic", "mime", "alias", "dir",
                "setenvif", "rewrite", "proxy", "proxy_http")
TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The test modes of the Makefile (test-asan, test-valgrind) change how
# apache2 runs through these variables; unset, the plain build is used.
#   EXPECT_TEST_MODULE   the mod_expect.so to load
#   EXPECT_TEST_PRELOAD  LD_PRELOAD for every apache2 run from here, -t
#                        included (the ASan runtime has to come first in a
#                        process that loads an ASan-built module)
#   EXPECT_TEST_WRAPPER  a command line put before the serving apache2
#   EXPECT_TEST_ARGS     more arguments for the serving apache2 (-X)
#   EXPECT_TEST_BESIDE   httpd modules every configuration loads besides
#                        its own ("unique_id security2": a sanitizer run
#                        beside ModSecurity, whose error_log hook reads the
#                        memory of each request logged)
MOD_EXPECT = (os.environ.get("EXPECT_TEST_MODULE")
              or os.path.join(TOP, ".libs", "mod_expect.so"))
PRELOAD = os.environ.get("EXPECT_TEST_PRELOAD", "")
WRAPPER = shlex.split(os.environ.get("EXPECT_TEST_WRAPPER", ""))
ARGS = shlex.split(os.environ.get("EXPECT_TEST_ARGS", ""))
BESIDE = tuple(os.environ.get("EXPECT_TEST_BESIDE", "").split())

# Lines in an error log that mean a child died, or a sanitizer report
# that went to stderr (which httpd points at its error log).
CRASH = re.compile(r"AH00051|AH00052|exit signal|Segmentation fault|"
                   r"AddressSanitizer|runtime error:|child pid \d+ exit")
# A line of the error log at warn or above, of any module.
WARNING = re.compile(r"^\[[^]]+\] \[[\w.]*:(warn|error|crit|alert|emerg)\]")
# Warnings that some httpd releases write by themselves at start-up, for
# a configuration the suite means: mod_http2 before 2.4.48 whenever
# mod_ssl is not loaded.
RELEASE_WARNINGS = (re.compile(r"AH02951: mod_ssl does not seem to be enabled"),)


ECHO_CGI = """#!/usr/bin/python3
# Reads the whole request body and tells what it got.
import json, os, sys
data = sys.stdin.buffer.read()
if {trace!r}:
    with open({trace!r}, "a") as f:
        f.write(os.environ.get("REQUEST_URI", "") + "\\n")
sys.stdout.write("Content-Type: application/json\\n\\n")
sys.stdout.write(json.dumps({{"length": len(data),
                             "expect": os.environ.get("HTTP_EXPECT")}}))
"""


def echo_cgi(trace=""):
    """A CGI script that reads the body; `trace` logs each request URI."""
    return ECHO_CGI.format(trace=trace)


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@functools.lru_cache(maxsize=None)
def compiled_in():
    """The modules built into the httpd binary (httpd -l), e.g. "event"
    for a source build with a static MPM."""
    out = subprocess.run([APACHE2, "-l"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True,
                         env=apache2_env()).stdout
    return {re.sub(r"^mod_", "", line.strip()[:-2])
            for line in out.splitlines() if line.strip().endswith(".c")}


def shared_module(name):
    """mod_<name>.so is in the httpd's module directory."""
    return os.path.exists(os.path.join(MODULES, "mod_%s.so" % name))


def unprivileged_group():
    """Debian's nogroup, or nobody elsewhere (RHEL)."""
    try:
        return grp.getgrnam("nogroup").gr_name
    except KeyError:
        return "nobody"


NOBODY_GROUP = unprivileged_group()


def have_module(name):
    return (shared_module(name)
            or name.replace("mpm_", "") in compiled_in())


def lacks(*names):
    """A skip reason naming the modules of `names` that the httpd lacks,
    or None when it has them all."""
    missing = ["mod_" + n for n in names if not have_module(n)]
    if not missing:
        return None
    return "%s has no %s in %s" % (APACHE2, ", ".join(missing), MODULES)


@functools.lru_cache(maxsize=None)
def version():
    """The httpd's version, e.g. (2, 4, 37)."""
    out = subprocess.run([APACHE2, "-v"], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True,
                         env=apache2_env()).stdout
    found = re.search(r"Apache/(\d+)\.(\d+)\.(\d+)", out)
    if not found:
        raise RuntimeError("%s -v printed no version:\n%s" % (APACHE2, out))
    return tuple(int(n) for n in found.groups())


@functools.lru_cache(maxsize=None)
def directives(*modules):
    """The directives httpd knows with `modules` loaded besides the base
    ones (httpd -L): what a build has, backports included."""
    root = tempfile.mkdtemp(prefix="expect-L-")
    try:
        conf = os.path.join(root, "httpd.conf")
        mpm = next(m for m in ("event", "worker", "prefork")
                   if have_module("mpm_" + m))
        write(conf, base_config(root, mpm, (free_port(),), modules,
                                expect=False))
        out = subprocess.run([APACHE2, "-L", "-f", conf],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, env=apache2_env())
        if out.returncode:
            raise RuntimeError("%s -L failed:\n%s" % (APACHE2, out.stdout))
        return {line.split()[0] for line in out.stdout.splitlines()
                if line[:1].isalpha()}
    finally:
        shutil.rmtree(root)


def base_config(root, mpm, listen, modules=(), cgi=None, expect=True,
                without=()):
    """The part every generated configuration shares; `expect=False`
    leaves mod_expect out (stock httpd, to compare with), `without` the
    base modules named. Of `modules`, those the httpd lacks are left out:
    the tests that need one skip."""
    user = ("User nobody\nGroup %s\n" % NOBODY_GROUP
            if os.geteuid() == 0 else "")
    cgi = cgi or ("cgid" if mpm != "prefork" else "cgi")
    needed = ("mpm_" + mpm, cgi) + BASE_MODULES
    if lacks(*needed):
        raise RuntimeError("the suite needs modules that are missing: "
                           + lacks(*needed))
    if lacks(*BESIDE):
        raise RuntimeError("EXPECT_TEST_BESIDE names modules that are "
                           "missing: " + lacks(*BESIDE))
    loads = [m for m in needed + BESIDE + tuple(modules)
             if shared_module(m) and m not in without]
    loads = sorted(set(loads), key=loads.index)
    sock = 'ScriptSock "%s/cgid.sock"\n' % root if cgi == "cgid" else ""
    lines = ["LoadModule %s_module %s/mod_%s.so" % (m, MODULES, m)
             for m in loads]
    if expect:
        lines.append("LoadModule expect_module %s" % MOD_EXPECT)
    lines += ["Listen 127.0.0.1:%d" % port for port in listen]
    return "\n".join(lines) + """
ServerRoot "{root}"
ServerName localhost
{user}PidFile "{root}/httpd.pid"
ErrorLog "{root}/error.log"
LogFormat "%h \\"%r\\" %>s %I %O" io
CustomLog "{root}/access.log" io
{sock}TypesConfig /etc/mime.types
AddHandler cgi-script .cgi
Timeout 10
KeepAliveTimeout 5
""".format(root=root, user=user, sock=sock)


DOCROOT = """DocumentRoot "{h}"
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory "{h}">
    Options +ExecCGI
{inner}    Require all granted
</Directory>
"""


def docroot(htdocs, *directives):
    """The document root every configuration here has: `htdocs`, where
    CGI scripts run and every client is let in, with `directives` added
    to its <Directory>; nothing else of the file system."""
    return DOCROOT.format(h=htdocs,
                          inner="".join("    %s\n" % d for d in directives))


def prepare_root(root):
    if os.path.exists(root):
        shutil.rmtree(root)
    os.makedirs(root)
    # The children run as nobody: they must reach the documents and logs.
    path = root
    while path != "/":
        os.chmod(path, os.stat(path).st_mode | 0o011)
        path = os.path.dirname(path)


def apache2_env():
    env = dict(os.environ)
    if PRELOAD:
        env["LD_PRELOAD"] = PRELOAD
    return env


def configtest(conf_path):
    """apache2 -t; returns (exit status, combined output)."""
    p = subprocess.run([APACHE2, "-t", "-f", conf_path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, env=apache2_env())
    return p.returncode, p.stdout


class Httpd:
    # Every Httpd started and not yet stopped: the suite checks their error
    # logs after each test (conftest.error_log_check).
    running = []

    def __init__(self, root, conf_text, ports, deliberate=()):
        """`deliberate`: patterns of the warnings its configuration causes
        on purpose, at start-up (the module's own EX016, for one)."""
        self.root = root
        self.deliberate = RELEASE_WARNINGS + tuple(re.compile(p)
                                                   for p in deliberate)
        self.conf = os.path.join(root, "httpd.conf")
        self.error_log = os.path.join(root, "error.log")
        self.ports = ports
        self.proc = None
        with open(self.conf, "w") as f:
            f.write(conf_text)

    def start(self, foreground=False):
        rc, out = configtest(self.conf)
        if rc != 0:
            raise RuntimeError("apache2 -t failed:\n" + out)
        cmd = WRAPPER + [APACHE2, "-f", self.conf, "-DFOREGROUND"] + ARGS
        if foreground:
            return subprocess.call(cmd, env=apache2_env())
        # Its own process group: prefork signals its whole group on stop.
        self.proc = subprocess.Popen(cmd, start_new_session=True,
                                     env=apache2_env())
        Httpd.running.append(self)
        deadline = time.time() + (60 if WRAPPER else 15)
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("apache2 exited: see " + self.error_log)
            try:
                socket.create_connection(("127.0.0.1", self.ports[0]),
                                         0.2).close()
                return None
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("apache2 did not start listening")

    def stop(self):
        if self in Httpd.running:
            Httpd.running.remove(self)
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60 if WRAPPER else 15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log_size(self):
        try:
            return os.path.getsize(self.error_log)
        except OSError:
            return 0

    def log_since(self, offset):
        with open(self.error_log, errors="replace") as f:
            f.seek(offset)
            return f.read()

    def crashes(self, offset=0):
        """The error log lines since `offset` that say a child died."""
        return [line for line in self.log_since(offset).splitlines()
                if CRASH.search(line)]

    def warnings(self, offset=0):
        """The error log lines since `offset` at warn or above, but for
        those its release or its configuration writes deliberately."""
        return [line for line in self.log_since(offset).splitlines()
                if WARNING.search(line)
                and not any(p.search(line) for p in self.deliberate)]
