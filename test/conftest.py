"""One real httpd per test session, with mod_expect loaded.

The MPM comes from EXPECT_TEST_MPM (event, worker or prefork); `make test`
runs the suite once per MPM. The generated configuration, documents and
logs stay in test/run/<mpm>/ for inspection.
"""
import base64
import hashlib
import os
import re
import shutil
import ssl
import stat
import subprocess

import pytest

import pyhttpd
from backend import Backend
from client import Conn, head
from pyhttpd import write

# Generated configurations, documents and logs, never tests.
collect_ignore = ["run"]

POLICIES = ("continue", "immediate", "ignore", "reject")
MPM = os.environ.get("EXPECT_TEST_MPM", "event")
HERE = os.path.dirname(os.path.abspath(__file__))


USER, PASSWORD = "alice", "secret"

# What some tests need of httpd, asked of the httpd itself: vendors
# backport (RHEL 8's 2.4.37 has Proxy100Continue), so a release number
# tells nothing. Each is (a probe, given the port of a running server
# with the module, true when the httpd can; what it lacks otherwise).
PROXY_100 = (lambda port: "Proxy100Continue" in pyhttpd.directives(
                 "proxy", "proxy_http"),
             "no Proxy100Continue (httpd -L): mod_proxy_http reads the "
             "body, and so the core sends 100, before it asks the backend")
TE_CL_CLOSE = (lambda port: core_closes_te_cl(port),
               "the core keeps the Content-Length beside a Transfer-Encoding "
               "and the connection (a probe request without Expect)")


def core_closes_te_cl(port):
    """Whether the core drops the Content-Length of a request that has a
    Transfer-Encoding too, and closes after the response (2.4.46 on)."""
    c = Conn(port)
    c.send(b"POST /static.txt HTTP/1.1\r\nHost: localhost\r\n"
           b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
           b"0\r\n\r\n")
    return "close" in c.read_response().connection()


def skip_without(need, port=None):
    """Skips the test, with the reason, on an httpd that lacks `need`."""
    can, why = need
    if not can(port):
        pytest.skip("httpd %s: %s" % (".".join(map(str, pyhttpd.version())),
                                      why))


def skip_unless_served(path):
    """Skips the test when `path` needs a handler module the httpd lacks:
    without mod_lua a .lua file is a static file."""
    if ".lua" in path and pyhttpd.lacks("lua"):
        pytest.skip(pyhttpd.lacks("lua"))


def policy_sections(htdocs, backend):
    """A <Directory>, <Location>, <Files>, <If> and .htaccess scope and a
    virtual host for every policy, each in front of the slow backend."""
    dirs, locs, ifs, vhosts = [], [], [], []
    for p in POLICIES:
        dirs.append("""
<Directory "{h}/dir-{p}">
    ExpectPolicy {p}
    RewriteEngine On
    RewriteRule ^proxy$ {b}/dir-{p} [P]
    RewriteRule ^forbidden$ - [F]
    RewriteRule ^front$ echo.cgi [L]
</Directory>
<Directory "{h}/dir-{p}/auth">
    AuthType Basic
    AuthName "mod_expect test"
    AuthUserFile "{h}/../htpasswd"
    Require valid-user
</Directory>
<Directory "{h}/dir-{p}/denied">
    Require all denied
</Directory>
<Directory "{h}/dir-{p}/edoc">
    ErrorDocument 404 /errors/404.html
</Directory>
<Directory "{h}/dir-{p}/edoc-status">
    ErrorDocument 403 /server-status
    Require all denied
</Directory>
<Directory "{h}/dir-{p}/edoc-417">
    ErrorDocument 417 /errors/417.html
</Directory>
<Files "proxy-{p}">
    ExpectPolicy {p}
</Files>""".format(h=htdocs, p=p, b=backend))
        locs.append("""
    <Location "/loc-{p}">
        ExpectPolicy {p}
        ProxyPass "{b}/loc-{p}"
    </Location>""".format(p=p, b=backend))
        ifs.append("""
        <If "%{{QUERY_STRING}} == '{p}'">
            ExpectPolicy {p}
        </If>""".format(p=p))
        vhosts.append("""
<VirtualHost 127.0.0.1:{{port}}>
    ServerName {p}.test
    ExpectPolicy {p}
    ProxyPass "/proxy" "{b}/vhost-{p}"
</VirtualHost>""".format(p=p, b=backend))
    return "".join(dirs), "".join(locs), "".join(ifs), "".join(vhosts)


