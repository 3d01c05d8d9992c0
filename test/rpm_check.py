"""make test-rpm: the RPM of `make rpm` holds what Red Hat's own module
packages hold, where they hold it, and its two configuration files, as
RHEL's httpd.conf includes them, load in the suite's httpd (-t), which
then serves with them."""
import glob
import os
import subprocess

import pyhttpd
from deb_check import serve_packaged

ROOT = os.path.join(pyhttpd.TOP, "test", "run", "rpm")
MODULE = "/usr/lib64/httpd/modules/mod_expect.so"
LOAD = "/etc/httpd/conf.modules.d/10-expect.conf"
CONF = "/etc/httpd/conf.d/expect.conf"


def main():
    rpm, = glob.glob(os.path.join(pyhttpd.TOP, "build", "rpm", "RPMS", "*",
                                  "mod_expect-*.rpm"))
    files = set(subprocess.run(["rpm", "-qlp", rpm], stdout=subprocess.PIPE,
                               text=True, check=True).stdout.split())
    assert {MODULE, LOAD, CONF} <= files, files
    config = set(subprocess.run(["rpm", "-qcp", rpm], stdout=subprocess.PIPE,
                                text=True, check=True).stdout.split())
    assert config == {LOAD, CONF}, config
    pyhttpd.prepare_root(ROOT)
    tree = os.path.join(ROOT, "tree")
    os.makedirs(tree)
    subprocess.run("rpm2cpio %s | cpio -idm --quiet" % rpm, shell=True,
                   cwd=tree, check=True)
    # RHEL's ServerRoot /etc/httpd has modules -> ../../usr/lib64/httpd/modules.
    os.symlink(tree + os.path.dirname(MODULE), os.path.join(ROOT, "modules"))
    pyhttpd.write(os.path.join(ROOT, "httpd.conf"),
                  pyhttpd.base_config(ROOT, "event", (pyhttpd.free_port(),),
                                      expect=False)
                  + "Include %s%s\nInclude %s%s\n" % (tree, LOAD, tree, CONF))
    status, out = pyhttpd.configtest(os.path.join(ROOT, "httpd.conf"))
    assert status == 0 and out.strip() == "Syntax OK", out
    serve_packaged(ROOT, (tree + LOAD, tree + CONF))
    print("%s: files, config files, -t and a rejection: OK"
          % os.path.basename(rpm))


if __name__ == "__main__":
    main()
