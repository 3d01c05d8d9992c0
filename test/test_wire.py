"""The wire table: every policy in every situation the fixture builds, as
a client that waits for 100 Continue sees it.

Each row is one request, POST with 1000 bytes and Expect: 100-continue,
to a URL of its own (the row's id in the query string), so that no row
depends on another: the module remembers quiet rejections per URL.

Columns:
  status     the final status
  interim    a 100 Continue came before it
  sent       the client sent the body (after the 100, or after its own
             1 s wait, as curl does)
  announced  the response says "Connection: close"
  kept       the connection serves the next request (keep-alive)
  outcome    EXPECT_OUTCOME in the access log

The guards of mod_expect.c that the table proves: with each removed, the
rows named fail (event MPM).
  header_parser, reject: expect_refuse()             every reject row
  header_parser, ignore: expecting_100 cleared       ignore read, not-read,
                                                     errordoc-417
  EXPECT_BODY's init, immediate:                     every immediate row
  expect_send_continue()                             but errordoc-status
  expect_body_init(): not for r->prev                immediate errordoc-status
  expect_default_handler_next()                      continue/ignore 404,
                                                     errordoc, static
  expect_insert_error_filter(): expect_unwanted_body every reject row
  expect_leave_body_unread(): the close              ignore 401, 403, 404,
                                                     errordoc(-status), static
  header_parser after a redirect: a local
    ErrorDocument leaves the body unread             ignore errordoc-status,
                                                     reject errordoc-417
  header_parser after a redirect: expect_watch()     continue redirect
  header_parser after a redirect: the outcome shown  continue/ignore/
                                                     immediate errordoc, ...
  EXPECT_RESPONSE: "ignore" closes when the
    response starts before the body                  ignore flushed
  EXPECT_RESPONSE: the outcome at EOS                continue read, not-read,
                                                     errordoc-417
  expect_unwanted_body(): the outcome of an error
    response after the body was read                 continue read-500
The quiet 417 (ExpectAnnounceClose Off, expect_quiet_close_fits()) is
proven by test_policies.py's test_reject_quiet_close and the tests after
it, EXPECT_FIN (the FIN with it) by
test/clients/matrix.py::test_quiet_417_uploads_once.
"""
import collections
import time

import pytest

from client import expect_exchange
from conftest import POLICIES, serves_another_request, skip_unless_served
from test_outcome import outcome_of

# The situations, by the path under /dir-<policy>/ that makes each.
SITUATIONS = {
    "read": "echo.cgi",                 # a CGI reads the body
    "not-read": "noread.lua",           # a handler answers without it
    "flushed": "noread-flush.lua",      # ... and flushes before it ends
    "401": "auth/echo.cgi",             # Basic auth, no credentials
    "403": "denied/echo.cgi",           # Require all denied
    "404": "missing.txt",               # the default handler: no file
    "errordoc": "edoc/missing.txt",     # 404 with a local ErrorDocument
    "errordoc-status": "edoc-status/echo.cgi",  # 403, ErrorDocument
                                        # /server-status (a handler)
    "static": "static.txt",             # the default handler: a file
    "errordoc-417": "edoc-417/echo.cgi",    # a local ErrorDocument 417
    "redirect": "front",                # RewriteRule to echo.cgi, per-dir
    "read-500": "read-fail.cgi",        # a CGI reads the body, then fails
}

Row = collections.namedtuple("Row", "status interim sent announced kept "
                                    "outcome")