CONFIG = """
AddHandler lua-script .lua
# A client that hangs on a final response without a 100 before it.
BrowserMatch "^HangingClient/" expect-100-first
LogFormat "%{{EXPECT_OUTCOME}}e %r %>s" outcome
CustomLog "{h}/../outcome.log" outcome
# Server scope: requests on the second port reach the main server.
ExpectPolicy reject
ProxyPass "/main-proxy" "{b}/main"

{docroot}<Directory "{h}/dir-reject/inner">
    ExpectPolicy continue
</Directory>
<Directory "{h}/dir-ignore/grace">
    ExpectIgnoreGrace 1
</Directory>
<Directory "{h}/dir-ignore/nograce">
    ExpectIgnoreGrace off
</Directory>
<Directory "{h}/dir-continue/noquirks">
    ExpectClientQuirks Off
</Directory>
<Directory "{h}/dir-reject/announce">
    ExpectAnnounceClose On
</Directory>
<Directory "{h}/dir-reject/quiet">
    ExpectAnnounceClose Off
</Directory>
<Directory "{h}/files">
    RewriteEngine On
    RewriteRule ^proxy- {b}/files [P]
</Directory>
<Directory "{h}/noallow">
    AllowOverride AuthConfig
</Directory>
<Directory "{h}/env-dir">
    SetEnvIf Request_URI "." expect-policy=reject
</Directory>
<Directory "{h}/ed-local">
    ExpectPolicy reject
    ErrorDocument 417 /ed-local/417.html
</Directory>
<Directory "{h}/ed-local/quiet">
    ExpectAnnounceClose Off
</Directory>
{dirs}

<VirtualHost 127.0.0.1:{port}>
    ServerName localhost
    ExpectPolicy continue
{locs}
    <Location "/server-status">
        SetHandler server-status
    </Location>
    <Location "/front-reject">
        ProxyPass "http://127.0.0.1:{port}/dir-reject/echo.cgi"
    </Location>
    <Location "/proxy-auth">
        ExpectPolicy immediate
        AuthType Basic
        AuthName "mod_expect test"
        AuthUserFile "{h}/../htpasswd"
        Require valid-user
        ProxyPass "{b}/proxy-auth"
    </Location>
    <Location "/loc-reject/inner">
        ExpectPolicy continue
    </Location>
    <Location "/if">
        ProxyPass "{b}/if"
{ifs}
    </Location>

    # The expect-policy variable, set in server context.
    SetEnvIf Request_URI "^/env/(\\w+)" expect-policy=$1
    <Location "/env">
        ProxyPass "{b}/env"
    </Location>
    RewriteEngine On
    RewriteRule "^/rw-reject" "-" [E=expect-policy:reject]
    <Location "/rw-reject">
        ProxyPass "{b}/rw"
    </Location>

    <Location "/ed-text">
        ExpectPolicy reject
        ErrorDocument 417 "location says: no Expect here"
        ProxyPass "{b}/ed-text"
    </Location>
    <Location "/ed-remote">
        ExpectPolicy reject
        ErrorDocument 417 http://help.example/expect
        ProxyPass "{b}/ed-remote"
    </Location>
</VirtualHost>
{vhosts}
<VirtualHost 127.0.0.1:{port}>
    ServerName edoc-early.test
    ErrorDocument 404 /errors/404.html
</VirtualHost>
<VirtualHost 127.0.0.1:{port}>
    ServerName vhost-doc.test
    ExpectPolicy reject
    ErrorDocument 417 "vhost says: no Expect here"
    ProxyPass "/proxy" "{b}/vhost-doc"
</VirtualHost>
"""

