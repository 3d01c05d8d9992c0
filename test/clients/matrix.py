"""The client matrix (`make test-clients`): real client libraries that send
"Expect: 100-continue", each under every policy and in every situation,
against httpd with mod_expect, both with the shipped conf/expect.conf
included and with a bare LoadModule line, and against the same
configuration without the module (stock). The module must never leave a client worse off: no hang, the
status stock httpd gives (or the 417 the administrator chose), the body
uploaded at most once and never more often than on stock httpd, and read
whole wherever it is read.

Every client is a small program of this project's (test/clients/); each
request is bounded by HANG seconds, and goes through a relay that counts
the bytes the client sent. The run writes CLIENTS.md, the table the README
points to.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time

import pytest

# test/ is on PYTHONPATH (make test-clients).
import pyhttpd
from backend import Backend

HERE = os.path.dirname(os.path.abspath(__file__))
from conftest import MPM, POLICIES, PASSWORD, USER  # noqa: E402
from pyhttpd import write  # noqa: E402

SIZE = 2000000          # bytes per upload: over libcurl's 1 MiB threshold
HANG = 15               # seconds after which a request counts as hung
TOP = pyhttpd.TOP
RUN = os.path.join(TOP, "test", "run", "clients")
# How the module is configured: with conf/expect.conf, or a bare LoadModule.
SETUPS = ("shipped", "bare")
CONFIGS = POLICIES + tuple("bare " + p for p in POLICIES) + ("stock",)
# Apache HttpClient 4.5 and 5.2, as Debian packages them.
JAVA_CP = ":".join([RUN] + ["/usr/share/java/%s.jar" % j for j in (
    "httpclient", "httpcore", "commons-logging", "commons-codec",
    "httpclient5", "httpcore5", "httpcore5-h2", "slf4j-api")])

# What it read, in a header too: an S3 client expects no body of a PUT,
# and an ETag.
DIGEST_CGI = """#!/usr/bin/python3
import hashlib, os, sys
data = sys.stdin.buffer.read()
seen = "%d %s" % (len(data), hashlib.sha1(data).hexdigest())
body = "" if os.environ["REQUEST_METHOD"] == "PUT" else seen
sys.stdout.write("Content-Type: text/plain\\nX-Body: %s\\nETag: \\"%s\\"\\n\\n%s"
                 % (seen, hashlib.md5(data).hexdigest(), body))
"""

CONFIG = """
DocumentRoot "{h}"
ScriptAliasMatch "^/(read|auth)(/.*)?$" "{h}/digest.cgi"
<Directory "{h}">
    Require all granted
</Directory>
<Location "/auth">
    AuthType Basic
    AuthName "mod_expect clients"
    AuthUserFile "{root}/htpasswd"
    Require valid-user
