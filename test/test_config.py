"""apachectl -t: good configurations pass without a word, bad ones fail
with a message naming the directive and its valid values."""
import os

import pytest

import pyhttpd
from conftest import MPM, tmp_conf_dir


def configtest(tmp_path, snippet):
    root = tmp_conf_dir(tmp_path)
    conf = os.path.join(root, "httpd.conf")
    with open(conf, "w") as f:
        f.write(pyhttpd.base_config(root, MPM, (pyhttpd.free_port(),))
                + snippet)
    return pyhttpd.configtest(conf)


GOOD = """
ExpectPolicy continue
ExpectAnnounceClose off
ExpectClientQuirks on
<VirtualHost *:80>
    ExpectPolicy REJECT
    ExpectAnnounceClose On
</VirtualHost>
<Directory "/srv">
    ExpectPolicy Immediate
    <Files "*.txt">
        ExpectPolicy ignore
    </Files>
</Directory>
<Location "/upload">
    ExpectPolicy immediate
    <If "%{REQUEST_METHOD} == 'PUT'">
        ExpectPolicy reject
    </If>
</Location>
"""


def test_every_keyword_in_every_context(tmp_path):
    rc, out = configtest(tmp_path, GOOD)
    assert rc == 0
    assert out.strip() == "Syntax OK"


def test_the_suite_config_is_clean(server):
    rc, out = pyhttpd.configtest(server.httpd.conf)
    assert rc == 0
    assert out.strip() == "Syntax OK"


@pytest.mark.parametrize("snippet,message", [
    ("ExpectPolicy sometimes",
     "ExpectPolicy must be one of continue|immediate|ignore|reject, "
     "not 'sometimes'"),
    ('ExpectPolicy ""',
     "ExpectPolicy takes one argument"),
    ("ExpectPolicy",
     "ExpectPolicy takes one argument, What to do with 'Expect: "
     "100-continue': continue|immediate|ignore|reject (default continue)"),
    ("ExpectPolicy reject ignore",
     "ExpectPolicy takes one argument"),
    ("ExpectAnnounceClose maybe",
     "ExpectAnnounceClose must be On or Off"),
    ("ExpectClientQuirks some",
     "ExpectClientQuirks must be On or Off"),
    ("<Location /x>\n<Limit POST>\nExpectClientQuirks off\n</Limit>\n"
     "</Location>",
     "ExpectClientQuirks cannot occur within <Limit> or <LimitExcept> "
     "section"),
    ("<Location /x>\n<Limit PUT>\nExpectAnnounceClose on\n</Limit>\n"
     "</Location>",
     "ExpectAnnounceClose cannot occur within <Limit> or <LimitExcept> "
     "section"),
    ("<Location /x>\n<Limit PUT>\nExpectPolicy reject\n</Limit>\n</Location>",
     "ExpectPolicy cannot occur within <Limit> or <LimitExcept> section"),
    ("<Directory /x>\n<LimitExcept GET>\nExpectPolicy reject\n"
     "</LimitExcept>\n</Directory>",
     "ExpectPolicy cannot occur within <Limit> or <LimitExcept> section"),
])
def test_bad_directive_fails_configtest(tmp_path, snippet, message):
    rc, out = configtest(tmp_path, snippet + "\n")
    assert rc != 0
    assert message in out


def test_sample_config_parses(tmp_path):
    rc, out = configtest(tmp_path, "Include %s/conf/expect.conf\n"
                         % pyhttpd.TOP)
    assert rc == 0 and out.strip() == "Syntax OK"


def test_sample_config_enables_nothing():
    # What a bare LoadModule line gives is what the shipped file gives:
    # no safety rule lives in it (the matrix of real clients, make
    # test-clients, includes it).
    with open(os.path.join(pyhttpd.TOP, "conf", "expect.conf")) as f:
        active = [line.strip() for line in f
                  if line.strip() and not line.strip().startswith("#")]
    assert active == ["<IfModule expect_module>", "</IfModule>"]
