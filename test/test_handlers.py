"""The handler matrix: every body-reading handler Debian packages, under
every policy, with Expect and without, against the same configuration on
stock httpd (the module not loaded).

A reading handler must see exactly the bytes the client sent (each answers
with their length and SHA-1, or with the bytes themselves), and never fare
worse than on stock httpd. A handler that never reads must cost the client
no upload where the module can tell (the core's default handler).

Besides the policies, each site has /ignore1/: "ignore" with an
ExpectIgnoreGrace of 1 s, where a client without a timer of its own (it
sends the body only after a 100 or never) must get its answer in time.
"""
import base64
import glob
import gzip
import hashlib
import os
import shutil
import subprocess
import time
import urllib.parse
import uuid

import pytest

import pyhttpd
from backend import Backend
from backends_more import H2cBackend, NO_TOMCAT, NO_UWSGI, Tomcat, Uwsgi
from client import Conn, expect_exchange, head
from conftest import MPM, PASSWORD, POLICIES, USER
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
PHP_CGI = shutil.which("php-cgi")
NO_SVN = (None if shutil.which("svnadmin") and shutil.which("svnlook") else
          "no svnadmin and svnlook (subversion)")

# The first path segment of every location of a site, and what the
# module's site sets there (stock httpd sets nothing). "ignore1" is
# "ignore" with a short grace, for clients without a timer of their own.
GRACE = 1
LOCATIONS = dict([(p, "ExpectPolicy " + p) for p in POLICIES]
                 + [("ignore1", "ExpectPolicy ignore\n    "
                                "ExpectIgnoreGrace %d" % GRACE)])
# How long a client without a timer waits for a 100 before it sends the
# body anyway: far past any grace, so it never does in a passing test.
TIMERLESS = 30
# How much slower than stock httpd the module may be before it counts as
# a stall (continue, immediate, no Expect).
SLACK = 1.0

# ModSecurity denies a body with this word (BODY has none).
FORBIDDEN_BODY = TEXT[:10000] + b"forbidden-word\n" + TEXT[:10000]
FORM_TYPE = "Content-Type: application/x-www-form-urlencoded"
LOGIN = urllib.parse.urlencode({"httpd_username": USER,
                                "httpd_password": PASSWORD}).encode()
BAD_LOGIN = urllib.parse.urlencode({"httpd_username": USER,
                                    "httpd_password": "wrong"}).encode()
# An inline login (mod_auth_form): the credentials and, in httpd_body,
# the body the protected handler is to see instead (kept by mod_request).
INLINE_DATA = TEXT[:6000]
INLINE_LOGIN = urllib.parse.urlencode({
    "httpd_username": USER, "httpd_password": PASSWORD,
    "httpd_method": "POST", "httpd_mimetype": "text/plain",
    "httpd_body": INLINE_DATA.decode()}).encode()

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
    <LocationMatch "^/[a-z0-9]+/dav/">
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
<LocationMatch "^/[a-z0-9]+/action$">
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
# slotmem_shm (mod_proxy_balancer) puts its files here.
DefaultRuntimeDir "{root}"
<IfModule security2_module>
    # Off but where its rows are, so that no other row goes through it.
    SecRuleEngine Off
    SecRequestBodyAccess On
    SecAuditEngine Off
    SecTmpDir "{root}/modsec"
    SecDataDir "{root}/modsec"
    <LocationMatch "^/[a-z0-9]+/modsec/">
        SecRuleEngine On
    </LocationMatch>
    <LocationMatch "^/[a-z0-9]+/modsec/deny/">
        SecRule REQUEST_BODY "@contains forbidden-word" \
            "id:1001,phase:2,deny,status:403,log"
    </LocationMatch>
    <LocationMatch "^/[a-z0-9]+/modsec/limit/">
        SecRequestBodyLimit 1000
    </LocationMatch>
</IfModule>
<IfModule fcgid_module>
    FcgidIPCDir "{root}/fcgid"
    FcgidProcessTableFile "{root}/fcgid/shm"
    <LocationMatch "/fcgid\\.php$">
        SetHandler fcgid-script
        FcgidWrapper {php_cgi}
    </LocationMatch>
