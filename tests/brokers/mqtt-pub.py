#!/usr/bin/env python3
"""mqtt-pub.py HOST PORT TOPIC < lines: publishes each line of stdin as one
MQTT 3.1.1 message at QoS 1 and exits 0 once the broker has acknowledged
every one of them (PUBACK), so that a test knows they are all stored.

A tiny client over the standard library, for the tests: mosquitto_pub -l
(2.0.11) returns before its QoS 1 messages are all acknowledged, and those
not yet sent are lost.
"""
import socket
import struct
import sys

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
        sys.exit("mqtt-pub: the broker closed the connection")
    mult, n = 1, 0
    while True:
        b = f.read(1)[0]
        n += (b & 127) * mult
        mult *= 128
        if not b & 128:
            break
    return head[0], f.read(n)


def main():
    host, port, topic = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
    s = socket.create_connection((host, port))
    f = s.makefile("rb")
    cid = b"mqtt-pub-%d" % id(s)
    s.sendall(packet(0x10, mstr(b"MQTT") + b"\x04\x02" + struct.pack("!H", 60)
                     + mstr(cid)))
    kind, body = read_packet(f)
    if kind != 0x20 or body[1] != 0:
        sys.exit("mqtt-pub: CONNACK refused: %r" % body)
    pid, inflight, sent = 0, set(), 0
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
    while inflight:
        kind, body = read_packet(f)
        if kind >> 4 == 4:
            inflight.discard(struct.unpack("!H", body[:2])[0])
    s.sendall(b"\xe0\x00")
    s.close()
    print("mqtt-pub: %d messages acknowledged" % sent, file=sys.stderr)


main()
