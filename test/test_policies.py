"""What each policy does on the wire, byte by byte, with a real CGI that
reads the body, static files, authentication and authorization."""
import pytest

from client import Conn, expect_exchange, head
from conftest import (PROXY_100, serves_another_request, skip_unless_served,
                      skip_without)

BODY = b"b" * 1000
# A complete request hidden in a body: it must never get a response.
SMUGGLED = b"GET /dir-continue/static.txt HTTP/1.1\r\nHost: localhost\r\n\r\n"


def assert_keepalive(ex):
    """The connection serves another request."""
    assert "close" not in ex.final.connection()
    assert serves_another_request(ex.conn)


def assert_prompt_close(ex):
    """Answered while the client still waited, connection closing."""
    assert ex.interim is None and not ex.body_sent
    assert "close" in ex.final.connection()
    assert ex.conn.closed()


# continue

def test_continue_sends_100_when_the_cgi_reads(server):
    ex = expect_exchange(server.port, "/dir-continue/echo.cgi", BODY)
    assert ex.interim.status == 100 and ex.interim.headers == []
    assert ex.final.status == 200
    assert ex.final.json() == {"length": 1000, "expect": "100-continue"}
    assert_keepalive(ex)


@pytest.mark.parametrize("path,status,body", [
    ("/dir-continue/static.txt", 200, b"static\n"),
    ("/dir-continue/missing.txt", 404, None),
    ("/dir-continue/edoc/missing.txt", 404, b"local 404 document\n"),
])
def test_continue_asks_for_no_body_nobody_reads(server, path, status, body):
    # Stock httpd sends 100 here, then reads the body and throws it away.
    ex = expect_exchange(server.port, path, BODY, wait=3)
    assert ex.final.status == status
    assert_prompt_close(ex)
    if body:
        assert ex.final.body == body


def test_continue_handler_that_never_reads_is_served_as_by_stock(server):
    # Not the default handler: the core discards the body after the
    # handler has returned, with a read that no module can tell from the
    # handler's own. The module leaves it alone: 100 Continue, the body
    # read and thrown away, the connection kept, as without the module.
    skip_unless_served("/dir-continue/noread.lua")
    ex = expect_exchange(server.port, "/dir-continue/noread.lua", BODY,
                         wait=3)
    assert ex.interim.status == 100 and ex.body_sent
    assert ex.final.status == 200
    assert_keepalive(ex)


def test_continue_read_after_an_internal_redirect(server):
    # A front controller: a per-directory RewriteRule hands the request
    # to the script that reads the body.
    ex = expect_exchange(server.port, "/dir-continue/front", BODY)
    assert ex.interim.status == 100
    assert ex.final.json() == {"length": 1000, "expect": "100-continue"}
    assert_keepalive(ex)


def test_continue_unread_body_is_not_a_request(server):
    ex = expect_exchange(server.port, "/dir-continue/missing.txt", BODY,
                         wait=3)
    assert ex.final.status == 404
    ex.conn.send(SMUGGLED)
    assert ex.conn.closed()


def test_without_expect_nothing_changes(server):
    for policy in ("continue", "immediate", "ignore", "reject"):
        c = Conn(server.port)
        c.send(head("POST", "/dir-%s/echo.cgi" % policy, length=3,
                    expect=None) + b"abc")
        resp = c.read_response()
        assert not c.interims
        assert resp.status == 200
        assert resp.json() == {"length": 3, "expect": None}


# reject

def test_reject_answers_417_before_the_body(server):
    ex = expect_exchange(server.port, "/dir-reject/echo.cgi?reject-1",
                         wait=3)
    assert ex.final.status == 417
    assert ex.interim is None and not ex.body_sent
    assert ex.t_final < 1
    assert not server.cgi_ran("/dir-reject/echo.cgi?reject-1")
    # By default the close is announced, and the server closes.
    assert ex.final.connection() == {"close"}
    assert ex.conn.closed()


@pytest.mark.parametrize("path", ["/dir-reject/quiet/echo.cgi?quiet",
                                  "/ed-local/quiet/echo.cgi?quiet"])
def test_reject_quiet_close(server, path):
    # ExpectAnnounceClose Off: the close is not announced, so that libcurl
    # retries without Expect; the server closes all the same.
    ex = expect_exchange(server.port, path, wait=3)
    assert ex.final.status == 417
    assert "close" not in ex.final.connection()
    assert ex.final.header("keep-alive") is None
    ex.conn.send(SMUGGLED)
    assert ex.conn.closed()


