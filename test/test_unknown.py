"""ExpectUnknown, and the module's own parse of the Expect field, on a
second httpd where one virtual host ignores unknown expectations (which
makes the module take the field from the core's sight)."""
import os
import re
import subprocess
import time

import pytest

import pyhttpd
from client import Conn, expect_exchange, head
from conftest import MPM, tls_conn, tmp_conf_dir

SMUGGLED = b"GET /static.txt HTTP/1.1\r\nHost: localhost\r\n\r\n"

def port(httpd):
    return httpd.ports[0]


def test_ignore_keeps_100_continue(strict):
    ex = expect_exchange(port(strict), "/echo.cgi", host="ignore.test",
                         expect="100-continue, foo")
    assert ex.interim.status == 100
    assert ex.final.json() == {"length": 1000, "expect": "100-continue"}


def test_ignore_drops_unknown_members(strict):
    offset = strict.log_size()
    ex = expect_exchange(port(strict), "/echo.cgi", host="ignore.test",
                         expect="foo=\"bar\";x=1, , baz", wait=0.5)
    assert ex.interim is None and ex.body_sent
    assert ex.final.json() == {"length": 1000, "expect": None}
    assert "ignoring 2 unknown expectation(s) in 'Expect: foo=" in \
        strict.log_since(offset)
    # Logged once the response is out.
    deadline = time.monotonic() + 3
    while "outcome unknown-ignored" not in strict.log_since(offset):
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_two_expect_lines_of_100_continue(strict):
    c = Conn(port(strict))
    c.send(head("POST", "/echo.cgi", "ignore.test", 3,
                extra=["Expect: 100-continue"]))
    assert c.read_head(3).status == 100
    c.send(b"abc")
    assert c.read_response().json() == {"length": 3,
                                        "expect": "100-continue"}


@pytest.mark.parametrize("host,text", [
    ("localhost", "<code>Expect: foo</code>"),
    ("doc.test", "doc.test: no such expectation here"),
])
def test_reject_unknown_per_virtual_host(strict, host, text):
    ex = expect_exchange(port(strict), "/echo.cgi", host=host, expect="foo",
                         wait=3)
    assert ex.final.status == 417 and not ex.body_sent
    assert text in ex.final.body.decode()
    assert "close" in ex.final.connection()
    ex.conn.send(b"x" * 1000 + SMUGGLED)
    assert ex.conn.closed()


@pytest.mark.parametrize("expect", ["y 100-continue", "100-continue x",
                                    "100-continue;x=1", "100-continue=1",
                                    "100-continue\x01", "\"100-continue\""])
@pytest.mark.parametrize("host", ["localhost", "ignore.test"])
def test_ambiguous_never_becomes_100_continue(strict, host, expect):
    ex = expect_exchange(port(strict), "/echo.cgi", host=host, expect=expect,
                         wait=3)
    assert ex.interim is None and not ex.body_sent
    assert ex.final.status == 417
    assert "close" in ex.final.connection()
    ex.conn.send(b"x" * 1000 + SMUGGLED)
    assert ex.conn.closed()


@pytest.mark.parametrize("field", [b"Expect:\r\n 100-continue",
                                   b"Expect: 100-continue\r\n\tfoo",
                                   b"Expect: " + b"100-continue, " * 700])
def test_folded_or_oversized_field_is_refused(strict, field):
    c = Conn(port(strict))
    c.send(b"POST /echo.cgi HTTP/1.1\r\nHost: ignore.test\r\n" + field
           + b"\r\nContent-Length: 1000\r\n\r\n")
    resp = c.read_head(3)
    assert resp.status == 400
    c.read_body(resp, "POST", 3)
    c.send(b"x" * 1000 + SMUGGLED)
    assert c.closed()


@pytest.mark.parametrize("endless", [b"Expect: " + b"a" * 100000,
                                     b"Expect: a" + b"\r\n b" * 40000],
                         ids=["one-line", "folded"])