</IfModule>
<IfModule auth_form_module>
    <LocationMatch "^/[a-z0-9]+/(login$|form/)">
        AuthType form
        AuthName "mod_expect form"
        AuthFormProvider file
        AuthUserFile "{root}/htpasswd"
        Session On
        SessionCookieName session path=/
    </LocationMatch>
    <LocationMatch "^/[a-z0-9]+/login$">
        SetHandler form-login-handler
        AuthFormLoginSuccessLocation "http://localhost/welcome"
    </LocationMatch>
    <LocationMatch "^/[a-z0-9]+/form/">
        Require valid-user
    </LocationMatch>
    <LocationMatch "^/[a-z0-9]+/form/inline/">
        AuthFormSize 100000
        KeptBodySize 100000
    </LocationMatch>
</IfModule>
<IfModule proxy_balancer_module>
    <Proxy "balancer://digest">
        BalancerMember "{b}"
        BalancerMember "{b2}"
        ProxySet lbmethod=byrequests
    </Proxy>
</IfModule>
{php}
{policies}
"""

MOD_PHP = """
<LocationMatch "/mod\\.php$">
    SetHandler application/x-httpd-php
</LocationMatch>
"""

# The backends each row reaches, under every location.
POLICY = """
<Location "/{p}/">
    {directive}
</Location>
<Location "/{p}/proxy">
    ProxyPass "{b}/{p}/proxy"
</Location>
<Location "/{p}/uwsgi">
    ProxyPass "uwsgi://127.0.0.1:{uwsgi}/"
</Location>
<Location "/{p}/scgi">
    ProxyPass "scgi://127.0.0.1:{scgi}/"
</Location>
<Location "/{p}/ajp">
    ProxyPass "ajp://127.0.0.1:{ajp}/digest.jsp"
</Location>
<IfModule proxy_http2_module>
    <Location "/{p}/h2c/">
        ProxyPass "h2c://127.0.0.1:{h2c}/"
    </Location>
</IfModule>
<IfModule proxy_balancer_module>
    <Location "/{p}/balancer">
        ProxyPass "balancer://digest/{p}/balancer"
    </Location>
</IfModule>
<IfModule dav_svn_module>
    <Location "/{p}/svn">
        DAV svn
        SVNPath "{root}/svn/{p}"
        SVNAutoversioning on
    </Location>
</IfModule>
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


def on_disk(site, path):
    with open(os.path.join(site.htdocs, path.lstrip("/")), "rb") as f:
        data = f.read()
    return len(data), sha1(data)


def in_svn(site, path):
    """What the PUT of /<location>/svn/<name> committed to that location's
    repository, as svnlook reads it from the youngest revision."""
    location, name = path.lstrip("/").split("/svn/", 1)
    data = subprocess.run(["svnlook", "cat", svn_repo(site.root, location),
                           name], stdout=subprocess.PIPE,
                          check=True).stdout
    return len(data), sha1(data)


def kept(resp):
    return said(resp)


def logged_in(resp):
    """The answer sets a session cookie of USER (mod_session_cookie keeps
    the session in clear, without mod_session_crypto)."""
    cookie = resp.header("set-cookie") or ""
    return cookie.startswith("session=") and USER in cookie


def session_cookie(site):
    """A Cookie line of a session of USER on `site`: the login row's own
    request, once per site."""
    if not site.cookie:
        c = Conn(site.port)
        c.send(head("POST", "/continue/login", length=len(LOGIN),
                    expect=None, extra=[FORM_TYPE]) + LOGIN)
        resp = c.read_response("POST", 15)
        c.close()
        assert resp.status == 302 and logged_in(resp), resp
        site.cookie = "Cookie: " + resp.header("set-cookie").split(";")[0]
    return [site.cookie]


