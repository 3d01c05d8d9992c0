"""The same policies seen by curl, which adds Expect: 100-continue to POST
bodies over 1 MiB and waits --expect100-timeout for the 100."""
import json
import os
import subprocess
import time

import pytest

SIZE = 2000000


@pytest.fixture(scope="module")
def upload(tmp_path_factory):
    path = tmp_path_factory.mktemp("curl") / "2MB.bin"
    path.write_bytes(b"u" * SIZE)
    return str(path)


def served(server, request, count, timeout=3):
    """The statuses of the access log lines of `request`, once there are
    `count` of them (a line is written after its response has gone)."""
    deadline = time.monotonic() + timeout
    while True:
        with open(os.path.join(server.root, "access.log")) as f:
            lines = [l for l in f if request in l]
        if len(lines) >= count or time.monotonic() > deadline:
            return [int(l.split('" ', 1)[1].split()[0]) for l in lines]
        time.sleep(0.05)


def curl(server, path, upload, *args):
    p = subprocess.run(
        ["curl", "-sS", "-v", "--expect100-timeout", "0.5",
         "--data-binary", "@" + upload,
         "-w", "\n%{http_code} %{size_upload}",
         "http://127.0.0.1:%d%s" % (server.port, path)] + list(args),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
    body, _, stats = p.stdout.rpartition("\n")
    code, uploaded = stats.split()
    return int(code), int(float(uploaded)), body, p.stderr


def test_curl_continue(server, upload):
    code, uploaded, body, log = curl(server, "/dir-continue/echo.cgi", upload)
    assert "> Expect: 100-continue" in log
    assert "< HTTP/1.1 100 Continue" in log
    assert code == 200 and uploaded == SIZE
    assert json.loads(body) == {"length": SIZE, "expect": "100-continue"}


@pytest.mark.parametrize("path,status", [("/dir-continue/missing.txt", 404),
                                         ("/dir-continue/static.txt", 200)])
def test_curl_continue_uploads_nothing_nobody_reads(server, upload, path,
                                                    status):
    # Stock httpd: 100 Continue, then 2,000,000 bytes thrown away.
    code, uploaded, body, log = curl(server, path, upload)
    assert "100 Continue" not in log
    assert code == status and uploaded == 0


def test_curl_reject_is_retried_without_expect(server, upload):
    # libcurl retries once without Expect after a 417 that does not
    # announce the close (ExpectAnnounceClose Off): the upload succeeds on
    # the retry.
    code, uploaded, body, log = curl(server, "/dir-reject/quiet/echo.cgi",
                                     upload)
    assert "100 Continue" not in log
    assert "< HTTP/1.1 417 Expectation Failed" in log
    assert code == 200 and uploaded == SIZE
    assert json.loads(body) == {"length": SIZE, "expect": None}


def test_curl_reject_with_its_own_expect_header_does_not_loop(server,
                                                              upload):
    # The retry carries the application's Expect header again; the second
    # 417 announces the close and curl stops there (by default it would
    # follow 50 times; libcurl before 8.3, without end).
    code, uploaded, body, log = curl(server,
                                     "/dir-reject/quiet/echo.cgi?own",
                                     upload, "-H", "Expect: 100-continue")
    assert code == 417 and uploaded == 0
    assert "< Connection: close" in log
    assert served(server, "POST /dir-reject/quiet/echo.cgi?own ",
                  2) == [417, 417]


@pytest.mark.parametrize("path", ["/dir-reject/echo.cgi?final",
                                  "/dir-reject/announce/echo.cgi"])
def test_curl_reject_announced_close_is_final(server, upload, path):
    # By default, as with ExpectAnnounceClose On: curl reports the 417
    # and sends nothing again.
    code, uploaded, body, log = curl(server, path, upload)
    assert "< Connection: close" in log
    assert code == 417 and uploaded == 0
    assert "Expectation Failed" in body
    assert served(server, "POST %s " % path, 1) == [417]


def test_curl_ignore(server, upload):
    code, uploaded, body, log = curl(server, "/dir-ignore/echo.cgi", upload)
    assert "100 Continue" not in log
    assert code == 200 and uploaded == SIZE
    assert json.loads(body) == {"length": SIZE, "expect": None}


def test_curl_immediate_after_authentication(server, upload):
    code, uploaded, body, log = curl(server, "/dir-immediate/auth/echo.cgi",
                                     upload, "-u", "alice:secret")
    assert "< HTTP/1.1 100 Continue" in log
    assert code == 200 and uploaded == SIZE
    code, uploaded, body, log = curl(server, "/dir-immediate/auth/echo.cgi",
                                     upload)
    assert "100 Continue" not in log
    assert code == 401 and uploaded == 0