def test_endless_field_is_refused_at_the_limit(strict, endless):
    """A field that never ends, on one line or folded: refused once it is
    over LimitRequestFieldSize, not read on (nor kept) to its end."""
    c = Conn(port(strict))
    c.send(b"POST /echo.cgi HTTP/1.1\r\nHost: ignore.test\r\n" + endless)
    resp = c.read_head(3)
    assert resp is not None and resp.status == 400
    assert "close" in resp.connection()


def test_requests_without_expect_are_untouched(strict):
    c = Conn(port(strict))
    # Pipelined, with blank lines before the request line.
    c.send(b"\r\n" + head("GET", "/static.txt", expect=None)
           + head("POST", "/echo.cgi", length=3, expect=None) + b"abc"
           + head("GET", "/static.txt", "ignore.test", expect=None))
    assert c.read_response("GET").body == b"static\n"
    assert c.read_response().json() == {"length": 3, "expect": None}
    assert c.read_response("GET").body == b"static\n"
    assert not c.interims


def test_field_in_two_buckets(strict):
    """An Expect line that reaches the module in two buckets: the core
    keeps a read of over 2000 bytes as it came (apr_brigade_split_line()),
    and its member 100-continue is in the second."""
    c = Conn(port(strict))
    data = head("POST", "/echo.cgi", "ignore.test", 3,
                expect="foo" + ", " * 1500 + ", 100-continue")
    cut = data.index(b"Expect") + 2500
    c.send(data[:cut])
    time.sleep(0.3)
    c.send(data[cut:])
    assert c.read_head(3).status == 100
    c.send(b"abc")
    assert c.read_response().json() == {"length": 3,
                                        "expect": "100-continue"}


# httpd reads a line of the head up to its LF, or until 8 KiB have come
# (HUGE_STRING_LEN; mod_ssl's buffer over TLS), and then reads on: a line
# sent in two parts, the first one 8 KiB long, reaches the module in two
# reads. What the second one starts with ("Expect:") is no line of its
# own.
FIRST_PART = 8192


def send_in_two_reads(c, data, cut):
    assert cut >= FIRST_PART and b"\n" not in data[:cut]
    c.send(data[:cut])
    time.sleep(0.3)
    c.send(data[cut:])


def long_field_cut_before_expect(c, host):
    value = "a" * (FIRST_PART - len("X-Long: ")) + "Expect: foo"
    data = (b"POST /env.cgi HTTP/1.1\r\n"
            + ("X-Long: " + value).encode() + b"\r\n"
            + ("Host: %s\r\n" % host).encode()
            + b"Expect: 100-continue\r\nContent-Length: 3\r\n\r\n")
    cut = data.index(b"X-Long")
    c.send(data[:cut])
    send_in_two_reads(c, data[cut:], FIRST_PART)
    assert c.read_head(3).status == 100
    c.send(b"abc")
    assert c.read_response().json() == {"length": 3, "query": "",
                                        "x_long": value,
                                        "expect": "100-continue"}


def test_long_field_cut_before_expect(strict):
    long_field_cut_before_expect(Conn(strict.ports[1]), "long.test")


def test_long_request_line_cut_before_expect(strict):
    """(mod_cgid takes no URL this long: a static file answers.)"""
    c = Conn(strict.ports[1])
    line = "GET /static.txt?%sExpect:foo HTTP/1.1" % (
        "a" * (FIRST_PART - len("GET /static.txt?")))
    send_in_two_reads(c, (line + "\r\nHost: long.test\r\n\r\n").encode(),
                      FIRST_PART)
    resp = c.read_response("GET", 3)
    assert resp.status == 200 and resp.body == b"static\n"
    logged = '"%s" 200' % line
    access_log = os.path.join(strict.root, "access.log")
    deadline = time.monotonic() + 3
    while logged not in open(access_log).read():
        assert time.monotonic() < deadline, "not in the access log"
        time.sleep(0.05)


def test_tls_ignore_keeps_100_continue(strict_tls):
    c = tls_conn(strict_tls.ports[0])
    c.send(head("POST", "/echo.cgi", "localhost", 3,
                expect="100-continue, foo"))
    assert c.read_head(3).status == 100
    c.send(b"abc")
    assert c.read_response().json() == {"length": 3,
                                        "expect": "100-continue"}