class Handler:
    """How to reach one handler, and how it tells what it read."""
    def __init__(self, name, path, seen, modules=(), transform=None,
                 encode=None, method="POST", body=BODY, status=(200, 201),
                 sees=None, extra=(), chunked=False, logs=(),
                 early=False):
        self.name, self.path, self.seen = name, path, seen
        self.modules = modules      # the httpd modules (and programs) needed
        self.body = body
        self.transform = transform or (lambda b: b)
        self.encode = encode
        self.method = method
        self.status = status        # what stock httpd answers
        self.sees = sees            # what seen() gives, if not the digest
        self.extra = extra          # header lines, or a function of the site
        self.chunked = chunked      # the body goes chunked
        self.logs = logs            # error log lines it causes on purpose
        # The body is read before the handler (ModSecurity's phase 2 in
        # the fixups, mod_auth_form's login in the authentication), so
        # before the 100 of "immediate": the core's comes first.
        self.early = early

    def expected(self):
        if self.sees is not None:
            return self.sees
        data = self.transform(self.body)
        return len(data), sha1(data)


MODSEC = ("unique_id", "security2")
AUTH_FORM = ("session", "session_cookie", "request", "auth_form")
# ModSecurity's refusals, at error level, on purpose.
MODSEC_DENIED = r"ModSecurity: Access denied with code 403"
MODSEC_TOO_LARGE = r"ModSecurity: Request body .*is larger than the " \
                   r"configured limit"

# seen None: the handler never sees the body (a refusal); only the
# status tells, against stock httpd's.
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
    Handler("modsec-pass", "modsec/digest.cgi", said, MODSEC, early=True),
    # A form: ModSecurity fills REQUEST_BODY only with a body processor.
    Handler("modsec-deny", "modsec/deny/digest.cgi", None, MODSEC,
            body=FORBIDDEN_BODY, extra=[FORM_TYPE], status=(403,),
            logs=(MODSEC_DENIED,), early=True),
    Handler("modsec-limit", "modsec/limit/digest.cgi", None, MODSEC,
            status=(413,), logs=(MODSEC_TOO_LARGE,), early=True),
    Handler("modsec-limit-chunked", "modsec/limit/digest.cgi", None, MODSEC,
            status=(413,), chunked=True, logs=(MODSEC_TOO_LARGE,),
            early=True),
    Handler("fcgid-php-cgi", "fcgid.php", said, ("fcgid", "php-cgi")),
    Handler("auth-form-login", "login", logged_in, AUTH_FORM, body=LOGIN,
            extra=[FORM_TYPE], status=(302,), sees=True),
    Handler("auth-form-bad-login", "login", logged_in, AUTH_FORM,
            body=BAD_LOGIN, extra=[FORM_TYPE], status=(401,), sees=False,
            logs=(r"AH01807: user 'alice': authentication failure",)),
    Handler("auth-form-session", "form/digest.cgi", said, AUTH_FORM,
            extra=session_cookie),
    Handler("auth-form-inline", "form/inline/digest.cgi", said, AUTH_FORM,
            body=INLINE_LOGIN, extra=[FORM_TYPE],
            transform=lambda b: INLINE_DATA, early=True),
    Handler("proxy-uwsgi", "uwsgi", said, ("proxy_uwsgi", "uwsgi")),
    Handler("proxy-scgi-uwsgi", "scgi", said, ("proxy_scgi", "uwsgi")),
    Handler("proxy-ajp-tomcat", "ajp", said, ("proxy_ajp", "tomcat")),
    Handler("proxy-http2-h2c", "h2c/digest.cgi", said,
            ("http2", "proxy_http2")),
    Handler("proxy-balancer", "balancer", proxied,
            ("proxy_balancer", "lbmethod_byrequests", "slotmem_shm")),
    Handler("dav-svn-put", "svn/{id}.bin", in_svn, ("dav", "dav_svn", "svn"),
            method="PUT"),
]


def handler_params(handlers):
    """The handlers as parameters, each with the log lines it causes."""
    return [pytest.param(h, id=h.name,
                         marks=pytest.mark.log_expected(*h.logs))
            for h in handlers]


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
        self.cookie = None          # see session_cookie()


def svn_repo(root, location):
    return os.path.join(root, "svn", location)


def make_svn_repos(root):
    """A repository per location; the httpd children (nobody when the
    suite runs as root) commit to it."""
    for location in LOCATIONS:
        repo = svn_repo(root, location)
        os.makedirs(os.path.dirname(repo), exist_ok=True)
        subprocess.run(["svnadmin", "create", repo], check=True)
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "nobody:" + pyhttpd.NOBODY_GROUP,
                        os.path.join(root, "svn")], check=True)


