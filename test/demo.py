"""make demo: Debian's apache2 in the foreground on 127.0.0.1 with
mod_expect, one path per policy, each in front of a CGI that reads the
body. Prints curl commands to try; Ctrl-C stops it."""
import os

import pyhttpd

POLICIES = ("continue", "immediate", "ignore", "reject")
ROOT = os.path.join(pyhttpd.TOP, "test", "run", "demo")

CONFIG = """
LogLevel info expect:trace2
{docroot}{locations}
<Location "/reject-custom">
    ExpectPolicy reject
    ErrorDocument 417 "This upload URL does not take Expect: 100-continue; \\
send the body right away (curl -H 'Expect:')."
</Location>
"""

LOCATION = """<Location "/{p}">
    ExpectPolicy {p}
</Location>
"""


def main():
    pyhttpd.prepare_root(ROOT)
    h = os.path.join(ROOT, "htdocs")
    for p in POLICIES + ("reject-custom",):
        pyhttpd.write(os.path.join(h, p, "echo.cgi"), pyhttpd.echo_cgi(),
                      0o755)
    upload = os.path.join(ROOT, "2MB.bin")
    with open(upload, "wb") as f:
        f.write(b"x" * 2000000)
    port = pyhttpd.free_port()
    conf = (pyhttpd.base_config(ROOT, "event", (port,))
            + CONFIG.format(h=h, docroot=pyhttpd.docroot(h), locations="".join(
                LOCATION.format(p=p) for p in POLICIES)))
    httpd = pyhttpd.Httpd(ROOT, conf, (port,))
    url = "http://127.0.0.1:%d" % port
    print("mod_expect demo: %s (config %s, log %s)\n"
          % (url, httpd.conf, httpd.error_log))
    print("curl sends 'Expect: 100-continue' for bodies over 1 MiB. Try:\n")
    for p in POLICIES + ("reject-custom",):
        print("  curl -v --data-binary @%s %s/%s/echo.cgi" % (upload, url, p))
    print("\n  # a body nobody reads is never asked for (size_upload: 0):")
    print("  curl -v -w '%%{size_upload}\\n' --data-binary @%s %s/continue/missing"
          % (upload, url))
    print("\n  # without Expect, every path simply works:")
    print("  curl -v -H 'Expect:' --data-binary @%s %s/reject/echo.cgi"
          % (upload, url))
    print("\nCtrl-C stops the server.\n", flush=True)
    try:
        httpd.start(foreground=True)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