def test_tls_folded_field_is_refused(strict_tls):
    c = tls_conn(strict_tls.ports[0])
    c.send(b"POST /echo.cgi HTTP/1.1\r\nHost: localhost\r\n"
           b"Expect:\r\n 100-continue\r\nContent-Length: 3\r\n\r\n")
    assert c.read_head(3).status == 400


def test_tls_long_field_cut_before_expect(strict_tls):
    long_field_cut_before_expect(tls_conn(strict_tls.ports[0]), "localhost")


# 2.4.49 to 2.4.54: mod_http2 runs pre_read_request before the request has
# its header fields. The module sees it there, at the first HTTP/2 request,
# and says so; the release's number is only the test's cross-check.
H2_FIELD_UNSEEN = ("httpd %d.%d.%d: mod_http2 hides the header fields from "
                   "pre_read_request" % pyhttpd.version()
                   if (2, 4, 49) <= pyhttpd.version() <= (2, 4, 54) else None)


@pytest.mark.skipif(MPM == "prefork", reason="mod_http2 is inactive under "
                                             "prefork")
@pytest.mark.skipif(bool(pyhttpd.lacks("http2")),
                    reason=str(pyhttpd.lacks("http2")))
def test_h2_limit_said(strict):
    warning = "EX016: ExpectUnknown does not apply to HTTP/2 requests"
    subprocess.run(["nghttp", "http://127.0.0.1:%d/static.txt"
                    % port(strict)], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=20, check=True)
    assert (warning in strict.log_since(0)) == bool(H2_FIELD_UNSEEN)


@pytest.mark.skipif(MPM == "prefork", reason="mod_http2 is inactive under "
                                             "prefork")
@pytest.mark.skipif(bool(pyhttpd.lacks("http2")),
                    reason=str(pyhttpd.lacks("http2")))
@pytest.mark.parametrize("authority,expect,statuses", [
    ("ignore.test", "100-continue, foo", ["100", "200"]),
    ("ignore.test", "foo", ["200"]),
    ("localhost", "foo", ["417"]),
    ("ignore.test", "y 100-continue", ["417"]),
])
def test_h2(strict, tmp_path, authority, expect, statuses):
    if H2_FIELD_UNSEEN:
        pytest.skip(H2_FIELD_UNSEEN)
    body = tmp_path / "body"
    body.write_bytes(b"x" * 100)
    out = subprocess.run(
        ["nghttp", "-v", "-d", str(body), "-H", ":authority: " + authority,
         "-H", "expect: " + expect,
         "http://127.0.0.1:%d/echo.cgi" % port(strict)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        timeout=20).stdout
    assert re.findall(r"recv \(stream_id=\d+\) :status: (\d+)",
                      out) == statuses


def test_configtest(tmp_path):
    root = tmp_conf_dir(tmp_path)
    for snippet, message in [
        ("<Directory /x>\nExpectUnknown ignore\n</Directory>",
         "ExpectUnknown not allowed in <Directory> context"),
        ("<Location /x>\nExpectUnknown ignore\n</Location>",
         "ExpectUnknown not allowed in <Location> context"),
        ("<If \"true\">\nExpectUnknown ignore\n</If>",
         "ExpectUnknown not allowed in <If> context"),
        ("ExpectUnknown maybe",
         "ExpectUnknown must be one of reject|ignore, not 'maybe'"),
        ("ExpectUnknown ignore\n<VirtualHost *:80>\nExpectUnknown reject\n"
         "</VirtualHost>", "Syntax OK"),
    ]:
        conf = os.path.join(root, "httpd.conf")
        with open(conf, "w") as f:
            f.write(pyhttpd.base_config(root, MPM, (pyhttpd.free_port(),))
                    + snippet + "\n")
        rc, out = pyhttpd.configtest(conf)
        assert message in out
        assert (rc == 0) == (message == "Syntax OK")