def make_site(name, with_module, ports):
    root = os.path.join(pyhttpd.TOP, "test", "run", "%s-%s" % (MPM, name))
    pyhttpd.prepare_root(root)
    h = os.path.join(root, "htdocs")
    write(os.path.join(h, "cgi", "digest.cgi"), DIGEST_CGI, 0o755)
    write(os.path.join(root, "perl", "ExpectDigest.pm"), DIGEST_PERL)
    sha = base64.b64encode(hashlib.sha1(PASSWORD.encode()).digest())
    write(os.path.join(root, "htpasswd"), "%s:{SHA}%s\n"
          % (USER, sha.decode()))
    for d in ("davlock", "modsec", "fcgid"):
        os.makedirs(os.path.join(root, d))
        os.chmod(os.path.join(root, d), 0o777)
    for p in LOCATIONS:
        d = os.path.join(h, p)
        for cgi in ("digest.cgi", "deflate.cgi", "modsec/digest.cgi",
                    "modsec/deny/digest.cgi", "modsec/limit/digest.cgi",
                    "form/digest.cgi", "form/inline/digest.cgi"):
            write(os.path.join(d, cgi), DIGEST_CGI, 0o755)
        write(os.path.join(d, "digest.lua"), DIGEST_LUA)
        write(os.path.join(d, "noread.lua"), NOREAD_LUA)
        write(os.path.join(d, "fpm.php"), DIGEST_PHP)
        write(os.path.join(d, "mod.php"), DIGEST_PHP)
        write(os.path.join(d, "fcgid.php"), DIGEST_PHP)
        write(os.path.join(d, "digest.wsgi"), DIGEST_WSGI)
        write(os.path.join(d, "kept.shtml"), KEPT_SHTML)
        write(os.path.join(d, "plain.shtml"), "plain <!--#echo var=\"x\" -->")
        write(os.path.join(d, "static.txt"), "static\n")
        write(os.path.join(d, "limited", "static.txt"), "static\n")
        os.makedirs(os.path.join(d, "dav"))
        os.chmod(os.path.join(d, "dav"), 0o777)
    if not NO_SVN:
        make_svn_repos(root)
    port = pyhttpd.free_port()
    # In the order they load: mod_auth_form needs mod_session and
    # mod_request, mod_dav_svn mod_dav, mod_security2 mod_unique_id.
    modules = ["reflector", "buffer", "deflate", "sed", "request", "include",
               "dav", "dav_fs", "actions", "lua", "proxy_fcgi", "wsgi",
               "perl", "unique_id", "security2", "fcgid", "session",
               "session_cookie", "auth_form", "proxy_uwsgi", "proxy_scgi",
               "proxy_ajp", "http2", "proxy_http2", "slotmem_shm",
               "proxy_balancer", "lbmethod_byrequests", "dav_svn"]
    policies = "".join(POLICY.format(
        p=p, root=root, directive=directive if with_module else "",
        **ports) for p, directive in LOCATIONS.items())
    conf = pyhttpd.base_config(root, MPM, (port,), modules,
                               expect=with_module)
    if not NO_MOD_PHP:
        conf += "LoadModule php_module %s\n" % LIBPHP
    conf += ("LogLevel info expect:trace2\n"
             'CustomLog "%s/outcome.log" "%%{EXPECT_OUTCOME}e %%U%%q"\n'
             % root) if with_module else ""
    conf += CONFIG.format(h=h, root=root,
                          docroot=pyhttpd.docroot(h, "Options +Includes"),
                          fpm=ports["fpm"], b=ports["b"], b2=ports["b2"],
                          php_cgi=PHP_CGI or "/bin/false",
                          php="" if NO_MOD_PHP else MOD_PHP,
                          policies=policies)
    httpd = pyhttpd.Httpd(root, conf, (port,))
    httpd.start()
    return Site(httpd, root, port)


def warm_up(site, path):
    """One request without Expect, so that a backend's first-request cost
    (Tomcat compiling the JSP) is not in any timing."""
    c = Conn(site.port)
    c.send(head("POST", path, length=len(BODY), expect=None) + BODY)
    c.read_response("POST", 60)
    c.close()


