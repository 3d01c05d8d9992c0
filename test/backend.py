"""A real HTTP/1.1 origin on loopback for mod_proxy_http to talk to.

It is slow to answer an expectation: it waits DELAY seconds before its own
100 Continue, so a client of httpd can tell whether the 100 it got came
from httpd (ExpectPolicy immediate) or was relayed from here (continue).
It answers with JSON saying what it received.
"""
import hashlib
import json
import socket
import threading
import time

DELAY = 1.5


class Backend:
    def __init__(self, delay=DELAY, digest=False):
        """`digest`: the JSON also gives the SHA-1 of the body received."""
        self.delay, self.digest = delay, digest
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def stop(self):
        self.running = False
        self.sock.close()

    def _accept(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,),
                             daemon=True).start()

    def _serve(self, conn):
        conn.settimeout(10)
        f = conn.makefile("rb")
        try:
            while self._one(conn, f):
                pass
        except (OSError, ValueError):
            pass
        finally:
            f.close()
            conn.close()

    def _one(self, conn, f):
        line = f.readline()
        if not line:
            return False
        method, path, _ = line.decode("latin-1").split(" ", 2)
        headers = {}
        while True:
            h = f.readline().decode("latin-1").rstrip("\r\n")
            if not h:
                break
            name, value = h.split(":", 1)
            headers[name.strip().lower()] = value.strip()
        expect = headers.get("expect")
        if expect and expect.lower() == "100-continue":
            time.sleep(self.delay)
            conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        data = b""
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int(f.readline().split(b";")[0], 16)
                data += f.read(size) if size else b""
                f.readline()
                if not size:
                    break
        elif "content-length" in headers:
            data = f.read(int(headers["content-length"]))
        answer = {"path": path, "method": method, "expect": expect,
                  "length": len(data)}
        extra = b""
        if self.digest:
            answer["sha1"] = hashlib.sha1(data).hexdigest()
            extra = b"X-Body: %d %s\r\nETag: \"%s\"\r\n" % (
                len(data), answer["sha1"].encode(),
                hashlib.md5(data).hexdigest().encode())
        body = json.dumps(answer).encode()
        if self.digest and method == "PUT":
            body = b""          # an S3 client expects no body of a PUT
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"%sContent-Length: %d\r\n\r\n%s"
                     % (extra, len(body), body))
        return True
