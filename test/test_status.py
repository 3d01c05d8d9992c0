"""Counters in server-status, exact across children and threads and kept
across a graceful restart; the version in the Server header; mod_info."""
import os
import re
import signal
import time

import pytest

import pyhttpd
from client import Conn, expect_exchange, head
from conftest import MPM
from pyhttpd import write

CONFIG = """
ServerTokens Full
StartServers 3
LogLevel info
{docroot}<Directory "{h}/reject">
    ExpectPolicy reject
</Directory>
<Directory "{h}/ignore">
    ExpectPolicy ignore
</Directory>
<Directory "{h}/immediate">
    ExpectPolicy immediate
</Directory>
<Location "/server-status">
    SetHandler server-status
</Location>
<Location "/server-info">
    SetHandler server-info
</Location>
"""


@pytest.fixture(scope="module")
def httpd():
    root = os.path.join(pyhttpd.TOP, "test", "run", MPM + "-status")
    pyhttpd.prepare_root(root)
    h = os.path.join(root, "htdocs")
    for d in ("", "reject", "ignore", "immediate"):
        write(os.path.join(h, d, "echo.cgi"), pyhttpd.echo_cgi(), 0o755)
    port = pyhttpd.free_port()
    server = pyhttpd.Httpd(root, pyhttpd.base_config(
        root, MPM, (port,), ("status", "info")) + CONFIG.format(h=h, docroot=pyhttpd.docroot(h)),
        (port,))
    server.start()
    yield server
    server.stop()
    crashes = server.crashes()
    assert not crashes, "\n".join(crashes)


def get(httpd, path):
    c = Conn(httpd.ports[0])
    c.send(head("GET", path, expect=None))
    return c.read_response("GET")


def counters(httpd):
    text = get(httpd, "/server-status?auto").body.decode()
    return {k: int(v) for k, v in re.findall(r"^Expect(\w+): (\d+)$", text,
                                             re.M)}


TRAFFIC = [
    # (path, kwargs, counter)
    ("/echo.cgi", {}, "Continue"),
    ("/immediate/echo.cgi", {}, "Immediate"),
    ("/ignore/echo.cgi", {"wait": 0.2}, "Ignored"),
    ("/reject/echo.cgi", {}, "Rejected"),
    ("/missing.txt", {}, "Unread"),
    ("/echo.cgi", {"body": b""}, "Dropped"),
    ("/echo.cgi", {"expect": "foo"}, "UnknownRejected"),
    ("/echo.cgi", {"expect": "y 100-continue"}, "Invalid"),
]


def test_counts_are_exact(httpd):
    before = counters(httpd)
    assert set(before) == {"Continue", "Immediate", "Ignored", "Rejected",
                           "Unread", "Dropped", "UnknownIgnored",
                           "UnknownRejected", "Invalid"}
    want = dict(before)
    for round in range(3):
        for path, kwargs, counter in TRAFFIC:
            expect_exchange(httpd.ports[0], path, **kwargs).conn.close()
            want[counter] += 1
    # The count is taken when the request is logged, after its response.
    deadline = time.monotonic() + 5
    while counters(httpd) != want:
        assert time.monotonic() < deadline, (counters(httpd), want)
        time.sleep(0.1)


def test_counts_survive_a_graceful_restart(httpd):
    expect_exchange(httpd.ports[0], "/reject/echo.cgi").conn.close()
    time.sleep(0.3)
    before = counters(httpd)
    assert before["Rejected"] > 0
    offset = httpd.log_size()
    with open(os.path.join(httpd.root, "httpd.pid")) as f:
        os.kill(int(f.read()), signal.SIGUSR1)
    deadline = time.monotonic() + 10
    while "resuming normal operations" not in httpd.log_since(offset):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert counters(httpd) == before


def test_html_status(httpd):
    page = get(httpd, "/server-status").body.decode()
    assert "mod_expect" in page
    assert "<td>rejected</td>" in page


def test_version_component(httpd):
    assert "mod_expect/1.0.0" in get(httpd, "/").header("server")


def test_server_info_lists_the_directives(httpd):
    page = get(httpd, "/server-info?mod_expect.c").body.decode()
    for directive in ("ExpectPolicy", "ExpectUnknown", "ExpectAnnounceClose"):
        assert directive in page
    assert "continue|immediate|ignore|reject" in page
