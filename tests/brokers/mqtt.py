#!/usr/bin/env python3
"""A tiny MQTT 3.1.1 client over the standard library, for the tests.

  mqtt.py pub HOST PORT TOPIC [RATE] < lines
      publishes each line of stdin as one message at QoS 1 (at most RATE
      messages a second when given) and exits 0 once
      the broker has acknowledged every one of them (PUBACK), so that a
      test knows they are all stored.  mosquitto_pub -l (2.0.11) returns
      before its QoS 1 messages are all sent, and those not yet sent are
      lost.
  mqtt.py sub HOST PORT TOPIC CLIENT-ID
      subscribes at QoS 1 with a persistent session (clean session 0) and
      prints each message on a line, acknowledging it only once the line is
      written, so a consumer killed at any moment loses nothing: what it
      had not acknowledged, the broker sends again.  mosquitto_sub
      acknowledges a message before it prints it (libmosquitto sends the
      PUBACK first), so kill -9 can lose the message in its hands.  Each
      line goes out in one write(2), which a pipe keeps whole up to
      PIPE_BUF (4096 bytes), so a kill never leaves half a message in the
      pipe.
"""
import os
import select
import socket
import struct
import sys
import time

WINDOW = 1000


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


def read_packet(f):
    head = f.read(1)
    if not head:
        sys.exit("mqtt.py: the broker closed the connection")
    mult, n = 1, 0
    while True:
        b = f.read(1)[0]
        n += (b & 127) * mult
        mult *= 128
        if not b & 128:
            break
    return head[0], f.read(n)



class Reader:
    def __init__(self, s):
        self.s, self.buf = s, b""

    def fill(self):
        d = self.s.recv(1 << 16)
        if not d:
            sys.exit("mqtt.py: the broker closed the connection")
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


def pub(host, port, topic, rate):
    s = socket.create_connection((host, port))
    f = s.makefile("rb")
    cid = b"mqtt-pub-%d" % id(s)
    s.sendall(packet(0x10, mstr(b"MQTT") + b"\x04\x02" + struct.pack("!H", 60)
                     + mstr(cid)))
    kind, body = read_packet(f)
    if kind != 0x20 or body[1] != 0:
        sys.exit("mqtt.py pub: CONNACK refused: %r" % body)
    pid, inflight, sent = 0, set(), 0
    t0 = time.monotonic()
    for line in sys.stdin.buffer:
        line = line.rstrip(b"\n")
        pid = pid % 65535 + 1
        while len(inflight) >= WINDOW or pid in inflight:
            kind, body = read_packet(f)
            if kind >> 4 == 4:
                inflight.discard(struct.unpack("!H", body[:2])[0])
        s.sendall(packet(0x32, mstr(topic) + struct.pack("!H", pid) + line))
        inflight.add(pid)
        sent += 1
        if rate and sent % 1000 == 0:
            time.sleep(max(0.0, t0 + sent / rate - time.monotonic()))
    while inflight:
        kind, body = read_packet(f)
        if kind >> 4 == 4:
            inflight.discard(struct.unpack("!H", body[:2])[0])
    s.sendall(b"\xe0\x00")
    s.close()
    print("mqtt.py pub: %d messages acknowledged" % sent, file=sys.stderr)



def sub(host, port, topic, cid):
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
                sys.exit("mqtt.py sub: CONNACK refused: %d" % body[1])
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



def main():
    a = sys.argv[1:]
    if len(a) in (4, 5) and a[0] == "pub":
        pub(a[1], int(a[2]), a[3].encode(), float(a[4]) if len(a) == 5 else 0)
    elif len(a) == 5 and a[0] == "sub":
        sub(a[1], int(a[2]), a[3].encode(), a[4].encode())
    else:
        sys.exit(__doc__)


main()