@pytest.fixture(scope="module")
def sites():
    """(with the module, stock httpd), sharing the backends: php-fpm,
    two HTTP origins, uwsgi, Tomcat and a stock httpd speaking h2c. A
    backend that cannot run here gets port 9 (discard): its rows skip."""
    root = os.path.join(pyhttpd.TOP, "test", "run", MPM + "-backends")
    pyhttpd.prepare_root(root)
    started, made = [], []
    try:
        backend = Backend(delay=0.2, digest=True)
        started.append(backend)
        backend2 = Backend(delay=0.2, digest=True)
        started.append(backend2)
        ports = dict(b=backend.url, b2=backend2.url, fpm=9, uwsgi=9,
                     scgi=9, ajp=9, h2c=9)
        if PHP_FPM:
            fpm = PhpFpm(root)
            started.append(fpm)
            ports["fpm"] = fpm.port
        if not NO_UWSGI:
            uwsgi = Uwsgi(root, DIGEST_WSGI)
            started.append(uwsgi)
            ports.update(uwsgi=uwsgi.port, scgi=uwsgi.scgi_port)
        if not NO_TOMCAT:
            tomcat = Tomcat(root)
            started.append(tomcat)
            ports["ajp"] = tomcat.port
        h2c = None
        if not pyhttpd.lacks("http2"):
            h2c = H2cBackend(os.path.join(pyhttpd.TOP, "test", "run",
                                          MPM + "-h2c"), DIGEST_CGI)
            started.append(h2c)
            ports["h2c"] = h2c.port
        made = [make_site("handlers", True, ports),
                make_site("stock", False, ports)]
        if not NO_TOMCAT and not pyhttpd.lacks("proxy_ajp"):
            warm_up(made[1], "/continue/ajp")
        yield made
    finally:
        for site in made:
            site.httpd.stop()
        for backend in reversed(started):
            backend.stop()
    httpds = [site.httpd for site in made] + ([h2c.httpd] if h2c else [])
    for httpd in httpds:
        crashes = httpd.crashes()
        assert not crashes, "child crashes:\n" + "\n".join(crashes)


# Rows that need more than an httpd module: why each cannot run here.
PROGRAMS = {
    "php": NO_MOD_PHP,
    "php-fpm": None if PHP_FPM else "no /usr/sbin/php-fpm* (php-fpm)",
    "php-cgi": None if PHP_CGI else "no php-cgi (php-cgi)",
    "uwsgi": NO_UWSGI,
    "tomcat": NO_TOMCAT,
    "svn": NO_SVN,
}


def skip_unless_available(modules):
    for m in modules:
        if PROGRAMS.get(m):
            pytest.skip(PROGRAMS[m])
    modules = [m for m in modules if m not in PROGRAMS]
    if pyhttpd.lacks(*modules):
        pytest.skip(pyhttpd.lacks(*modules))


def send(site, handler, location, expect, wait=1.0):
    """One request with the handler's body to /<location>/...; with
    `expect`, from a client that sends its body after a 100 or after
    `wait` seconds. Returns (Exchange, path)."""
    path = "/%s/%s?%s" % (location,
                          handler.path.format(id=uuid.uuid4().hex),
                          uuid.uuid4().hex)
    body = handler.body
    extra = handler.extra(site) if callable(handler.extra) else handler.extra
    if handler.encode == "gzip":
        body = gzip.compress(body)
        extra = list(extra) + ["Content-Encoding: gzip"]
    ex = expect_exchange(site.port, path, body, method=handler.method,
                         wait=wait, expect="100-continue" if expect else None,
                         extra=extra, timeout=15, chunks=handler.chunked)
    ex.conn.close()
    return ex, path


def what_was_seen(site, handler, resp, path):
    if handler.seen in (on_disk, in_svn):
        return handler.seen(site, path.split("?")[0])
    return handler.seen(resp)