def test_reject_repeated_at_once_announces_the_close(server):
    # A client that sent Expect itself sends it again when it retries
    # (libcurl with a header of the application's, as Guzzle does): the
    # second refusal announces the close, so that it gives up.
    path = "/dir-reject/quiet/echo.cgi?repeated"
    first = expect_exchange(server.port, path, wait=3)
    assert first.final.status == 417
    assert "close" not in first.final.connection()
    again = expect_exchange(server.port, path, wait=3)
    assert again.final.status == 417
    assert again.final.connection() == {"close"}
    # Another request of the same client is not a repetition.
    other = expect_exchange(server.port, path, b"x" * 999, wait=3)
    assert "close" not in other.final.connection()


@pytest.mark.parametrize("extra", [["Connection: keep-alive"],
                                   ["X-Forwarded-For: 192.0.2.1"],
                                   ["Via: 1.1 proxy.example"]])
def test_reject_announces_close_to_keepalive_clients_and_proxies(server,
                                                                 extra):
    # Even with ExpectAnnounceClose Off.
    ex = expect_exchange(server.port, "/dir-reject/quiet/echo.cgi", wait=3,
                         extra=extra)
    assert ex.final.status == 417
    assert ex.final.connection() == {"close"}
    assert ex.conn.closed()


def test_reject_behind_mod_proxy_http(server):
    # httpd in front of httpd: the front relays the 417 (instead of
    # trying to send the body on a connection it believes open).
    skip_without(PROXY_100)
    ex = expect_exchange(server.port, "/front-reject", wait=3)
    assert ex.final.status == 417 and not ex.body_sent


def test_reject_announce_close(server):
    ex = expect_exchange(server.port, "/dir-reject/announce/echo.cgi",
                         wait=3)
    assert ex.final.status == 417 and not ex.body_sent
    assert "close" in ex.final.connection()
    assert ex.conn.closed()


def test_reject_never_parses_the_body_as_a_request(server):
    ex = expect_exchange(server.port, "/dir-reject/echo.cgi", wait=3)
    assert ex.final.status == 417
    # The client sends its body anyway: a request in disguise.
    ex.conn.send(SMUGGLED * 3)
    assert ex.conn.closed()


def test_reject_with_chunked_body(server):
    c = Conn(server.port)
    c.send(head("POST", "/dir-reject/echo.cgi",
                extra=["Transfer-Encoding: chunked"]))
    resp = c.read_head(3)
    assert resp.status == 417
    c.read_body(resp, "POST", 3)
    c.send(b"%x\r\n%s\r\n0\r\n\r\n" % (len(SMUGGLED), SMUGGLED))
    assert c.closed()


def test_reject_is_case_insensitive(server):
    ex = expect_exchange(server.port, "/dir-reject/echo.cgi",
                         expect="100-CONTINUE", wait=3)
    assert ex.final.status == 417 and not ex.body_sent


def test_reject_announces_close_to_clients_of_their_own_spelling(server):
    # libcurl writes "100-continue" and drops it when it retries; Guzzle
    # writes "100-Continue" itself, and libcurl would send it again.
    ex = expect_exchange(server.port, "/dir-reject/quiet/echo.cgi?guzzle",
                         expect="100-Continue", wait=3)
    assert ex.final.status == 417 and not ex.body_sent
    assert ex.final.connection() == {"close"}
    assert ex.conn.closed()


def test_reject_leaves_http10_alone(server):
    # RFC 9110: an HTTP/1.0 server MUST ignore the expectation.
    c = Conn(server.port)
    c.send(head("POST", "/dir-reject/echo.cgi?http10", length=len(BODY),
                version="HTTP/1.0") + BODY)
    resp = c.read_response()
    assert not c.interims
    assert resp.status == 200
    assert resp.json()["length"] == 1000
    assert server.cgi_ran("/dir-reject/echo.cgi?http10")


def test_http10_with_expect_keeps_the_connection(server):
    # Stock httpd closes it: the expectation flag is never cleared.
    c = Conn(server.port)
    for _ in range(2):
        c.send(head("POST", "/dir-continue/static.txt", length=3,
                    version="HTTP/1.0", extra=["Connection: keep-alive"])
               + b"abc")
        resp = c.read_response()
        assert resp.body == b"static\n" and not c.interims
        assert "keep-alive" in resp.connection()


def test_reject_leaves_requests_without_content_alone(server):
    # Nothing to wait for: the expectation is moot, the connection stays.
    ex = expect_exchange(server.port, "/dir-reject/echo.cgi", b"", wait=3)
    assert ex.interim is None
    assert ex.final.status == 200
    assert ex.final.json() == {"length": 0, "expect": "100-continue"}
    assert_keepalive(ex)