</Location>
ProxyPass "/slow" "{backend}/slow"
{include}
{vhosts}
"""

# situation: the path, and what the server does there
SITUATIONS = {
    "read": "/read/obj",            # a CGI reads the body
    "unread": "/missing/obj",       # 404 of the default handler
    "auth": "/auth/obj",            # 401 before any handler
    "slow-proxy": "/slow/obj",      # mod_proxy_http, backend 1.5 s to 100
}


def client_commands():
    """name -> function(url, file) -> argv."""
    go = os.path.join(RUN, "go_client")
    return {
        "curl": lambda u, f: ["curl", "-sS", "-A", "curl", "--data-binary",
                              "@" + f, "-H",
                              "Content-Type: application/octet-stream",
                              "-w", '\n{"status": %{http_code}}', u],
        "php-curl": lambda u, f: ["php", os.path.join(HERE, "php_curl.php"),
                                  u, f],
        "guzzle": lambda u, f: ["php", os.path.join(HERE, "guzzle.php"),
                                u, f],
        "go": lambda u, f: [go, u, f],
        "java": lambda u, f: ["java", "-cp", RUN, "JavaClient", u, f],
        "java-urlconnection": lambda u, f: ["java", "-cp", RUN,
                                            "JavaUrlConnection", u, f],
        "apache-httpclient4": lambda u, f: ["java", "-cp", JAVA_CP,
                                            "ApacheHttpClient4", u, f],
        "apache-httpclient5": lambda u, f: ["java", "-cp", JAVA_CP,
                                            "ApacheHttpClient5", u, f],
        "apache-httpclient5-async": lambda u, f: [
            "java", "-cp", JAVA_CP, "ApacheHttpClient5Async", u, f],
        "ruby-net-http": lambda u, f: ["ruby",
                                       os.path.join(HERE, "ruby_net_http.rb"),
                                       u, f],
        "curl-pipe": lambda u, f: ["sh", os.path.join(HERE, "curl_pipe.sh"),
                                   u, f],
        "botocore": lambda u, f: ["/usr/bin/python3",
                                  os.path.join(HERE, "botocore_put.py"),
                                  u, f],
        "aws-cli": lambda u, f: ["sh", os.path.join(HERE, "aws_s3_cp.sh"),
                                 u, f],
        "aiohttp": lambda u, f: ["/usr/bin/python3",
                                 os.path.join(HERE, "aiohttp_post.py"),
                                 u, f],
        "node-http": lambda u, f: ["node", os.path.join(HERE, "node_http.js"),
                                   u, f],
        "undici-h2c": lambda u, f: ["node",
                                    os.path.join(HERE, "undici_h2c.js"),
                                    u, f],
    }


CLIENTS = list(client_commands())

# botocore signs its requests (Authorization: AWS4-HMAC-SHA256), which
# the Basic-auth location refuses as such.
pytestmark = pytest.mark.log_expected(
    r"AH01614: client used wrong authentication scheme")


class Relay:
    """A TCP relay on loopback that counts what the client sends; it
    passes half-closes on, so that a FIN reaches the client as it would
    directly: with the last data when it came with them. `split_fin`:
    always as a write of its own, after the data, as a simple TCP proxy
    does."""
    def __init__(self, port, split_fin=False):
        self.target = port
        self.split_fin = split_fin
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.sent = 0
        self.connections = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self.sock.close()

    @staticmethod
    def _closed(sock):
        """The peer's FIN is already here, behind the data read."""
        try:
            return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except (BlockingIOError, InterruptedError):
            return False

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            s = socket.create_connection(("127.0.0.1", self.target))
            with self.lock:
                self.connections += 1
            threading.Thread(target=self._pipe, args=(c, s, True),
                             daemon=True).start()
            threading.Thread(target=self._pipe, args=(s, c, False),
                             daemon=True).start()

    def _pipe(self, src, dst, count):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    dst.shutdown(socket.SHUT_WR)
                    return
                if count:
                    with self.lock:
                        self.sent += len(data)
                if not self.split_fin and self._closed(src):
                    # Data and FIN in one segment, as they came.
                    dst.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
                    dst.sendall(data)
                    dst.shutdown(socket.SHUT_WR)
                    return
                dst.sendall(data)
        except OSError:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class Cell:
    def __init__(self, status, sent, connections, seconds, body, error):
        self.status, self.sent = status, sent
        self.connections, self.seconds = connections, seconds
        self.body, self.error = body, error

    @property
    def hung(self):
        return self.status is None

    @property
    def uploads(self):
        """Whole bodies the client sent (headers are a few hundred bytes)."""
        return (self.sent + SIZE // 2) // SIZE

    def read_whole(self):
        """The server read the whole body (the CGI's or backend's report)."""
        m = re.search(r'(\d+) [0-9a-f]{40}|length\W+(\d+)', self.body or "")
        return m is not None and int(m.group(1) or m.group(2)) == SIZE

    def text(self):
        if self.hung:
            return "hangs"
        return "%s, %d× up%s" % (self.status or "error", self.uploads,
                                 ", %.1f s" % self.seconds
                                 if self.seconds >= 0.9 else "")


def run_client(name, port, path, upload):
    relay = Relay(port)
    url = "http://127.0.0.1:%d%s" % (relay.port, path)
    cmd = client_commands()[name](url, upload)
    env = dict(os.environ, NODE_PATH=os.path.join(RUN, "node_modules"))
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, env=env,
                           stderr=subprocess.PIPE, text=True, timeout=HANG)
        out = p.stdout.strip().splitlines()
        answer = json.loads(out[-1]) if out else {"status": 0,
                                                  "error": p.stderr[-300:]}
        # curl: the body, then a line of JSON
        answer.setdefault("body", "\n".join(out[:-1]))
    except subprocess.TimeoutExpired:
        answer = {"status": None}
    seconds = time.monotonic() - t0
    time.sleep(0.05)
    relay.close()
    return Cell(answer.get("status"), relay.sent, relay.connections, seconds,
                answer.get("body"), answer.get("error"))


class Sites:
    def __init__(self):
        self.ports = {}
        self.httpds = []


