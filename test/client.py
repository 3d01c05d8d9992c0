"""A raw HTTP/1.x client that sees every byte: interim responses,
connection closes, and what a server answers to bytes hidden in a body."""
import json
import socket
import time


class Response:
    def __init__(self, status, reason, headers, body=b""):
        self.status = status
        self.reason = reason
        self.headers = headers          # list of (lower-case name, value)
        self.body = body

    def header(self, name):
        values = [v for n, v in self.headers if n == name.lower()]
        return ", ".join(values) if values else None

    def connection(self):
        """The tokens of the Connection header, lower case."""
        value = self.header("connection") or ""
        return {t.strip().lower() for t in value.split(",") if t.strip()}

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "<Response %d %s>" % (self.status, self.headers)


class Conn:
    def __init__(self, port, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), 5)
        self.buf = b""
        self.interims = []        # every interim response read so far

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self, deadline):
        """Read more bytes; False on timeout, raises EOFError on close."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        except ConnectionResetError:
            data = b""
        if not data:
            raise EOFError
        self.buf += data
        return True

    def _line(self, deadline):
        while b"\r\n" not in self.buf:
            if not self._fill(deadline):
                return None
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n, deadline):
        while len(self.buf) < n:
            if not self._fill(deadline):
                raise TimeoutError("body incomplete")
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_head(self, timeout):
        """The next response head (interim or final), or None on timeout."""
        deadline = time.monotonic() + timeout
        line = self._line(deadline)
        if line is None:
            return None
        version, status, reason = (line.decode("latin-1").split(" ", 2)
                                   + [""])[:3]
        assert version.startswith("HTTP/1."), line
        headers = []
        while True:
            line = self._line(deadline)
            if line is None:
                raise TimeoutError("head incomplete")
            if not line:
                break
            name, value = line.decode("latin-1").split(":", 1)
            headers.append((name.strip().lower(), value.strip()))
        return Response(int(status), reason, headers)

    def read_body(self, resp, method, timeout):
        deadline = time.monotonic() + timeout
        if method == "HEAD" or resp.status in (204, 304):
            return resp
        te = resp.header("transfer-encoding")
        cl = resp.header("content-length")
        if te and "chunked" in te.lower():
            body = b""
            while True:
                size = int(self._line(deadline).split(b";")[0], 16)
                body += self._exact(size, deadline)
                self._exact(2, deadline)
                if size == 0:
                    break
            resp.body = body
        elif cl is not None:
            resp.body = self._exact(int(cl), deadline)
        else:
            try:
                while self._fill(deadline):
                    pass
            except EOFError:
                pass
            resp.body, self.buf = self.buf, b""
        return resp

    def read_response(self, method="POST", timeout=5):
        """The final response; interim ones are kept in .interims."""
        while True:
            resp = self.read_head(timeout)
            if resp is None:
                raise TimeoutError("no response")
            if resp.status >= 200:
                return self.read_body(resp, method, timeout)
            self.interims.append(resp)

    def closed(self, timeout=3):
        """True when the server closes without sending anything more."""
        deadline = time.monotonic() + timeout
        try:
            while self._fill(deadline):
                pass
        except EOFError:
            return not self.buf
        return False


def head(method, path, host="localhost", length=None, expect="100-continue",
         version="HTTP/1.1", extra=()):
    lines = ["%s %s %s" % (method, path, version), "Host: " + host]
    if expect is not None:
        lines.append("Expect: " + expect)
    if length is not None:
        lines.append("Content-Length: %d" % length)
    lines += list(extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class Exchange:
    """What a client waiting for 100 Continue went through."""
    def __init__(self):
        self.interim = None       # the 100 response, if any
        self.t_interim = None     # seconds from the head to the 100
        self.body_sent = False
        self.final = None
        self.t_final = None
        self.conn = None


def chunked(body, size=4096):
    """`body` in the chunked transfer coding, `size` bytes a chunk."""
    return b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + size]),
                                       body[i:i + size])
                    for i in range(0, len(body), size)) + b"0\r\n\r\n"


def expect_exchange(port, path, body=b"x" * 1000, host="localhost",
                    method="POST", wait=1.0, expect="100-continue",
                    version="HTTP/1.1", extra=(), timeout=8, chunks=False):
    """Send the head, wait up to `wait` seconds for 100 Continue or a final
    response (as curl does), send the body unless a final response came,
    and read the final response. Without `expect`, the body goes at once.
    `chunks`: the body goes chunked, not with its Content-Length. The
    connection stays open in .conn."""
    ex = Exchange()
    c = ex.conn = Conn(port)
    extra = list(extra) + (["Transfer-Encoding: chunked"] if chunks else [])
    t0 = time.monotonic()
    c.send(head(method, path, host, None if chunks else len(body), expect,
                version, extra))
    first = c.read_head(wait) if expect is not None else None
    if first is not None and first.status < 200:
        ex.interim, ex.t_interim = first, time.monotonic() - t0
        c.interims.append(first)
        first = None
    if first is None:
        c.send(chunked(body) if chunks else body)
        ex.body_sent = True
        ex.final = c.read_response(method, timeout)
    else:
        ex.final = c.read_body(first, method, timeout)
    ex.t_final = time.monotonic() - t0
    ex.interim = ex.interim or (c.interims[0] if c.interims else None)
    return ex