def test_reject_pipelined_requests_are_not_answered(server):
    c = Conn(server.port)
    c.send(head("POST", "/dir-reject/echo.cgi", length=len(BODY))
           + BODY + SMUGGLED)
    resp = c.read_response()
    assert resp.status == 417
    assert c.closed()


# ignore

def test_ignore_never_sends_100(server):
    ex = expect_exchange(server.port, "/dir-ignore/echo.cgi", BODY, wait=1.5)
    assert ex.interim is None and ex.body_sent
    assert ex.final.status == 200
    # Expect is gone from what the CGI sees.
    assert ex.final.json() == {"length": 1000, "expect": None}
    # The handler read the whole body: the connection serves the next.
    assert_keepalive(ex)


def test_ignore_sends_100_after_the_grace_period(server):
    # A client without a timer of its own (aiohttp, Node's http) never
    # sends the body without a 100: after ExpectIgnoreGrace it gets one.
    ex = expect_exchange(server.port, "/dir-ignore/grace/echo.cgi", BODY,
                         wait=5)
    assert ex.interim.status == 100 and 0.9 < ex.t_interim < 2
    assert ex.final.json() == {"length": 1000, "expect": None}
    assert_keepalive(ex)


def test_ignore_default_grace_sits_between_client_timers(server):
    # After the 1 s of curl, Go, botocore, .NET; before Apache HttpClient's
    # 3 s and HttpURLConnection's 5 s.
    ex = expect_exchange(server.port, "/dir-ignore/echo.cgi", BODY, wait=5)
    assert ex.interim.status == 100 and 1.9 < ex.t_interim < 2.9
    assert ex.final.json() == {"length": 1000, "expect": None}


def test_ignore_grace_counts_from_the_request(server):
    # The client's timer started when it sent the request: a handler that
    # reads 1.5 s later, past a grace of 1 s, gets the 100 at once.
    skip_unless_served("/dir-ignore/grace/slow-read.lua")
    ex = expect_exchange(server.port, "/dir-ignore/grace/slow-read.lua",
                         BODY, wait=5)
    assert ex.interim.status == 100 and 1.4 < ex.t_interim < 2.2
    assert ex.final.json() == {"length": 1000, "expect": None}


def test_ignore_response_sent_before_the_body_does_not_wait(server):
    # The handler's answer is on its way and it never reads: no 100 after
    # the response, no wait for a body the client never sends.
    skip_unless_served("/dir-ignore/noread-flush.lua")
    ex = expect_exchange(server.port, "/dir-ignore/noread-flush.lua", BODY,
                         wait=6)
    assert ex.final.status == 200 and ex.t_final < 1
    assert ex.interim is None and not ex.body_sent
    assert "close" in ex.final.connection()
    assert ex.conn.closed(2)
    assert not ex.conn.interims


def test_ignore_grace_off_never_sends_100(server):
    ex = expect_exchange(server.port, "/dir-ignore/nograce/echo.cgi", BODY,
                         wait=4)
    assert ex.interim is None and ex.body_sent
    assert ex.final.json() == {"length": 1000, "expect": None}


def test_ignore_chunked_body(server):
    c = Conn(server.port)
    c.send(head("POST", "/dir-ignore/echo.cgi",
                extra=["Transfer-Encoding: chunked"]))
    assert c.read_head(1.0) is None
    c.send(b"3e8\r\n" + BODY + b"\r\n0\r\n\r\n")
    resp = c.read_response()
    assert not c.interims
    assert resp.json() == {"length": 1000, "expect": None}


@pytest.mark.log_expected(r"AH01630: client denied")
@pytest.mark.parametrize("path,status", [
    ("/dir-ignore/auth/echo.cgi", 401),
    ("/dir-ignore/denied/echo.cgi", 403),
    ("/dir-ignore/missing.txt", 404),
    ("/dir-ignore/edoc/missing.txt", 404),
    ("/dir-ignore/edoc-status/echo.cgi", 403),    # ErrorDocument: mod_status
    ("/dir-ignore/static.txt", 200),
])
def test_ignore_response_without_the_body_does_not_wait(server, path,
                                                         status):
    # The client waits for a 100 that never comes; the answer must not
    # wait for the body either.
    ex = expect_exchange(server.port, path, BODY, wait=5)
    assert ex.final.status == status
    assert_prompt_close(ex)
    if path.endswith("edoc/missing.txt"):
        assert ex.final.body == b"local 404 document\n"


