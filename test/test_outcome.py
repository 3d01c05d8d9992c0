"""EXPECT_OUTCOME: what became of each request's expectation, for
%{EXPECT_OUTCOME}e in the access log."""
import time
import uuid

import pytest

from client import Conn, expect_exchange, head
from conftest import skip_unless_served


def outcome_of(server, marker, timeout=3):
    """The access log line of the request carrying `marker`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(server.outcome_log) as f:
            for line in f:
                if marker in line:
                    return line.split(" ", 1)[0], line.split()[-1]
        time.sleep(0.05)
    raise AssertionError("no access log line for " + marker)


@pytest.mark.parametrize("path,kwargs,outcome,status", [
    ("/dir-continue/echo.cgi", {}, "continue", "200"),
    ("/dir-continue/missing.txt", {}, "unread", "404"),
    # Refused before header_parser (an encoded slash, before translate_name).
    ("/dir-continue/a%2fb", {}, "unread", "404"),
    ("/dir-continue/noread.lua", {}, "continue", "200"),
    ("/dir-immediate/echo.cgi", {}, "immediate", "200"),
    ("/dir-immediate/auth/echo.cgi", {}, "unread", "401"),
    ("/dir-ignore/echo.cgi", {"wait": 0.3}, "ignored", "200"),
    ("/dir-reject/echo.cgi", {}, "rejected", "417"),
    ("/ed-local/echo.cgi", {}, "rejected", "417"),
    ("/dir-reject/echo.cgi", {"body": b""}, "dropped", "200"),
    ("/dir-continue/echo.cgi", {"expect": None}, "-", "200"),
])
def test_outcome(server, path, kwargs, outcome, status):
    skip_unless_served(path)
    marker = uuid.uuid4().hex
    expect_exchange(server.port, "%s?%s" % (path, marker), **kwargs)
    assert outcome_of(server, marker) == (outcome, status)


def test_outcome_early_refusal_redirected(server):
    """Refused before header_parser, then redirected to the server's local
    ErrorDocument: the redirect takes the expectation, leaves the body
    unread and shows the outcome."""
    marker = uuid.uuid4().hex
    ex = expect_exchange(server.port, "/dir-continue/a%2fb?" + marker,
                         host="edoc-early.test")
    assert ex.interim is None and not ex.body_sent
    assert ex.final.status == 404
    assert ex.final.body == b"local 404 document\n"
    assert outcome_of(server, marker) == ("unread", "404")


def test_outcome_http10(server):
    marker = uuid.uuid4().hex
    c = Conn(server.port)
    c.send(head("POST", "/dir-reject/echo.cgi?" + marker, length=3,
                version="HTTP/1.0") + b"abc")
    assert c.read_response().status == 200
    assert outcome_of(server, marker) == ("dropped", "200")