# A CGI script that reads the body, then fails before its headers (500).
READ_FAIL_CGI = """#!/usr/bin/python3
import sys
sys.stdin.buffer.read()
sys.exit(1)
"""

# A handler that reads the body 1.5 s after it starts (mod_cgi would
# read it at once, to feed the script).
SLOW_READ_LUA = """function handle(r)
    os.execute("sleep 1.5")
    local data = r:requestbody() or ""
    r.content_type = "application/json"
    r:puts('{"length": ' .. #data .. ', "expect": null}')
    return apache2.OK
end
"""

# A handler that answers without reading the request body.
NOREAD_LUA = """function handle(r)
    r.content_type = "text/plain"
    r:puts("answered without reading the body\\n")
    return apache2.OK
end
"""

# The same, with the response on its way before the handler returns.
NOREAD_FLUSH_LUA = """function handle(r)
    r.content_type = "text/plain"
    r:puts("answered without reading the body\\n")
    r:flush()
    return apache2.OK
end
"""

HTACCESS = {
    "ht-{p}": "ExpectPolicy {p}\nRewriteEngine On\n"
              "RewriteRule ^proxy$ {b}/ht-{p} [P]\n",
    "ht-reject/inner": "ExpectPolicy continue\n",
    "ed-ht": "ExpectPolicy reject\n"
             "ErrorDocument 417 \"htaccess says: no Expect here\"\n",
    "noallow": "ExpectPolicy reject\n",
}


class Server:
    """What the tests need to know of the running httpd."""
    def __init__(self, root, port, port2, backend, httpd):
        self.root = root
        self.htdocs = os.path.join(root, "htdocs")
        self.trace = os.path.join(root, "cgi-trace.log")
        self.outcome_log = os.path.join(root, "outcome.log")
        self.port, self.port2 = port, port2
        self.backend = backend
        self.httpd = httpd
        self.auth = "Authorization: Basic " + base64.b64encode(
            ("%s:%s" % (USER, PASSWORD)).encode()).decode()

    def cgi_ran(self, uri):
        try:
            with open(self.trace) as f:
                return uri in f.read().split("\n")
        except FileNotFoundError:
            return False


def make_documents(root, backend):
    h = os.path.join(root, "htdocs")
    trace = os.path.join(root, "cgi-trace.log")
    write(trace, "", 0o666)
    cgi = pyhttpd.echo_cgi(trace)
    dirs = ["", "dir-reject/inner", "dir-reject/announce", "dir-reject/quiet",
            "ht-reject/inner", "ed-local/quiet",
            "dir-ignore/grace", "dir-ignore/nograce", "noallow", "env-dir",
            "ed-local", "ed-ht", "files", "dir-continue/noquirks"]
    for p in POLICIES:
        dirs += ["dir-" + p, "ht-" + p] + ["dir-%s/%s" % (p, d) for d in
                                           ("auth", "denied", "edoc",
                                            "edoc-status", "edoc-417")]
    for d in dirs:
        write(os.path.join(h, d, "echo.cgi"), cgi, 0o755)
        write(os.path.join(h, d, "static.txt"), "static\n")
    write(os.path.join(h, "ed-local", "417.html"), "local 417 document\n")
    write(os.path.join(h, "dir-ignore", "grace", "slow-read.lua"),
          SLOW_READ_LUA)
    for p in POLICIES:
        write(os.path.join(h, "dir-" + p, "noread.lua"), NOREAD_LUA)
        write(os.path.join(h, "dir-" + p, "noread-flush.lua"),
              NOREAD_FLUSH_LUA)
        write(os.path.join(h, "dir-" + p, "read-fail.cgi"), READ_FAIL_CGI,
              0o755)
    write(os.path.join(h, "errors", "404.html"), "local 404 document\n")
    write(os.path.join(h, "errors", "417.html"), "local 417 document\n")
    for p in POLICIES:
        write(os.path.join(h, "files", "proxy-" + p), "")
    for d, text in HTACCESS.items():
        for p in POLICIES if "{p}" in d else ("",):
            write(os.path.join(h, d.format(p=p), ".htaccess"),
                  text.format(p=p, b=backend))
    sha = base64.b64encode(hashlib.sha1(PASSWORD.encode()).digest())
    write(os.path.join(root, "htpasswd"), "%s:{SHA}%s\n"
          % (USER, sha.decode()))


