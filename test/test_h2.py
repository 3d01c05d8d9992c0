"""The policies on HTTP/2 streams (h2c with prior knowledge), seen with
nghttp, which sends the body at once without waiting for 100."""
import json
import re
import subprocess

import pytest

from backend import DELAY
import pyhttpd
from conftest import MPM, PROXY_100, skip_without

pytestmark = [pytest.mark.skipif(MPM == "prefork", reason="mod_http2 is "
                                 "inactive under prefork"),
              pytest.mark.skipif(bool(pyhttpd.lacks("http2")),
                                 reason=str(pyhttpd.lacks("http2")))]

STATUS = re.compile(r"\[\s*([\d.]+)\] recv \(stream_id=(\d+)\) :status: (\d+)")
JSON = re.compile(r'\{"[^{}]*\}')


class H2:
    def __init__(self, out):
        self.out = out
        # [(seconds, stream, status)] in the order received
        self.statuses = [(float(t), int(s), int(c))
                         for t, s, c in STATUS.findall(out)]
        self.bodies = [json.loads(j) for j in JSON.findall(out)]

    def codes(self):
        return [c for _, _, c in self.statuses]

    def time_of(self, code):
        return next(t for t, _, c in self.statuses if c == code)


@pytest.fixture(scope="module")
def body(tmp_path_factory):
    path = tmp_path_factory.mktemp("h2") / "body.bin"
    path.write_bytes(b"h" * 5000)
    return str(path)


def nghttp(server, body, *paths, headers=()):
    cmd = ["nghttp", "-v", "-d", body, "-H", "expect: 100-continue"]
    for h in headers:
        cmd += ["-H", h]
    cmd += ["http://127.0.0.1:%d%s" % (server.port, p) for p in paths]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=30)
    assert p.returncode == 0, p.stdout
    return H2(p.stdout)


def test_h2_reject(server, body):
    r = nghttp(server, body, "/dir-reject/echo.cgi?h2")
    assert r.codes() == [417]
    assert "Expectation Failed" in r.out
    assert not server.cgi_ran("/dir-reject/echo.cgi?h2")


def test_h2_ignore(server, body):
    r = nghttp(server, body, "/loc-ignore")
    assert r.codes() == [200]
    assert r.bodies == [{"path": "/loc-ignore", "method": "POST",
                         "expect": None, "length": 5000}]


def test_h2_immediate(server, body):
    r = nghttp(server, body, "/loc-immediate")
    assert r.codes() == [100, 200]
    assert r.time_of(100) < 0.25
    assert r.bodies[0]["expect"] is None


def test_h2_immediate_after_authentication(server, body):
    assert nghttp(server, body, "/proxy-auth").codes() == [401]
    r = nghttp(server, body, "/proxy-auth",
               headers=[server.auth.replace("Authorization:",
                                            "authorization:")])
    assert r.codes() == [100, 200]


def test_h2_continue_when_read(server, body):
    skip_without(PROXY_100)
    r = nghttp(server, body, "/loc-continue")
    assert r.codes() == [100, 200]
    assert r.time_of(100) >= DELAY * 0.9
    assert r.bodies[0]["expect"] == "100-continue"


@pytest.mark.parametrize("path,status", [("/dir-continue/missing.txt", 404),
                                         ("/dir-continue/static.txt", 200)])
def test_h2_continue_no_100_when_unread(server, body, path, status):
    assert nghttp(server, body, path).codes() == [status]


def test_h2_streams_after_a_rejection(server, body):
    # Early answers end their stream, not the connection.
    r = nghttp(server, body, "/dir-reject/echo.cgi", "/dir-ignore/missing.txt",
               "/dir-continue/echo.cgi")
    assert sorted(r.codes()) == [100, 200, 404, 417]
    assert {"length": 5000, "expect": "100-continue"} in r.bodies
