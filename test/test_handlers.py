"""The handler matrix: every body-reading handler Debian packages, under
every policy, with Expect and without, against the same configuration on
stock httpd (the module not loaded).

A reading handler must see exactly the bytes the client sent (each answers
with their length and SHA-1, or with the bytes themselves), and never fare
worse than on stock httpd. A handler that never reads must cost the client
no upload where the module can tell (the core's default handler).
"""
import glob
import gzip
import hashlib
import os
import subprocess
import time
import uuid

import pytest

import pyhttpd
from backend import Backend
from client import Conn, expect_exchange, head
from conftest import MPM, POLICIES
from pyhttpd import write

# Bytes with every value; lines of text for mod_sed, which edits lines.
BODY = bytes(range(256)) * 80
TEXT = b"a line of text\n" * 1400
PHP_FPM = (glob.glob("/usr/sbin/php-fpm*") or [None])[0]
LIBPHP = (glob.glob(os.path.join(pyhttpd.MODULES, "libphp*.so")) or [None])[0]
# Debian's mod_php is not thread-safe; and PHP loads its extensions with
# RTLD_DEEPBIND, which the sanitizer runtime of `make test-asan` refuses.
if MPM != "prefork":
    NO_MOD_PHP = "mod_php (Debian's, not thread-safe) runs under prefork only"
elif pyhttpd.PRELOAD:
    NO_MOD_PHP = "mod_php loads PHP extensions with RTLD_DEEPBIND, which " \
                 "the sanitizer runtime refuses"
elif not LIBPHP:
    NO_MOD_PHP = "no libphp*.so (libapache2-mod-php) in " + pyhttpd.MODULES
else:
    NO_MOD_PHP = None

DIGEST_CGI = """#!/usr/bin/python3
import hashlib, sys
data = sys.stdin.buffer.read()
sys.stdout.write("Content-Type: text/plain\\n\\n%d %s"
                 % (len(data), hashlib.sha1(data).hexdigest()))
"""

DIGEST_LUA = """function handle(r)
    local data = r:requestbody() or ""
    r.content_type = "text/plain"
    r:puts(#data .. " " .. r:sha1(data))
    return apache2.OK
end
"""

NOREAD_LUA = """function handle(r)
    r.content_type = "text/plain"
    r:puts("answered without reading the body")
    return apache2.OK
end
"""

DIGEST_PHP = """<?php
$data = file_get_contents('php://input');
header('Content-Type: text/plain');
echo strlen($data), ' ', sha1($data);
"""

DIGEST_WSGI = """import hashlib
def application(environ, start_response):
    data = environ["wsgi.input"].read()
    out = ("%d %s" % (len(data), hashlib.sha1(data).hexdigest())).encode()
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(out)))])
    return [out]
"""

DIGEST_PERL = """package ExpectDigest;
use strict;
use warnings;
use Apache2::RequestRec ();
use Apache2::RequestIO ();
use Apache2::Const -compile => qw(OK);
use Digest::SHA qw(sha1_hex);

# Reads the whole body; ExpectDigest::partial only its first 100 bytes,
# and the core discards the rest after the handler.
sub handler {
    my $r = shift;
    my ($data, $buf) = ("", "");
    while ($r->read($buf, 65536) > 0) {
        $data .= $buf;
    }
    $r->content_type("text/plain");
    $r->print(length($data) . " " . sha1_hex($data));
    return Apache2::Const::OK;
}

sub partial {
    my $r = shift;
    my $data = "";
    $r->read($data, 100);
    $r->content_type("text/plain");
    $r->print(length($data) . " " . sha1_hex($data));
    return Apache2::Const::OK;
}
1;
"""

KEPT_SHTML = '<!--#include virtual="/cgi/digest.cgi" -->'

