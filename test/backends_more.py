"""Backends of the handler matrix (test_handlers.py) that are programs of
their own: uwsgi (for mod_proxy_uwsgi and mod_proxy_scgi), Tomcat (for
mod_proxy_ajp) and a second, stock httpd that speaks h2c (for
mod_proxy_http2). Each listens on free loopback ports, lives in the run
root of the suite and is stopped by the fixture that started it.
"""
import os
import shutil
import signal
import socket
import subprocess
import time

import pyhttpd
from pyhttpd import write

UWSGI = shutil.which("uwsgi")
UWSGI_PLUGIN = "/usr/lib/uwsgi/plugins/python3_plugin.so"
CATALINA_HOME = "/usr/share/tomcat10"
CATALINA_SH = os.path.join(CATALINA_HOME, "bin", "catalina.sh")
TOMCAT_CONF = "/etc/tomcat10"
JAVA = shutil.which("java")

# Why a backend cannot run here, or None.
NO_UWSGI = (None if UWSGI and os.path.exists(UWSGI_PLUGIN) else
            "no uwsgi with its python3 plugin (uwsgi-core, "
            "uwsgi-plugin-python3)")
NO_TOMCAT = (None if JAVA and os.path.exists(CATALINA_SH)
             and os.path.exists(os.path.join(TOMCAT_CONF, "web.xml")) else
             "no Tomcat 10 (tomcat10) or no java")


def wait_for_port(port, proc, what, timeout):
    """Until `port` accepts; raises if `proc` exits or time runs out."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("%s exited (%s)" % (what, proc.returncode))
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("%s did not listen on %d" % (what, port))


def stop_group(proc, timeout=15):
    """SIGTERM to the process group of `proc` (started in a session of its
    own, so its children go too), SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


class Uwsgi:
    """One uwsgi with a WSGI application on two sockets: the uwsgi
    protocol (mod_proxy_uwsgi) and SCGI (mod_proxy_scgi)."""
    def __init__(self, root, app_text):
        self.port, self.scgi_port = pyhttpd.free_port(), pyhttpd.free_port()
        app = os.path.join(root, "uwsgi", "digest_app.py")
        write(app, app_text)
        log = open(os.path.join(root, "uwsgi", "uwsgi.log"), "w")
        # --die-on-term: without it uwsgi takes SIGTERM for a reload.
        self.proc = subprocess.Popen(
            [UWSGI, "--plugin", "python3", "--master", "--die-on-term",
             "--need-app", "--processes", "2", "--threads", "2",
             "--uwsgi-socket", "127.0.0.1:%d" % self.port,
             "--scgi-socket", "127.0.0.1:%d" % self.scgi_port,
             "--wsgi-file", app],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        try:
            wait_for_port(self.port, self.proc, "uwsgi", 20)
            wait_for_port(self.scgi_port, self.proc, "uwsgi", 20)
        except RuntimeError:
            self.stop()
            raise

    def stop(self):
        stop_group(self.proc)


SERVER_XML = """<?xml version="1.0" encoding="UTF-8"?>
<!-- Only an AJP connector, on loopback; no shutdown port. -->
<Server port="-1" shutdown="SHUTDOWN">
  <Service name="Catalina">
    <Connector protocol="AJP/1.3" address="127.0.0.1" port="{port}"
               secretRequired="false" />
    <Engine name="Catalina" defaultHost="localhost">
      <Host name="localhost" appBase="webapps" unpackWARs="false"
            autoDeploy="false" />
    </Engine>
  </Service>
</Server>
"""

# Reads the whole body, answers its length and SHA-1. Tomcat compiles it
# (Jasper with Debian's JDT), so no javac step here.
DIGEST_JSP = """<%@ page contentType="text/plain" session="false"
    trimDirectiveWhitespaces="true" %><%
byte[] data = request.getInputStream().readAllBytes();
byte[] sha = java.security.MessageDigest.getInstance("SHA-1").digest(data);
StringBuilder hex = new StringBuilder();
for (byte b : sha) {
    hex.append(String.format("%02x", b));
}
out.print(data.length + " " + hex);
%>"""


class Tomcat:
    """Tomcat 10 from a private CATALINA_BASE in the run root, with the
    digest JSP at /digest.jsp behind an AJP connector."""
    def __init__(self, root):
        self.port = pyhttpd.free_port()
        self.base = os.path.join(root, "tomcat")
        if os.path.exists(self.base):
            shutil.rmtree(self.base)
        for d in ("conf", "logs", "temp", "work", "webapps/ROOT"):
            os.makedirs(os.path.join(self.base, d))
        # Debian's web.xml maps *.jsp to Jasper; the others as Debian has.
        for name in ("web.xml", "context.xml", "catalina.properties",
                     "logging.properties"):
            shutil.copy(os.path.join(TOMCAT_CONF, name),
                        os.path.join(self.base, "conf"))
        write(os.path.join(self.base, "conf", "server.xml"),
              SERVER_XML.format(port=self.port))
        write(os.path.join(self.base, "webapps", "ROOT", "digest.jsp"),
              DIGEST_JSP)
        env = dict(os.environ, CATALINA_HOME=CATALINA_HOME,
                   CATALINA_BASE=self.base,
                   CATALINA_TMPDIR=os.path.join(self.base, "temp"),
                   CATALINA_OUT=os.path.join(self.base, "logs",
                                             "catalina.out"))
        env.pop("JAVA_OPTS", None)
        log = open(os.path.join(self.base, "logs", "catalina.out"), "w")
        self.proc = subprocess.Popen([CATALINA_SH, "run"], env=env,
                                     stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        log.close()
        try:
            wait_for_port(self.port, self.proc, "Tomcat", 90)
        except RuntimeError:
            self.stop()
            raise

    def stop(self):
        stop_group(self.proc, 30)


H2C_CONFIG = """
Protocols h2c http/1.1
LogLevel info
{docroot}"""


class H2cBackend:
    """A stock httpd (no mod_expect) that serves the digest CGI over h2c
    with prior knowledge, for mod_proxy_http2. It runs under event
    whatever the suite's MPM: mod_http2 serves nothing under prefork."""
    def __init__(self, root, cgi_text):
        pyhttpd.prepare_root(root)
        h = os.path.join(root, "htdocs")
        write(os.path.join(h, "digest.cgi"), cgi_text, 0o755)
        mpm = "event" if pyhttpd.have_module("mpm_event") else "worker"
        self.port = pyhttpd.free_port()
        conf = (pyhttpd.base_config(root, mpm, (self.port,), ("http2",),
                                    expect=False)
                + H2C_CONFIG.format(docroot=pyhttpd.docroot(h)))
        # An Httpd: the suite scans its error log after every test.
        self.httpd = pyhttpd.Httpd(root, conf, (self.port,))
        self.httpd.start()

    def stop(self):
        self.httpd.stop()
