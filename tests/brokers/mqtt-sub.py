#!/usr/bin/env python3
"""mqtt-sub.py HOST PORT TOPIC CLIENT-ID: an MQTT 3.1.1 subscriber at QoS 1
with a persistent session (clean session 0), for the tests.  It prints each
message on a line and acknowledges it (PUBACK) only once the line is
flushed to stdout, so a consumer killed at any moment loses nothing: what
it had not acknowledged, the broker sends again.  mosquitto_sub
acknowledges a message before it prints it (libmosquitto sends the PUBACK
first), so kill -9 can lose the message in its hands.  Each line goes out
in one write(2), which a pipe keeps whole up to PIPE_BUF (4096 bytes), so
a kill never leaves half a message in the pipe.
"""
import os
import select
import socket
import struct
import sys
import time


def remaining(n):
    out = bytearray()
    while True:
        b = n % 128
        n //= 128
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def packet(kind, body):
    return bytes([kind]) + remaining(len(body)) + body


def mstr(s):
    return struct.pack("!H", len(s)) + s


class Reader:
    def __init__(self, s):
        self.s, self.buf = s, b""

    def fill(self):
        d = self.s.recv(1 << 16)
        if not d:
            sys.exit("mqtt-sub: the broker closed the connection")
        self.buf += d

    def packet(self):
        """A whole packet from the buffer, or None."""
        b = self.buf
        if len(b) < 2:
            return None
        mult, n, i = 1, 0, 1
        while True:
            if i >= len(b):
                return None
            n += (b[i] & 127) * mult
            mult *= 128
            i += 1
            if not b[i - 1] & 128:
                break
        if len(b) < i + n:
            return None
        self.buf = b[i + n:]
        return b[0], b[i:i + n]


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    topic, cid = sys.argv[3].encode(), sys.argv[4].encode()
    s = socket.create_connection((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(packet(0x10, mstr(b"MQTT") + b"\x04\x00" + struct.pack("!H", 60)
                     + mstr(cid)))
    r = Reader(s)
    s.sendall(packet(0x82, struct.pack("!H", 1) + mstr(topic) + b"\x01"))
    out = sys.stdout.fileno()
    last = time.monotonic()
    while True:
        if not select.select([s], [], [], 20)[0]:
            s.sendall(b"\xc0\x00")  # PINGREQ: keep the session alive
            continue
        r.fill()
        acks = []
        while True:
            p = r.packet()
            if p is None:
                break
            kind, body = p
            if kind >> 4 == 2 and body[1] != 0:
                sys.exit("mqtt-sub: CONNACK refused: %d" % body[1])
            if kind >> 4 != 3:
                continue
            qos = (kind >> 1) & 3
            tlen = struct.unpack("!H", body[:2])[0]
            at = 2 + tlen
            if qos:
                acks.append(body[at:at + 2])
                at += 2
            os.write(out, body[at:] + b"\n")
        if acks:
            s.sendall(b"".join(packet(0x40, a) for a in acks))
        if time.monotonic() - last > 20:
            s.sendall(b"\xc0\x00")
            last = time.monotonic()


main()