def server_config(root, port, port2, backend, mpm):
    h = os.path.join(root, "htdocs")
    dirs, locs, ifs, vhosts = policy_sections(h, backend)
    # mod_http2 stays inactive under prefork.
    h2 = mpm != "prefork"
    return (pyhttpd.base_config(root, mpm, (port, port2),
                                ("status", "lua", "http2") if h2
                                else ("status", "lua"))
            + ("Protocols h2c http/1.1\n" if h2 else "")
            + "LogLevel info expect:trace2\n"
            + CONFIG.format(h=h, docroot=pyhttpd.docroot(
                h, "AllowOverride FileInfo AuthConfig"), b=backend, port=port, dirs=dirs, locs=locs,
                            ifs=ifs, vhosts=vhosts.format(port=port)))


@pytest.fixture(scope="session")
def server():
    root = os.path.join(HERE, "run", MPM)
    pyhttpd.prepare_root(root)
    backend = Backend()
    make_documents(root, backend.url)
    port, port2 = pyhttpd.free_port(), pyhttpd.free_port()
    httpd = pyhttpd.Httpd(root, server_config(root, port, port2, backend.url,
                                              MPM), (port, port2))
    httpd.start()
    yield Server(root, port, port2, backend, httpd)
    httpd.stop()
    backend.stop()
    crashes = httpd.crashes()
    assert not crashes, "child crashes in the error log:\n" + "\n".join(crashes)


STRICT_CONFIG = """
LogLevel info expect:trace2
{docroot}<VirtualHost 127.0.0.1:{port}>
    ServerName localhost
</VirtualHost>
<VirtualHost 127.0.0.1:{port}>
    ServerName ignore.test
    ExpectUnknown ignore
</VirtualHost>
<VirtualHost 127.0.0.1:{port}>
    ServerName doc.test
    ErrorDocument 417 "doc.test: no such expectation here"
</VirtualHost>
# Lines longer than one read of the core (8 KiB), on a port of their own:
# while the head is read, the limits of the port's first virtual host
# apply.
<VirtualHost 127.0.0.1:{port2}>
    ServerName long.test
    LimitRequestLine 20000
    LimitRequestFieldSize 20000
    ExpectUnknown ignore
</VirtualHost>
"""

# Tells what a request looked like to a CGI script, and reads its body.
ENV_CGI = """#!/usr/bin/python3
import json, os, sys
data = sys.stdin.buffer.read()
sys.stdout.write("Content-Type: application/json\\n\\n")
sys.stdout.write(json.dumps({"length": len(data),
                             "query": os.environ.get("QUERY_STRING"),
                             "x_long": os.environ.get("HTTP_X_LONG"),
                             "expect": os.environ.get("HTTP_EXPECT")}))
"""


@pytest.fixture(scope="session")
def strict():
    """A second httpd where a virtual host sets ExpectUnknown ignore, so
    that the module parses every Expect field itself."""
    root = os.path.join(pyhttpd.TOP, "test", "run", MPM + "-unknown")
    pyhttpd.prepare_root(root)
    h = os.path.join(root, "htdocs")
    write(os.path.join(h, "echo.cgi"), pyhttpd.echo_cgi(), 0o755)
    write(os.path.join(h, "env.cgi"), ENV_CGI, 0o755)
    write(os.path.join(h, "static.txt"), "static\n")
    port, port2 = pyhttpd.free_port(), pyhttpd.free_port()
    h2 = MPM != "prefork"
    conf = (pyhttpd.base_config(root, MPM, (port, port2),
                                ("http2",) if h2 else ())
            + ("Protocols h2c http/1.1\n" if h2 else "")
            + STRICT_CONFIG.format(docroot=pyhttpd.docroot(h), port=port,
                                   port2=port2))
    # EX016: ExpectUnknown beside mod_http2, on 2.4.49 to 2.4.54.
    httpd = pyhttpd.Httpd(root, conf, (port, port2),
                          deliberate=(r"EX016: ",))
    httpd.start()
    yield httpd
    httpd.stop()
    crashes = httpd.crashes()
    assert not crashes, "\n".join(crashes)