# The handlers, by the path under /<policy>/ that reaches each.
CONFIG = """
{docroot}AddHandler cgi-script .cgi
AddHandler lua-script .lua
AddHandler wsgi-script .wsgi
AddOutputFilter INCLUDES .shtml
<IfModule actions_module>
    Action digest-action /cgi/digest.cgi virtual
</IfModule>
<IfModule dav_fs_module>
    DavLockDB "{root}/davlock/db"
</IfModule>
<IfModule perl_module>
    PerlSwitches -I{root}/perl
    PerlModule ExpectDigest
</IfModule>
<IfModule dav_module>
    <LocationMatch "^/[a-z]+/dav/">
        Dav On
    </LocationMatch>
</IfModule>
<LocationMatch "/reflector$">
    SetHandler reflector
</LocationMatch>
<LocationMatch "/buffer$">
    SetHandler reflector
    SetInputFilter BUFFER
</LocationMatch>
<LocationMatch "/sed$">
    SetHandler reflector
    SetInputFilter sed
    <IfModule sed_module>
        InputSed "s/a/b/g"
    </IfModule>
</LocationMatch>
<LocationMatch "/deflate\\.cgi$">
    SetInputFilter DEFLATE
</LocationMatch>
<LocationMatch "/limited/">
    LimitRequestBody 1000
</LocationMatch>
<IfModule request_module>
    <LocationMatch "/kept\\.shtml$">
        KeptBodySize 100000
    </LocationMatch>
</IfModule>
<LocationMatch "^/[a-z]+/action$">
    SetHandler digest-action
</LocationMatch>
<IfModule perl_module>
    <LocationMatch "/perl$">
        SetHandler perl-script
        PerlResponseHandler ExpectDigest
    </LocationMatch>
    <LocationMatch "/perl-partial$">
        SetHandler perl-script
        PerlResponseHandler ExpectDigest::partial
    </LocationMatch>
</IfModule>
<LocationMatch "/fpm\\.php$">
    SetHandler "proxy:fcgi://127.0.0.1:{fpm}"
</LocationMatch>
{php}
{policies}
"""

MOD_PHP = """
<LocationMatch "/mod\\.php$">
    SetHandler application/x-httpd-php
</LocationMatch>
"""

POLICY = """
<Location "/{p}/">
    {directive}
</Location>
<Location "/{p}/proxy">
    ProxyPass "{b}/{p}/proxy"
</Location>
"""


def sha1(data):
    return hashlib.sha1(data).hexdigest()


def said(resp):
    """(length, SHA-1) of the body, as a digest handler tells them."""
    length, digest = resp.body.decode().split()
    return int(length), digest


def reflected(resp):
    return len(resp.body), sha1(resp.body)


def proxied(resp):
    answer = resp.json()
    return answer["length"], answer["sha1"]


def on_disk(server, path):
    with open(os.path.join(server.htdocs, path.lstrip("/")), "rb") as f:
        data = f.read()
    return len(data), sha1(data)


def kept(resp):
    return said(resp)


class Handler:
    """How to reach one handler, and how it tells what it read."""
    def __init__(self, name, path, seen, modules=(), transform=None,
                 encode=None, method="POST", body=BODY):
        self.name, self.path, self.seen = name, path, seen
        self.modules = modules      # the httpd modules it needs
        self.body = body
        self.transform = transform or (lambda b: b)
        self.encode = encode
        self.method = method

    def expected(self):
        data = self.transform(self.body)
        return len(data), sha1(data)


HANDLERS = [
    Handler("reflector", "reflector", reflected, ("reflector",)),
    Handler("buffer", "buffer", reflected, ("reflector", "buffer")),
    Handler("sed", "sed", reflected, ("reflector", "sed"),
            transform=lambda b: b.replace(b"a", b"b"), body=TEXT),
    Handler("deflate", "deflate.cgi", said, ("deflate",), encode="gzip"),
    Handler("kept-body-ssi", "kept.shtml", kept, ("include", "request")),
    Handler("dav-put", "dav/{id}.bin", on_disk, ("dav", "dav_fs"),
            method="PUT"),
    Handler("actions", "action", said, ("actions",)),
    Handler("lua", "digest.lua", said, ("lua",)),
    Handler("cgi", "digest.cgi", said),
    Handler("proxy-http", "proxy", proxied),
    Handler("proxy-fcgi-php-fpm", "fpm.php", said,
            ("proxy_fcgi", "php-fpm")),
    Handler("mod-php", "mod.php", said, ("php",)),
    Handler("mod-wsgi", "digest.wsgi", said, ("wsgi",)),
    Handler("mod-perl", "perl", said, ("perl",)),
    Handler("mod-perl-partial", "perl-partial", said, ("perl",),
            transform=lambda b: b[:100]),
]

# Handlers that never read the body, what they answer, what they need.
NOT_READING = [
    ("static", "static.txt", 200, ()),
    ("missing", "missing.txt", 404, ()),
    ("ssi-without-kept-body", "plain.shtml", 200, ("include",)),
]


