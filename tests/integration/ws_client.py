"""A minimal raw-socket WebSocket client for the conformance tests: it sends exactly the
frames a test asks for (masked or not, fragmented, bad UTF-8), which no client library does."""
import base64
import hashlib
import os
import socket

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, BINARY, CLOSE, PING, PONG, CONT = 0x1, 0x2, 0x8, 0x9, 0xA, 0x0


def mask_bytes(payload, key):
    if not payload:
        return payload
    n = len(payload)
    m = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(m, "big")).to_bytes(n, "big")


def frame(opcode, payload=b"", fin=True, mask=True, rsv=0):
    b0 = (0x80 if fin else 0) | rsv | opcode
    n = len(payload)
    mbit = 0x80 if mask else 0
    if n < 126:
        head = bytes([b0, mbit | n])
    elif n < 65536:
        head = bytes([b0, mbit | 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([b0, mbit | 127]) + n.to_bytes(8, "big")
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + mask_bytes(payload, key)


def close_payload(code, reason=b""):
    return code.to_bytes(2, "big") + reason


class Conn:
    def __init__(self, sock, status, headers, leftover):
        self.sock = sock
        self.status = status
        self.headers = headers
        self.buf = leftover

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed")
        self.buf += chunk

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv_frame(self):
        """(fin, opcode, payload) of the next server frame (server frames are unmasked)."""
        b0, b1 = self._take(2)
        assert b1 & 0x80 == 0, "a server frame must not be masked"
        n = b1 & 0x7F
        if n == 126:
            n = int.from_bytes(self._take(2), "big")
        elif n == 127:
            n = int.from_bytes(self._take(8), "big")
        return bool(b0 & 0x80), b0 & 0x0F, self._take(n)

    def recv_message(self):
        """The next data message's (opcode, payload), skipping nothing: fails on control."""
        fin, op, payload = self.recv_frame()
        assert fin and op in (TEXT, BINARY), (fin, op, payload)
        return op, payload

    def expect_close(self):
        """(code, reason) of the server's close frame."""
        fin, op, payload = self.recv_frame()
        assert op == CLOSE, (op, payload)
        if not payload:
            return 1005, b""
        return int.from_bytes(payload[:2], "big"), payload[2:]

    def expect_eof(self, timeout=5.0):
        self.sock.settimeout(timeout)
        while True:
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                return
            if not chunk:
                return

    def close(self):
        self.sock.close()


def connect(port, path="/echo", headers=b"", timeout=10.0, version=b"13", key=None):
    """Sends the opening handshake; returns a Conn (status 101 or the refusal's)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    key = key if key is not None else base64.b64encode(os.urandom(16))
    sock.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\n"
                 b"Connection: Upgrade\r\nSec-WebSocket-Key: " + key + b"\r\n"
                 b"Sec-WebSocket-Version: " + version + b"\r\n" + headers + b"\r\n")
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            break
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0] else 0
    fields = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    conn = Conn(sock, status, fields, rest)
    if status == 101:
        expected = base64.b64encode(hashlib.sha1(key + GUID).digest()).decode()
        assert fields.get("sec-websocket-accept") == expected, fields
    return conn