TLS_CONFIG = """
LogLevel info expect:trace2
ExpectUnknown ignore
{docroot}<VirtualHost 127.0.0.1:{port}>
    ServerName localhost
    SSLEngine on
    SSLCertificateFile "{root}/cert.pem"
    SSLCertificateKeyFile "{root}/key.pem"
    LimitRequestFieldSize 20000
</VirtualHost>
SSLSessionCache "shmcb:{root}/ssl_scache(512000)"
"""


@pytest.fixture(scope="session")
def strict_tls():
    """ExpectUnknown ignore over TLS: EXPECT_HEAD reads the head above
    mod_ssl, decrypted."""
    reason = pyhttpd.lacks("ssl", "socache_shmcb")
    if reason or not shutil.which("openssl"):
        pytest.skip(reason or "no openssl to make a certificate")
    root = os.path.join(pyhttpd.TOP, "test", "run", MPM + "-tls")
    pyhttpd.prepare_root(root)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "basicConstraints=critical,CA:FALSE",
                    "-keyout", os.path.join(root, "key.pem"),
                    "-out", os.path.join(root, "cert.pem")],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True)
    h = os.path.join(root, "htdocs")
    write(os.path.join(h, "echo.cgi"), pyhttpd.echo_cgi(), 0o755)
    write(os.path.join(h, "env.cgi"), ENV_CGI, 0o755)
    port = pyhttpd.free_port()
    conf = (pyhttpd.base_config(root, MPM, (port,), ("ssl", "socache_shmcb"))
            + TLS_CONFIG.format(docroot=pyhttpd.docroot(h), port=port,
                                root=root))
    # AH01882: Debian's mod_ssl built against a newer OpenSSL than the
    # machine has installed, said at start-up.
    httpd = pyhttpd.Httpd(root, conf, (port,), deliberate=(r"AH01882: ",))
    httpd.start()
    yield httpd
    httpd.stop()
    crashes = httpd.crashes()
    assert not crashes, "\n".join(crashes)


def tls_conn(port):
    """A Conn over TLS (the suite's own certificate, not verified)."""
    c = Conn(port)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    c.sock = context.wrap_socket(c.sock, server_hostname="localhost")
    return c


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "log_expected(*patterns): error log lines at warn or "
        "above that the test causes on purpose (regular expressions)")


@pytest.fixture(autouse=True)
def error_log_check(request):
    """After every test, in the error log of every httpd that ran during
    it: no child died, and no line at warn or above that the test did not
    declare with @pytest.mark.log_expected(pattern, ...)."""
    before = {id(h): h.log_size() for h in pyhttpd.Httpd.running}
    yield
    marker = request.node.get_closest_marker("log_expected")
    expected = [re.compile(p) for p in (marker.args if marker else ())]
    problems = []
    for httpd in pyhttpd.Httpd.running:
        offset = before.get(id(httpd), 0)
        problems += httpd.crashes(offset)
        problems += [line for line in httpd.warnings(offset)
                     if not any(p.search(line) for p in expected)
                     and line not in problems]
    assert not problems, "in the error log:\n" + "\n".join(problems)


def serves_another_request(conn):
    """The connection is kept alive: it serves a GET of a static file."""
    try:
        conn.send(head("GET", "/dir-continue/static.txt", expect=None))
        return conn.read_response("GET", 3).body == b"static\n"
    except (EOFError, ConnectionError):
        return False


def tmp_conf_dir(tmp_path):
    """A directory the httpd children (nobody) can read."""
    os.chmod(tmp_path, os.stat(tmp_path).st_mode | stat.S_IXOTH)
    return str(tmp_path)
