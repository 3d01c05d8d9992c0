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


def main():
    deb, = glob.glob(os.path.join(pyhttpd.TOP,
                                  "libapache2-mod-expect_*.deb"))
    run("dpkg", "-i", deb)
    try:
        run("a2enmod", "expect")
        run("apachectl", "configtest")
        pyhttpd.prepare_root(ROOT)
        h = os.path.join(ROOT, "htdocs")
        pyhttpd.write(os.path.join(h, "echo.cgi"), pyhttpd.echo_cgi(), 0o755)
        port = pyhttpd.free_port()
        conf = pyhttpd.base_config(ROOT, "event", (port,)).replace(
            "LoadModule expect_module %s" % pyhttpd.MOD_EXPECT,
            "Include /etc/apache2/mods-enabled/expect.load\n"
            "Include /etc/apache2/mods-enabled/expect.conf")
        conf += "ServerTokens Full\n" + pyhttpd.docroot(
            h, "ExpectPolicy reject")
        httpd = pyhttpd.Httpd(ROOT, conf, (port,))
        httpd.start()
        try:
            ex = expect_exchange(port, "/echo.cgi", wait=3)
            assert ex.final.status == 417, ex.final
            assert "mod_expect/" in ex.final.header("server")
        finally:
            httpd.stop()
        print("the installed package loads and rejects: OK")
    finally:
        if "--keep" not in sys.argv:
            run("a2dismod", "-q", "expect")
            run("dpkg", "-r", "libapache2-mod-expect")


if __name__ == "__main__":
    main()