class PhpFpm:
    """php-fpm on a free loopback port, for mod_proxy_fcgi."""
    def __init__(self, root):
        self.port = pyhttpd.free_port()
        conf = os.path.join(root, "php-fpm.conf")
        user = ("user = nobody\ngroup = %s\n" % pyhttpd.NOBODY_GROUP
                if os.geteuid() == 0 else "")
        write(conf, "[global]\nerror_log = {r}/php-fpm.log\n"
                    "daemonize = no\n[www]\nlisten = 127.0.0.1:{p}\n"
                    "pm = static\npm.max_children = 4\n{u}"
              .format(r=root, p=self.port, u=user))
        self.proc = subprocess.Popen([PHP_FPM, "-n", "-F", "-y", conf],
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                Conn(self.port).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("php-fpm did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


class Site:
    def __init__(self, httpd, root, port):
        self.httpd, self.root, self.port = httpd, root, port
        self.htdocs = os.path.join(root, "htdocs")


def make_site(name, with_module, fpm, backend):
    root = os.path.join(pyhttpd.TOP, "test", "run", "%s-%s" % (MPM, name))
    pyhttpd.prepare_root(root)
    h = os.path.join(root, "htdocs")
    write(os.path.join(h, "cgi", "digest.cgi"), DIGEST_CGI, 0o755)
    write(os.path.join(root, "perl", "ExpectDigest.pm"), DIGEST_PERL)
    os.makedirs(os.path.join(root, "davlock"))
    os.chmod(os.path.join(root, "davlock"), 0o777)
    for p in POLICIES:
        d = os.path.join(h, p)
        write(os.path.join(d, "digest.cgi"), DIGEST_CGI, 0o755)
        write(os.path.join(d, "deflate.cgi"), DIGEST_CGI, 0o755)
        write(os.path.join(d, "digest.lua"), DIGEST_LUA)
        write(os.path.join(d, "noread.lua"), NOREAD_LUA)
        write(os.path.join(d, "fpm.php"), DIGEST_PHP)
        write(os.path.join(d, "mod.php"), DIGEST_PHP)
        write(os.path.join(d, "digest.wsgi"), DIGEST_WSGI)
        write(os.path.join(d, "kept.shtml"), KEPT_SHTML)
        write(os.path.join(d, "plain.shtml"), "plain <!--#echo var=\"x\" -->")
        write(os.path.join(d, "static.txt"), "static\n")
        write(os.path.join(d, "limited", "static.txt"), "static\n")
        os.makedirs(os.path.join(d, "dav"))
        os.chmod(os.path.join(d, "dav"), 0o777)
    port = pyhttpd.free_port()
    modules = ["reflector", "buffer", "deflate", "sed", "request", "include",
               "dav", "dav_fs", "actions", "lua", "proxy_fcgi", "wsgi",
               "perl"]
    policies = "".join(POLICY.format(
        p=p, b=backend.url,
        directive="ExpectPolicy " + p if with_module else "")
        for p in POLICIES)
    conf = pyhttpd.base_config(root, MPM, (port,), modules,
                               expect=with_module)
    if not NO_MOD_PHP:
        conf += "LoadModule php_module %s\n" % LIBPHP
    conf += ("LogLevel info expect:trace2\n"
             'CustomLog "%s/outcome.log" "%%{EXPECT_OUTCOME}e %%U%%q"\n'
             % root) if with_module else ""
    conf += CONFIG.format(h=h, root=root,
                          docroot=pyhttpd.docroot(h, "Options +Includes"), fpm=fpm.port if fpm else 9,
                          php="" if NO_MOD_PHP else MOD_PHP,
                          policies=policies)
    httpd = pyhttpd.Httpd(root, conf, (port,))
    httpd.start()
    return Site(httpd, root, port)


@pytest.fixture(scope="module")
def sites():
    """(with the module, stock httpd), sharing one php-fpm and backend."""
    root = os.path.join(pyhttpd.TOP, "test", "run", MPM + "-fpm")
    pyhttpd.prepare_root(root)
    fpm = PhpFpm(root) if PHP_FPM else None
    backend = Backend(delay=0.2, digest=True)
    made = []
    try:
        made = [make_site("handlers", True, fpm, backend),
                make_site("stock", False, fpm, backend)]
        yield made
    finally:
        for site in made:
            site.httpd.stop()
        if fpm:
            fpm.stop()
        backend.stop()
    for site in made:
        crashes = site.httpd.crashes()
        assert not crashes, "child crashes:\n" + "\n".join(crashes)


def skip_unless_available(modules):
    if "php" in modules and NO_MOD_PHP:
        pytest.skip(NO_MOD_PHP)
    if "php-fpm" in modules and not PHP_FPM:
        pytest.skip("no /usr/sbin/php-fpm* (php-fpm)")
    modules = [m for m in modules if m not in ("php", "php-fpm")]
    if pyhttpd.lacks(*modules):
        pytest.skip(pyhttpd.lacks(*modules))


def send(site, handler, policy, expect):
    """One request with BODY; returns (Exchange or None, response, path)."""
    path = "/%s/%s?%s" % (policy, handler.path.format(id=uuid.uuid4().hex),
                          uuid.uuid4().hex)
    body, extra = handler.body, []
    if handler.encode == "gzip":
        body = gzip.compress(body)
        extra = ["Content-Encoding: gzip"]
    if expect:
        ex = expect_exchange(site.port, path, body, method=handler.method,
                             wait=1.0, extra=extra, timeout=15)
        ex.conn.close()
        return ex, ex.final, path
    c = Conn(site.port)
    c.send(head(handler.method, path, length=len(body), expect=None,
                extra=extra) + body)
    resp = c.read_response(handler.method, 15)
    c.close()
    return None, resp, path


def what_was_seen(site, handler, resp, path):
    if handler.seen is on_disk:
        return on_disk(site, path.split("?")[0])
    return handler.seen(resp)


def outcome(site, path, timeout=3):
    """EXPECT_OUTCOME of the request for `path` (access log)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(os.path.join(site.root, "outcome.log")) as f:
            for line in f:
                value, logged = line.split(" ", 1)
                if logged.strip() == path:
                    return value
        time.sleep(0.05)
    raise AssertionError("no access log line for " + path)


@pytest.mark.parametrize("expect", [True, False], ids=["expect", "plain"])
@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("handler", HANDLERS, ids=[h.name for h in HANDLERS])
def test_reading_handler(sites, handler, policy, expect):
    skip_unless_available(handler.modules)
    module, stock = sites
    _, stock_resp, stock_path = send(stock, handler, policy, expect)
    assert stock_resp.status in (200, 201)
    assert what_was_seen(stock, handler, stock_resp, stock_path) \
        == handler.expected()

    ex, resp, path = send(module, handler, policy, expect)
    if expect and policy == "reject":
        # The refusal the administrator chose, before any body byte.
        assert resp.status == 417
        assert ex.interim is None and not ex.body_sent
        return
    assert resp.status == stock_resp.status
    assert what_was_seen(module, handler, resp, path) == handler.expected()
    if expect and policy in ("continue", "immediate"):
        assert ex.interim is not None and ex.interim.status == 100
        assert outcome(module, path) == policy
    if expect and policy == "ignore":
        assert ex.interim is None


@pytest.mark.parametrize("policy", ["continue", "ignore"])
@pytest.mark.parametrize("name,path,status,modules", NOT_READING,
                         ids=[n for n, _, _, _ in NOT_READING])
def test_handler_that_never_reads_costs_no_upload(sites, name, path, status,
                                                  modules, policy):
    skip_unless_available(modules)
    module, stock = sites
    # Stock httpd asks for the body (100 Continue) and throws it away.
    ex = expect_exchange(stock.port, "/%s/%s" % (policy, path), BODY,
                         wait=3)
    assert ex.final.status == status
    assert ex.interim is not None and ex.body_sent
    ex.conn.close()

    ex = expect_exchange(module.port, "/%s/%s" % (policy, path), BODY,
                         wait=3)
    assert ex.final.status == status
    assert ex.interim is None and not ex.body_sent
    assert "close" in ex.final.connection()
    assert ex.conn.closed()


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("path", ["limited/static.txt", "limited/reflector"])
def test_limit_request_body_answers_413(sites, policy, path):
    skip_unless_available(("reflector",) if "reflector" in path else ())
    # The declared length is over LimitRequestBody: the core answers 413
    # at once, without asking for the body, with the module as without.
    module, stock = sites
    ex = expect_exchange(stock.port, "/%s/%s" % (policy, path), BODY, wait=3)
    assert ex.final.status == 413
    assert ex.interim is None and not ex.body_sent
    ex.conn.close()
    ex = expect_exchange(module.port, "/%s/%s" % (policy, path), BODY,
                         wait=3)
    assert ex.final.status == (417 if policy == "reject" else 413)
    assert ex.interim is None and not ex.body_sent
    ex.conn.close()


@pytest.mark.log_expected(r"AH01412: Requested content-length")
@pytest.mark.parametrize("policy", POLICIES)
def test_kept_body_over_its_size(sites, policy):
    skip_unless_available(("include", "request"))
    # mod_request keeps at most KeptBodySize bytes: 413, as on stock
    # httpd, and no child crashes (the fixture scans the error logs).
    body = BODY * 8
    module, stock = sites
    for site in (stock, module):
        ex = expect_exchange(site.port, "/%s/kept.shtml" % policy, body,
                             wait=1.0, timeout=15)
        ex.conn.close()
        if site is module and policy == "reject":
            assert ex.final.status == 417
        else:
            assert ex.final.status == 413
