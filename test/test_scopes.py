"""Every policy in every scope, decided with <Directory>, <Location>, <If>
and .htaccess merged; the expect-policy variable; the 417 document of the
scope that applies.

Each request goes to the slow backend (backend.py) through mod_proxy_http,
so the wire tells the policies apart:
  continue   100 relayed from the backend after its delay, backend saw Expect
  immediate  100 from httpd at once, backend saw no Expect
  ignore     no 100 at all, backend saw no Expect
  reject     417 before the body, no 100
"""
import pytest

from backend import DELAY
from client import expect_exchange
from conftest import POLICIES, PROXY_100, skip_without


def exchange(server, policy, path, host="localhost", port=None):
    # Wait longer than the backend for a relayed 100; for ignore, long
    # enough to see that none comes before the body is sent.
    wait = DELAY + 1.0 if policy == "continue" else 1.0
    return expect_exchange(port or server.port, path, host=host, wait=wait)


def assert_policy(ex, policy):
    if policy == "continue":
        skip_without(PROXY_100)
    if policy == "reject":
        assert ex.final.status == 417
        assert ex.interim is None and not ex.body_sent
        return
    assert ex.final.status == 200, ex.final
    seen = ex.final.json()
    assert seen["length"] == 1000
    if policy == "continue":
        assert ex.interim and ex.interim.status == 100
        assert ex.t_interim >= DELAY * 0.9
        assert seen["expect"] == "100-continue"
    elif policy == "immediate":
        assert ex.interim and ex.interim.status == 100
        assert ex.t_interim < DELAY / 2
        assert seen["expect"] is None
    elif policy == "ignore":
        assert ex.interim is None and ex.body_sent
        assert seen["expect"] is None


SCOPES = {
    "virtualhost": lambda p: ("/proxy", p + ".test"),
    "directory": lambda p: ("/dir-%s/proxy" % p, "localhost"),
    "location": lambda p: ("/loc-" + p, "localhost"),
    "files": lambda p: ("/files/proxy-" + p, "localhost"),
    "if": lambda p: ("/if?" + p, "localhost"),
    "htaccess": lambda p: ("/ht-%s/proxy" % p, "localhost"),
    "env-setenvif": lambda p: ("/env/" + p, "localhost"),
}


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("scope", SCOPES)
def test_policy_in_scope(server, scope, policy):
    path, host = SCOPES[scope](policy)
    assert_policy(exchange(server, policy, path, host), policy)


def test_server_config(server):
    # The main server (second port) says reject; no virtual host there.
    assert_policy(exchange(server, "reject", "/main-proxy",
                           port=server.port2), "reject")


def test_virtualhost_overrides_server(server):
    # The main server says reject, the virtual host continue.
    assert_policy(exchange(server, "continue", "/loc-continue"), "continue")


def test_unset_scope_inherits(server):
    # /if without a matching <If> has the virtual host's policy.
    assert_policy(exchange(server, "continue", "/if?other"), "continue")


@pytest.mark.parametrize("path", ["/dir-reject/inner/echo.cgi",
                                  "/ht-reject/inner/echo.cgi"])
def test_inner_directory_wins(server, path):
    ex = expect_exchange(server.port, path)
    assert ex.interim and ex.interim.status == 100
    assert ex.final.status == 200
    assert ex.final.json() == {"length": 1000, "expect": "100-continue"}


def test_later_location_wins(server):
    assert_policy(exchange(server, "continue", "/loc-reject/inner"),
                  "continue")


def test_rewrite_env_in_server_context(server):
    assert_policy(exchange(server, "reject", "/rw-reject"), "reject")


def test_setenvif_in_directory_context(server):
    ex = expect_exchange(server.port, "/env-dir/echo.cgi")
    assert ex.final.status == 417 and not ex.body_sent


def test_invalid_env_is_logged_and_ignored(server):
    offset = server.httpd.log_size()
    assert_policy(exchange(server, "continue", "/env/bogus"), "continue")
    log = server.httpd.log_since(offset)
    assert ("mod_expect: EX001: ignoring environment variable "
            "expect-policy=bogus"
            in log)
    assert "continue|immediate|ignore|reject" in log


@pytest.mark.log_expected(r"ExpectPolicy not allowed here")
def test_htaccess_needs_allowoverride_fileinfo(server):
    offset = server.httpd.log_size()
    ex = expect_exchange(server.port, "/noallow/echo.cgi")
    assert ex.final.status == 500
    assert "ExpectPolicy not allowed here" in server.httpd.log_since(offset)


# The 417 document: the module's own unless an ErrorDocument 417 applies.

def test_module_document(server):
    ex = expect_exchange(server.port, "/loc-reject")
    doc = ex.final.body.decode()
    assert ex.final.header("content-type").startswith("text/html")
    assert "<title>417 Expectation Failed</title>" in doc
    assert "<code>Expect: 100-continue</code>" in doc
    assert "without the <code>Expect</code> header" in doc
    assert "instead of waiting for <code>100 Continue</code>" in doc


def test_module_document_escapes_the_request(server):
    ex = expect_exchange(server.port,
                         "/loc-reject/%3Cscript%3Ealert(1)%3C/script%3E",
                         expect="100-Continue")
    doc = ex.final.body.decode()
    assert ex.final.status == 417
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in doc
    assert "<script>" not in doc


@pytest.mark.parametrize("path,host,port2,text", [
    ("/ed-text", "localhost", False, "location says: no Expect here"),
    ("/ed-local/echo.cgi", "localhost", False, "local 417 document\n"),
    ("/ed-ht/echo.cgi", "localhost", False, "htaccess says: no Expect here"),
    ("/proxy", "vhost-doc.test", False, "vhost says: no Expect here"),
    ("/main-proxy", "localhost", True, "<h1>Expectation Failed</h1>"),
])
def test_error_document_of_the_scope(server, path, host, port2, text):
    ex = expect_exchange(server.port2 if port2 else server.port, path,
                         host=host)
    assert ex.final.status == 417 and not ex.body_sent
    assert ex.interim is None
    body = ex.final.body.decode()
    assert body == text if text.endswith("\n") else text in body
    assert "Additionally" not in body


def test_remote_error_document(server):
    ex = expect_exchange(server.port, "/ed-remote")
    assert ex.final.status == 302 and not ex.body_sent
    assert ex.final.header("location") == "http://help.example/expect"


def test_error_document_redirect_is_not_judged_again(server):
    # The local ErrorDocument lies in the rejecting directory itself: were
    # the internal redirect judged again, it would be rejected too.
    offset = server.httpd.log_size()
    ex = expect_exchange(server.port, "/ed-local/echo.cgi")
    assert ex.final.body == b"local 417 document\n"
    log = server.httpd.log_since(offset)
    assert log.count("ExpectPolicy reject for") == 1