@pytest.fixture(scope="module")
def sites():
    if os.path.exists(RUN):
        shutil.rmtree(RUN)
    os.makedirs(RUN)
    env = dict(os.environ, GOCACHE=os.path.join(RUN, "gocache"),
               GOFLAGS="-mod=mod", GO111MODULE="off")
    subprocess.run(["go", "build", "-o", os.path.join(RUN, "go_client"),
                    os.path.join(HERE, "go_client.go")], check=True, env=env)
    subprocess.run(["javac", "-cp", JAVA_CP, "-d", RUN]
                   + [os.path.join(HERE, j + ".java") for j in (
                       "JavaClient", "JavaUrlConnection", "ApacheHttpClient4",
                       "ApacheHttpClient5", "ApacheHttpClient5Async")],
                   check=True)
    # undici from the npm registry: 7 (HTTP/2 in cleartext; 8 needs Node 22)
    npm = subprocess.run(["npm", "install", "--prefix", RUN, "--no-audit",
                          "--no-fund", "--silent", "undici@7"])
    upload = os.path.join(RUN, "upload.bin")
    with open(upload, "wb") as f:
        f.write(os.urandom(SIZE))
    backend = Backend(digest=True)
    result = Sites()
    result.upload = upload
    result.no_undici = None if npm.returncode == 0 else \
        "npm could not install undici"
    h2 = ("http2",) if MPM != "prefork" else ()
    for setup in SETUPS + ("stock",):
        root = os.path.join(RUN, setup)
        pyhttpd.prepare_root(root)
        h = os.path.join(root, "htdocs")
        write(os.path.join(h, "digest.cgi"), DIGEST_CGI, 0o755)
        import base64
        import hashlib
        sha = base64.b64encode(hashlib.sha1(PASSWORD.encode()).digest())
        write(os.path.join(root, "htpasswd"), "%s:{SHA}%s\n"
              % (USER, sha.decode()))
        vhosts = include = ""
        if setup == "stock":
            ports = {"stock": pyhttpd.free_port()}
        else:
            prefix = "" if setup == "shipped" else "bare "
            ports = {prefix + p: pyhttpd.free_port() for p in POLICIES}
            vhosts = "".join('<VirtualHost 127.0.0.1:%d>\n    ExpectPolicy '
                             '%s\n</VirtualHost>\n' % (port, p.split()[-1])
                             for p, port in ports.items())
        if setup == "shipped":
            include = 'Include "%s"' % os.path.join(TOP, "conf",
                                                    "expect.conf")
            # The quiet 417, opted into.
            ports["reject quiet"] = pyhttpd.free_port()
            vhosts += ('<VirtualHost 127.0.0.1:%d>\n    ExpectPolicy reject\n'
                       '    ExpectAnnounceClose Off\n</VirtualHost>\n'
                       % ports["reject quiet"])
        # A bare LoadModule, as most admins write it: not even mod_setenvif.
        conf = pyhttpd.base_config(root, MPM, list(ports.values()), h2,
                                   expect=setup != "stock",
                                   without=("setenvif",) if setup == "bare"
                                   else ())
        conf += "Protocols h2c http/1.1\n" if h2 else ""
        conf += CONFIG.format(h=h, root=root, backend=backend.url,
                              include=include, vhosts=vhosts)
        httpd = pyhttpd.Httpd(root, conf, list(ports.values()))
        httpd.start()
        result.httpds.append(httpd)
        result.ports.update(ports)
    yield result
    for httpd in result.httpds:
        httpd.stop()
    backend.stop()
    for httpd in result.httpds:
        assert not httpd.crashes(), "\n".join(httpd.crashes())


RESULTS = {}


def cell(sites, client, config, situation):
    key = (client, config, situation)
    if key not in RESULTS:
        RESULTS[key] = run_client(client, sites.ports[config],
                                  SITUATIONS[situation], sites.upload)
    return RESULTS[key]


