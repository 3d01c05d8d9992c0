"""make test-deb: install the built package on this machine, enable it the
Debian way, check Debian's configuration, and run Debian's apache2 with it
on a free loopback port (not the system service). Removes it afterwards
unless --keep is given."""
import glob
import os
import subprocess
import sys

import pyhttpd
from client import expect_exchange

ROOT = os.path.join(pyhttpd.TOP, "test", "run", "deb")


def run(*cmd):
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL)


def serve_packaged(root, includes):
    """Runs the suite's httpd with a package's config files `includes` in
    place of its LoadModule line, under ExpectPolicy reject: it starts,
    logs no warning, and the module answers 417."""
    h = os.path.join(root, "htdocs")
    pyhttpd.write(os.path.join(h, "echo.cgi"), pyhttpd.echo_cgi(), 0o755)
    port = pyhttpd.free_port()
    conf = pyhttpd.base_config(root, "event", (port,), expect=False)
    conf += ("".join("Include %s\n" % f for f in includes)
             + "ServerTokens Full\n" + pyhttpd.docroot(h, "ExpectPolicy reject"))
    httpd = pyhttpd.Httpd(root, conf, (port,))
    httpd.start()
    try:
        ex = expect_exchange(port, "/echo.cgi", wait=3)
        assert ex.final.status == 417, ex.final
        assert "mod_expect/" in ex.final.header("server")
        assert not httpd.warnings(), httpd.warnings()
    finally:
        httpd.stop()


def main():
    deb, = glob.glob(os.path.join(pyhttpd.TOP,
                                  "libapache2-mod-expect_*.deb"))
    run("dpkg", "-i", deb)
    try:
        run("a2enmod", "expect")
        run("apachectl", "configtest")
        pyhttpd.prepare_root(ROOT)
        serve_packaged(ROOT, ("/etc/apache2/mods-enabled/expect.load",
                              "/etc/apache2/mods-enabled/expect.conf"))
        print("the installed package loads and rejects: OK")
    finally:
        if "--keep" not in sys.argv:
            run("a2dismod", "-q", "expect")
            run("dpkg", "-r", "libapache2-mod-expect")


if __name__ == "__main__":
    main()