@pytest.mark.log_expected(r"AH01630: client denied")
def test_ignore_body_after_an_early_response_is_not_a_request(server):
    ex = expect_exchange(server.port, "/dir-ignore/denied/echo.cgi", BODY,
                         wait=5)
    assert ex.final.status == 403
    ex.conn.send(SMUGGLED)
    assert ex.conn.closed()


# immediate

def test_immediate_sends_100_before_the_handler(server):
    ex = expect_exchange(server.port, "/dir-immediate/echo.cgi", BODY)
    assert ex.interim.status == 100 and ex.t_interim < 0.5
    assert ex.final.json() == {"length": 1000, "expect": "100-continue"}
    assert_keepalive(ex)


def test_immediate_static_file_takes_the_body(server):
    # The 100 went out before the handler: the client sends, httpd reads.
    ex = expect_exchange(server.port, "/dir-immediate/static.txt", BODY)
    assert ex.interim.status == 100
    assert ex.final.body == b"static\n"
    assert_keepalive(ex)


def test_immediate_waits_for_authentication(server):
    ex = expect_exchange(server.port, "/dir-immediate/auth/echo.cgi", BODY,
                         wait=3)
    assert ex.final.status == 401
    assert_prompt_close(ex)
    ex = expect_exchange(server.port, "/dir-immediate/auth/echo.cgi", BODY,
                         extra=[server.auth])
    assert ex.interim.status == 100
    assert ex.final.status == 200


def test_immediate_waits_for_per_directory_rewrite(server):
    ex = expect_exchange(server.port, "/dir-immediate/forbidden", BODY,
                         wait=3)
    assert ex.final.status == 403
    assert_prompt_close(ex)


@pytest.mark.log_expected(r"AH01630: client denied")
def test_immediate_waits_for_authorization(server):
    ex = expect_exchange(server.port, "/dir-immediate/denied/echo.cgi", BODY,
                         wait=3)
    assert ex.final.status == 403
    assert_prompt_close(ex)


def test_immediate_not_for_http10(server):
    c = Conn(server.port)
    c.send(head("POST", "/dir-immediate/echo.cgi", length=len(BODY),
                version="HTTP/1.0") + BODY)
    first = c.read_head(3)
    assert first.status == 200


def test_immediate_not_without_content(server):
    ex = expect_exchange(server.port, "/dir-immediate/echo.cgi", b"", wait=3)
    assert ex.interim is None
    assert ex.final.status == 200
    assert_keepalive(ex)


def test_decisions_are_logged(server):
    offset = server.httpd.log_size()
    expect_exchange(server.port, "/dir-reject/echo.cgi?logged", wait=3)
    log = server.httpd.log_since(offset)
    assert "[expect:info]" in log
    assert ("mod_expect: EX009: rejecting 'Expect: 100-continue' for "
            "/dir-reject/echo.cgi (ExpectPolicy reject)") in log
    assert "[expect:trace1]" in log


# expectations the core refuses before any hook (ExpectUnknown reject)

@pytest.mark.parametrize("expect", ["foo", "y 100-continue",
                                    "100-continue;x=1", "100-continue=1"])
def test_core_refusal_reads_no_body(server, expect):
    # Stock httpd reads the body after this 417 to keep the connection.
    ex = expect_exchange(server.port, "/dir-continue/echo.cgi", BODY,
                         expect=expect, wait=3)
    assert ex.final.status == 417
    assert_prompt_close(ex)
    assert "Expect: %s</code>" % expect in ex.final.body.decode()


def test_core_refusal_body_is_not_a_request(server):
    ex = expect_exchange(server.port, "/dir-continue/echo.cgi", BODY,
                         expect="foo", wait=3)
    ex.conn.send(BODY + SMUGGLED)
    assert ex.conn.closed()


# expect-100-first (BrowserMatch "^HangingClient/" in the test config)

HANGING = ["User-Agent: HangingClient/1.0"]


# path, final status, whether the body is read (the connection kept)
HANGING_CASES = [
    ("/dir-continue/auth/echo.cgi", 401, False),
    ("/dir-continue/denied/echo.cgi", 403, False),
    ("/dir-immediate/auth/echo.cgi", 401, False),
    ("/dir-reject/echo.cgi?hanging", 417, False),
    ("/ed-local/echo.cgi?hanging", 417, False),
    ("/ed-local/quiet/echo.cgi?hanging", 417, False),
    # the default handler reads the body, as in stock httpd
    ("/dir-continue/static.txt", 200, True),
    ("/dir-continue/missing.txt", 404, True),
    ("/dir-continue/edoc/missing.txt", 404, True),
]


