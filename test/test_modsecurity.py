"""Beside ModSecurity 2 at the log level the README shows (expect:trace2):
ModSecurity's error_log hook reads memory of the request, so nothing the
module logs may come after that memory is gone (the request pool's
cleanups). 1,000 requests with Expect under every policy, then the error
log: no child died.
"""
import os
from concurrent.futures import ThreadPoolExecutor

import pytest

import pyhttpd
from client import expect_exchange
from conftest import MPM, POLICIES
from pyhttpd import write

pytestmark = pytest.mark.skipif(pyhttpd.lacks("security2") is not None,
                                reason=pyhttpd.lacks("security2") or "")

REQUESTS = 1000

CONFIG = """
LogLevel info expect:trace2
SecRuleEngine On
SecRequestBodyAccess On
SecAuditEngine Off
SecTmpDir "{root}/modsec"
SecDataDir "{root}/modsec"
{docroot}{policies}
"""


@pytest.fixture(scope="module")
def modsec():
    root = os.path.join(pyhttpd.TOP, "test", "run", MPM + "-modsecurity")
    pyhttpd.prepare_root(root)
    h = os.path.join(root, "htdocs")
    for p in POLICIES:
        write(os.path.join(h, p, "echo.cgi"), pyhttpd.echo_cgi(), 0o755)
        write(os.path.join(h, p, "static.txt"), "static\n")
    os.makedirs(os.path.join(root, "modsec"))
    os.chmod(os.path.join(root, "modsec"), 0o777)
    port = pyhttpd.free_port()
    policies = "".join('<Location "/%s/">\n    ExpectPolicy %s\n</Location>\n'
                       % (p, p) for p in POLICIES)
    conf = (pyhttpd.base_config(root, MPM, (port,), ("unique_id", "security2"))
            + CONFIG.format(root=root, docroot=pyhttpd.docroot(h),
                            policies=policies))
    httpd = pyhttpd.Httpd(root, conf, (port,))
    httpd.start()
    yield httpd
    httpd.stop()


def exchange(port, i):
    """Request i: (policy, page, final status or what broke it)."""
    policy = POLICIES[i % len(POLICIES)]
    page = "echo.cgi" if i // 4 % 4 == 0 else "static.txt"
    try:
        ex = expect_exchange(port, "/%s/%s?%d" % (policy, page, i),
                             b"m" * 2000, wait=0.05)
        ex.conn.close()
        return policy, page, ex.final.status
    except (EOFError, ConnectionError, TimeoutError) as e:
        return policy, page, repr(e)    # the child died under it


def test_modsecurity_with_trace2_serves_every_request(modsec):
    statuses = {}
    with ThreadPoolExecutor(8) as pool:
        for policy, page, status in pool.map(
                lambda i: exchange(modsec.ports[0], i), range(REQUESTS)):
            statuses.setdefault((policy, page), set()).add(status)
    assert not modsec.crashes(), "\n".join(modsec.crashes()[:5])
    assert statuses == {
        (p, page): {417 if p == "reject" else 200}
        for p in POLICIES for page in ("echo.cgi", "static.txt")}
