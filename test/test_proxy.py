"""mod_proxy_http in front of a backend that takes DELAY seconds to answer
an expectation (backend.py)."""
from backend import DELAY
from client import expect_exchange
from conftest import PROXY_100, skip_without

BODY = b"p" * 5000


def test_continue_relays_the_backends_100(server):
    # Proxy100Continue On (the default): the backend decides.
    skip_without(PROXY_100)
    ex = expect_exchange(server.port, "/loc-continue", BODY, wait=DELAY + 2)
    assert ex.interim.status == 100 and ex.t_interim >= DELAY * 0.9
    assert ex.final.json()["expect"] == "100-continue"
    assert ex.final.json()["length"] == len(BODY)


def test_immediate_answers_for_a_slow_backend(server):
    ex = expect_exchange(server.port, "/loc-immediate", BODY, wait=DELAY + 2)
    assert ex.interim.status == 100 and ex.t_interim < 0.25
    # The backend is not asked to handle the expectation.
    assert ex.final.json() == {"path": "/loc-immediate", "method": "POST",
                               "expect": None, "length": len(BODY)}
    assert ex.t_final < DELAY


def test_immediate_proxy_after_authentication(server):
    ex = expect_exchange(server.port, "/proxy-auth", BODY, wait=DELAY + 2)
    assert ex.final.status == 401
    assert ex.interim is None and not ex.body_sent
    ex = expect_exchange(server.port, "/proxy-auth", BODY, wait=DELAY + 2,
                         extra=[server.auth])
    assert ex.interim.status == 100 and ex.t_interim < 0.25
    assert ex.final.json()["expect"] is None


def test_ignore_hides_expect_from_the_backend(server):
    ex = expect_exchange(server.port, "/loc-ignore", BODY, wait=1.0)
    assert ex.interim is None and ex.body_sent
    assert ex.final.json()["expect"] is None
    assert ex.final.json()["length"] == len(BODY)