@pytest.mark.log_expected(r"AH01630: client denied")
@pytest.mark.parametrize("path,status,read", HANGING_CASES)
def test_100_first_before_a_final_response(server, path, status, read):
    # The client would hang on a final response without a 100 before it.
    ex = expect_exchange(server.port, path, BODY, wait=3, extra=HANGING)
    assert ex.interim.status == 100 and ex.body_sent
    assert ex.final.status == status
    if read:
        assert_keepalive(ex)
    else:
        # The body was not read: the connection closes, announced.
        assert "close" in ex.final.connection()
        assert ex.conn.closed()


# Clients the module knows without any configuration (ExpectClientQuirks)

JAVA_HTTP_CLIENT = ["User-Agent: Java-http-client/17.0.15"]
HTTP_URL_CONNECTION = ["User-Agent: Java/17.0.15"]


@pytest.mark.log_expected(r"AH01630: client denied")
@pytest.mark.parametrize("path,status,read", HANGING_CASES)
def test_java_http_client_gets_100_first_built_in(server, path, status,
                                                  read):
    # JDK 11 to 19 wait forever for a 100 before a final response; the
    # test configuration has no rule for them, as a bare LoadModule.
    ex = expect_exchange(server.port, path, BODY, wait=3,
                         extra=JAVA_HTTP_CLIENT)
    assert ex.interim.status == 100 and ex.body_sent
    assert ex.final.status == status
    if read:
        assert_keepalive(ex)
    else:
        assert ex.conn.closed()


def test_java_http_client_20_and_later_is_not_a_quirk(server):
    ex = expect_exchange(server.port, "/dir-continue/missing.txt", BODY,
                         wait=3, extra=["User-Agent: Java-http-client/21.0.2"])
    assert ex.final.status == 404
    assert ex.interim is None and not ex.body_sent


@pytest.mark.parametrize("path,status", [
    ("/dir-continue/static.txt", 200),
    ("/dir-continue/missing.txt", 404),
    ("/dir-continue/edoc/missing.txt", 404),
])
def test_http_url_connection_gets_100_for_the_discard(server, path, status):
    # It throws on any answer to its Expect but a 100 (within its 5 s):
    # the default handler's discard reads the body, as on stock httpd.
    ex = expect_exchange(server.port, path, BODY, wait=6,
                         extra=HTTP_URL_CONNECTION)
    assert ex.interim.status == 100 and ex.t_interim < 1 and ex.body_sent
    assert ex.final.status == status
    assert_keepalive(ex)


@pytest.mark.parametrize("path", ["/dir-reject/echo.cgi?huc",
                                  "/ed-local/echo.cgi?huc",
                                  "/dir-reject/quiet/echo.cgi?huc"])
def test_http_url_connection_gets_its_417_alone(server, path):
    # A 417 in the same read as a 100 is lost to it; alone, the
    # application reads it (getResponseCode()).
    ex = expect_exchange(server.port, path, BODY, wait=6,
                         extra=HTTP_URL_CONNECTION)
    assert ex.final.status == 417
    assert ex.interim is None and not ex.body_sent


@pytest.mark.log_expected(r"AH01630: client denied")
@pytest.mark.parametrize("path,status", [
    ("/dir-continue/auth/echo.cgi", 401),
    ("/dir-continue/denied/echo.cgi", 403),
])
def test_http_url_connection_errors_as_on_stock(server, path, status):
    # httpd itself sends no 100 before an error: nor does the module.
    ex = expect_exchange(server.port, path, BODY, wait=6,
                         extra=HTTP_URL_CONNECTION)
    assert ex.final.status == status
    assert ex.interim is None and not ex.body_sent


@pytest.mark.parametrize("agent", JAVA_HTTP_CLIENT + HTTP_URL_CONNECTION)
def test_client_quirks_off_lifts_them(server, agent):
    ex = expect_exchange(server.port, "/dir-continue/noquirks/missing.txt",
                         BODY, wait=6, extra=[agent])
    assert ex.final.status == 404
    assert ex.interim is None and not ex.body_sent


def test_100_first_under_ignore_gets_its_100(server):
    ex = expect_exchange(server.port, "/dir-ignore/nograce/echo.cgi", BODY,
                         wait=3, extra=HANGING)
    assert ex.interim.status == 100 and ex.t_interim < 0.5
    assert ex.final.json()["length"] == 1000