def check_stock(stock, handler, ex, path):
    """Stock httpd answers the row as the row says it does."""
    assert ex.final.status in handler.status, ex.final
    if handler.seen:
        assert what_was_seen(stock, handler, ex.final, path) \
            == handler.expected()


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
@pytest.mark.parametrize("handler", handler_params(HANDLERS))
def test_reading_handler(sites, handler, policy, expect):
    skip_unless_available(handler.modules)
    module, stock = sites
    stock_ex, stock_path = send(stock, handler, policy, expect)
    check_stock(stock, handler, stock_ex, stock_path)

    ex, path = send(module, handler, policy, expect)
    if expect and policy == "reject":
        # The refusal the administrator chose, before any body byte.
        assert ex.final.status == 417
        assert ex.interim is None and not ex.body_sent
        return
    assert ex.final.status == stock_ex.final.status
    if handler.seen:
        assert what_was_seen(module, handler, ex.final, path) \
            == handler.expected()
    if not expect or policy in ("continue", "immediate"):
        # No stall: what stock httpd does at once, the module does too.
        assert ex.t_final < stock_ex.t_final + SLACK, \
            "%.2f s, stock %.2f s" % (ex.t_final, stock_ex.t_final)
    stock_asked = stock_ex.interim is not None
    if expect and policy in ("continue", "immediate"):
        # A 100 exactly where stock httpd sends one: every row reads the
        # body, or refuses it before any read (ModSecurity's 413).
        assert (ex.interim is not None) == stock_asked
        assert ex.interim is None or ex.interim.status == 100
        if stock_asked:
            assert outcome(module, path) == (
                "immediate" if policy == "immediate" and not handler.early
                else "continue")
    if expect and policy == "ignore":
        assert ex.interim is None


@pytest.mark.parametrize("handler", handler_params(HANDLERS))
def test_client_without_timer_under_ignore(sites, handler):
    """A client that never sends the body before a 100 or a final answer
    (aiohttp, Node's http): under ignore with ExpectIgnoreGrace 1, the
    handler's read gets the body after the grace, and the client the
    answer stock httpd gives, at most the grace (and 1 s) later."""
    skip_unless_available(handler.modules)
    module, stock = sites
    stock_ex, stock_path = send(stock, handler, "ignore1", True,
                                wait=TIMERLESS)
    check_stock(stock, handler, stock_ex, stock_path)

    ex, path = send(module, handler, "ignore1", True, wait=TIMERLESS)
    assert ex.final.status == stock_ex.final.status, \
        "%s after %.1f s" % (ex.final, ex.t_final)
    if handler.seen:
        assert what_was_seen(module, handler, ex.final, path) \
            == handler.expected()
    # The body went, after a 100, exactly where stock httpd asked for it.
    assert ex.body_sent == stock_ex.body_sent
    assert not ex.body_sent or ex.interim.status == 100
    assert ex.t_final < stock_ex.t_final + GRACE + 1.0, \
        "%.2f s, stock %.2f s" % (ex.t_final, stock_ex.t_final)


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


@pytest.mark.parametrize("policy", ["continue", "ignore"])
def test_chunked_body_over_limit_to_a_static_file(sites, policy):
    # A chunked body declares no length. Stock httpd asks for it, reads it
    # up to LimitRequestBody and answers 413; the module answers the
    # static file without asking for the body (README, "When the 100 is
    # withheld"), and closes the connection.
    module, stock = sites
    path = "/%s/limited/static.txt" % policy
    ex = expect_exchange(stock.port, path, BODY, wait=3, chunks=True)
    assert ex.interim is not None and ex.body_sent
    assert ex.final.status == 413
    ex.conn.close()
    ex = expect_exchange(module.port, path, BODY, wait=3, chunks=True)
    assert ex.interim is None and not ex.body_sent
    assert ex.final.status == 200 and "close" in ex.final.connection()
    assert ex.conn.closed()


@pytest.mark.parametrize("policy", ["continue", "immediate"])
def test_chunked_body_over_limit_to_a_reader(sites, policy):
    skip_unless_available(("reflector",))
    # A handler reads it: 413 after the 100, as on stock httpd.
    for site in sites:
        ex = expect_exchange(site.port, "/%s/limited/reflector" % policy,
                             BODY, wait=3, chunks=True)
        assert ex.interim is not None and ex.body_sent
        assert ex.final.status == 413
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