@pytest.mark.parametrize("situation", list(SITUATIONS))
@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("setup", SETUPS)
@pytest.mark.parametrize("client", CLIENTS)
def test_never_worse_than_stock(sites, client, setup, policy, situation):
    if client == "undici-h2c" and (sites.no_undici or MPM == "prefork"):
        pytest.skip(sites.no_undici or "no HTTP/2 under prefork")
    stock = cell(sites, client, "stock", situation)
    assert stock.status != 0, "stock httpd: %s" % stock.error
    got = cell(sites, client, policy if setup == "shipped"
               else "bare " + policy, situation)
    assert not got.hung, "hangs (stock: %s)" % stock.text()
    assert got.uploads <= 1, "body uploaded %d times" % got.uploads
    assert got.uploads <= max(stock.uploads, 1)
    if policy == "reject" and got.status != stock.status:
        # The refusal the administrator chose, promptly.
        assert got.status == 417 and got.seconds < 3, got.text()
    else:
        assert got.status == (401 if stock.hung else stock.status), \
            "%s (stock: %s) %s" % (got.text(), stock.text(), got.error)
    if got.status == 200:
        assert got.read_whole(), got.body
    if situation in ("unread", "auth") and policy in ("continue", "ignore"):
        # Nothing reads the body: it must not be asked for, unless the
        # client needs a 100 before any answer (Java's HttpClient), or
        # throws without one where stock httpd reads the body for the
        # default handler (HttpURLConnection): ExpectClientQuirks.
        assert got.uploads == 0 or client == "java" or (
            client == "java-urlconnection" and situation == "unread"), \
            got.text()


def jar_version(name):
    """The version of Debian's /usr/share/java/<name>-<version>.jar."""
    for jar in sorted(os.listdir("/usr/share/java")):
        m = re.match(re.escape(name) + r"-([\d.]+)\.jar$", jar)
        if m:
            return m.group(1)
    return "?"


def client_versions():
    def out(cmd):
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True,
                               timeout=30)
            return p.stdout.strip()
        except OSError:
            return "?"
    py = "/usr/bin/python3"
    return {
        "curl": "curl " + out(["curl", "--version"]).split()[1],
        "php-curl": "PHP " + out(["php", "-r", "echo PHP_VERSION;"])
                    + " curl",
        "guzzle": "Guzzle " + out(["php", "-r", "require '/usr/share/php/"
                                   "GuzzleHttp/autoload.php'; echo "
                                   "GuzzleHttp\\ClientInterface::"
                                   "MAJOR_VERSION;"]),
        "go": out(["go", "version"]).split()[2],
        "java": "Java HttpClient " + out(["java", "-version"]).split('"')[1],
        "java-urlconnection": "Java HttpURLConnection "
                              + out(["java", "-version"]).split('"')[1],
        "apache-httpclient4": "Apache HttpClient " + jar_version("httpclient"),
        "apache-httpclient5": "Apache HttpClient " + jar_version("httpclient5")
                              + " classic",
        "apache-httpclient5-async": "Apache HttpClient "
                                    + jar_version("httpclient5") + " async",
        "ruby-net-http": "Ruby " + out(["ruby", "-e", "print RUBY_VERSION"])
                         + " Net::HTTP, continue_timeout 1",
        "curl-pipe": "curl " + out(["curl", "--version"]).split()[1]
                     + " -T - (a pipe)",
        "botocore": "botocore " + out([py, "-c", "import botocore; "
                                       "print(botocore.__version__)"]),
        "aws-cli": out(["/usr/bin/aws", "--version"]).split()[0].replace(
            "/", " ") + " s3 cp",
        "aiohttp": "aiohttp " + out([py, "-c", "import aiohttp; "
                                     "print(aiohttp.__version__)"]),
        "node-http": "Node " + out(["node", "--version"]) + " http",
        "undici-h2c": "undici " + out(["node", "-p", "require('" + os.path.join(
            RUN, "node_modules", "undici", "package.json") + "').version"])
        + " h2c",
    }


QUIET = {}
ROUNDS = 200            # rejections per cell of the quiet-417 table
# In front of httpd: nothing; a relay that passes the FIN on with the last
# data it came with; one that passes it on in a write of its own, after
# the data (a plain TCP proxy, a load balancer in TCP mode).
FRONTS = {"direct": None, "relay": False, "split-FIN relay": True}
# libcurl's words when it wrote the request into a dead connection, and
# when it then could not send the body again (a pipe).
DIED = ("retrying a fresh connect", "Connection died")


def curl_rejected(url, upload, body):
    """One upload with curl under reject: (status, wrote it twice, failed)."""
    curl = ["curl", "-sS", "-v", "-o", "/dev/null", "-w", "%{http_code}"]
    if body == "file":
        p = subprocess.run(curl + ["--data-binary", "@" + upload, url],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=HANG)
    else:
        with open(upload, "rb") as f:
            p = subprocess.run(curl + ["-T", "-", url], stdin=f,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, timeout=HANG)
    return (p.stdout, any(d in p.stderr for d in DIED),
            p.returncode != 0 and p.stderr[-300:])