# The module's answer, row by row. Stock httpd, for comparison, asks for
# every body with a 100 (sent=True) except where authentication fails.
WIRE = {
    # (policy, situation): status, 100, body sent, "Connection: close",
    #                        kept alive, EXPECT_OUTCOME
    ("continue", "read"): Row(200, True, True, False, True, "continue"),
    ("continue", "not-read"): Row(200, True, True, False, True, "continue"),
    ("continue", "flushed"): Row(200, False, False, True, False, "unread"),
    ("continue", "401"): Row(401, False, False, True, False, "unread"),
    ("continue", "403"): Row(403, False, False, True, False, "unread"),
    ("continue", "404"): Row(404, False, False, True, False, "unread"),
    ("continue", "errordoc"): Row(404, False, False, True, False, "unread"),
    ("continue", "errordoc-status"):
        Row(403, False, False, True, False, "unread"),
    ("continue", "static"): Row(200, False, False, True, False, "unread"),
    ("continue", "errordoc-417"):
        Row(200, True, True, False, True, "continue"),
    ("immediate", "read"): Row(200, True, True, False, True, "immediate"),
    ("immediate", "not-read"): Row(200, True, True, False, True, "immediate"),
    ("immediate", "flushed"): Row(200, True, True, False, True, "immediate"),
    ("immediate", "401"): Row(401, False, False, True, False, "unread"),
    ("immediate", "403"): Row(403, False, False, True, False, "unread"),
    ("immediate", "404"): Row(404, True, True, False, True, "immediate"),
    ("immediate", "errordoc"): Row(404, True, True, False, True, "immediate"),
    ("immediate", "errordoc-status"):
        Row(403, False, False, True, False, "unread"),
    ("immediate", "static"): Row(200, True, True, False, True, "immediate"),
    ("immediate", "errordoc-417"):
        Row(200, True, True, False, True, "immediate"),
    ("ignore", "read"): Row(200, False, True, False, True, "ignored"),
    ("ignore", "not-read"): Row(200, False, True, False, True, "ignored"),
    ("ignore", "flushed"): Row(200, False, False, True, False, "ignored"),
    ("ignore", "401"): Row(401, False, False, True, False, "ignored"),
    ("ignore", "403"): Row(403, False, False, True, False, "ignored"),
    ("ignore", "404"): Row(404, False, False, True, False, "ignored"),
    ("ignore", "errordoc"): Row(404, False, False, True, False, "ignored"),
    ("ignore", "errordoc-status"):
        Row(403, False, False, True, False, "ignored"),
    ("ignore", "static"): Row(200, False, False, True, False, "ignored"),
    ("ignore", "errordoc-417"): Row(200, False, True, False, True, "ignored"),
    ("reject", "read"): Row(417, False, False, True, False, "rejected"),
    ("reject", "not-read"): Row(417, False, False, True, False, "rejected"),
    ("reject", "flushed"): Row(417, False, False, True, False, "rejected"),
    ("reject", "401"): Row(417, False, False, True, False, "rejected"),
    ("reject", "403"): Row(417, False, False, True, False, "rejected"),
    ("reject", "404"): Row(417, False, False, True, False, "rejected"),
    ("reject", "errordoc"): Row(417, False, False, True, False, "rejected"),
    ("reject", "errordoc-status"):
        Row(417, False, False, True, False, "rejected"),
    ("reject", "static"): Row(417, False, False, True, False, "rejected"),
    ("reject", "errordoc-417"):
        Row(417, False, False, True, False, "rejected"),
    ("continue", "redirect"): Row(200, True, True, False, True, "continue"),
    ("immediate", "redirect"): Row(200, True, True, False, True, "immediate"),
    ("ignore", "redirect"): Row(200, False, True, False, True, "ignored"),
    ("reject", "redirect"): Row(417, False, False, True, False, "rejected"),
    ("continue", "read-500"): Row(500, True, True, True, False, "continue"),
    ("immediate", "read-500"): Row(500, True, True, True, False, "immediate"),
    ("ignore", "read-500"): Row(500, False, True, True, False, "ignored"),
    ("reject", "read-500"): Row(417, False, False, True, False, "rejected"),
}


def exchange(server, policy, situation):
    row_id = "%s-%s-%d" % (policy, situation, time.monotonic_ns())
    path = "/dir-%s/%s?row=%s" % (policy, SITUATIONS[situation], row_id)
    ex = expect_exchange(server.port, path, wait=1.0)
    seen = Row(ex.final.status, ex.interim is not None, ex.body_sent,
               "close" in ex.final.connection(),
               serves_another_request(ex.conn),
               outcome_of(server, row_id)[0])
    ex.conn.close()
    return seen


@pytest.mark.log_expected(r"AH01630: client denied", r"AH01618: user",
                          r"AH01614: client used wrong authentication",
                          r"End of script output before headers: "
                          r"read-fail\.cgi")
@pytest.mark.parametrize("situation", SITUATIONS)
@pytest.mark.parametrize("policy", POLICIES)
def test_wire(server, policy, situation):
    skip_unless_served(SITUATIONS[situation])
    assert exchange(server, policy, situation) == WIRE[policy, situation]


def test_the_table_is_complete():
    assert set(WIRE) == {(p, s) for p in POLICIES for s in SITUATIONS}