@pytest.mark.parametrize("body", ["file", "pipe"])
@pytest.mark.parametrize("front", list(FRONTS))
@pytest.mark.parametrize("announce", ["default", "Off"])
def test_quiet_417_uploads_once(sites, announce, front, body):
    """200 rejections with curl, of a file (seekable) and of a pipe
    (chunked, cannot be rewound). By default the 417 says "Connection:
    close": curl reports it, sends nothing again, and nothing in front of
    httpd changes that. With ExpectAnnounceClose Off libcurl retries each
    without Expect and must find the refused connection closed, so that
    it sends the body once, on a new connection: directly, always. Through
    a relay that passes the FIN on as a write of its own, the race is the
    relay's: counted for the README, and never more than twice."""
    port = sites.ports["reject" if announce == "default" else "reject quiet"]
    split = FRONTS[front]
    relay = Relay(port, split_fin=split) if split is not None else None
    url = "http://127.0.0.1:%d/read/obj" % (relay.port if relay else port)
    statuses, doubles, failed = [], 0, []
    for i in range(ROUNDS):
        # A URL of its own: the module remembers quiet rejections for 5 s
        # per URL.
        status, twice, error = curl_rejected(
            url + "?%s-%s-%s-%d" % (announce, split, body, i), sites.upload,
            body)
        statuses.append(status)
        doubles += twice
        if error:
            failed.append(error)
    QUIET[announce, front, body] = (doubles, len(failed),
                                    statuses.count("200"))
    if relay:
        relay.close()
        assert relay.sent < ROUNDS * SIZE * 2
    if announce == "default":
        assert statuses == ["417"] * ROUNDS and not failed and not doubles
    elif split is None:
        assert statuses == ["200"] * ROUNDS and not failed and not doubles, \
            (failed[:1], doubles)


def test_write_table(sites):
    """CLIENTS.md: what each client gets (run after the matrix)."""
    lines = ["# What real clients get",
             "",
             "Written by `make test-clients` (test/clients/matrix.py) on "
             "Debian's apache2, %s MPM; a %d-byte upload per request, "
             "through a relay that counts what the client sends. Each cell: "
             "the status the application saw, how many times the body went "
             "up, and the time when it was 1 s or more. \"stock\" is the "
             "same configuration without mod_expect. The module runs with "
             "`conf/expect.conf` included (the columns named by policy) "
             "and with a bare `LoadModule` line, without mod_setenvif "
             "(\"bare\"); expect.conf enables nothing, so the two agree. "
             "Java's clients are known to the module: ExpectClientQuirks."
             % (MPM, SIZE), ""]
    versions = client_versions()
    for situation, path in SITUATIONS.items():
        lines += ["## %s (`%s`)" % (situation, path), "",
                  "| client | " + " | ".join(CONFIGS) + " |",
                  "|---" * (len(CONFIGS) + 1) + "|"]
        for client in CLIENTS:
            if not all((client, c, situation) in RESULTS for c in CONFIGS):
                continue
            row = [cell(sites, client, c, situation).text() for c in CONFIGS]
            lines.append("| %s | %s |" % (versions.get(client, client),
                                          " | ".join(row)))
        lines.append("")
    if QUIET:
        lines += ["## Rejections, and libcurl's retry", "",
                  "%d rejections of `ExpectPolicy reject` per cell, with "
                  "curl (%s): a file (`--data-binary @file`) and a pipe "
                  "(`-T -`). By default the 417 says `Connection: close` "
                  "and curl reports it; with `ExpectAnnounceClose Off` "
                  "libcurl retries without `Expect`. Each cell: uploads "
                  "that succeeded on the retry / bodies sent twice "
                  "(libcurl wrote the retry into the refused connection) / "
                  "failed uploads (curl could not send the body again)."
                  % (ROUNDS, client_versions()["curl"]), "",
                  "| ExpectAnnounceClose | in front of httpd | file | pipe |",
                  "|---|---|---|---|"]
        for announce in ("default", "Off"):
            for front in FRONTS:
                row = ["%d / %d / %d" % QUIET[announce, front, b]
                       if (announce, front, b) in QUIET else "?"
                       for b in ("file", "pipe")]
                lines.append("| %s | %s | %s |" % (
                    "On (default)" if announce == "default" else announce,
                    front, " | ".join(row)))
        lines.append("")
    write(os.path.join(TOP, "CLIENTS.md"), "\n".join(lines))
