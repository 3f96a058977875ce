#!/usr/bin/env python3
"""A tiny NATS JetStream client over the standard library, for the tests
(Debian ships nats-server, not a client).

  nats-js.py pub HOST PORT STREAM SUBJECT < lines
      creates the stream (file storage) when it does not exist, publishes
      each line of stdin as one message and exits 0 once JetStream has
      acknowledged every one.
  nats-js.py sub HOST PORT STREAM START [IDLE]
      prints each message from stream sequence START on as SEQ, a tab and
      the message (the prefix mb-ingest --offsets reads), through a pull
      consumer, 1000 messages a request; exits 0 after IDLE seconds without
      a message (runs until killed without IDLE).

The consumer keeps no position of its own: the caller says where to start,
from what it has committed (mb-ingest --offsets puts SEQ in _offset).
"""
import json
import os
import socket
import sys
import time


class Nats:
    def __init__(self, host, port):
        self.s = socket.create_connection((host, port))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.f = self.s.makefile("rb")
        self.f.readline()  # INFO
        self.send(b'CONNECT {"verbose":false,"pedantic":false,'
                  b'"headers":true,"no_responders":true}\r\nPING\r\n')
        while self.next(None) is not None:
            pass
        self.sids = 0

    def send(self, b):
        self.s.sendall(b)

    def pub(self, subject, payload, reply=None):
        r = b" " + reply.encode() if reply else b""
        self.send(b"PUB %s%s %d\r\n%s\r\n" % (subject.encode(), r,
                                              len(payload), payload))

    def sub(self, subject):
        self.sids += 1
        self.send(b"SUB %s %d\r\n" % (subject.encode(), self.sids))
        return self.sids

    def next(self, timeout):
        """The next message as (sid, reply, status, payload); None for the
        PONG of CONNECT; ('timeout',) when nothing came in time."""
        self.s.settimeout(timeout)
        try:
            line = self.f.readline()
        except socket.timeout:
            return ("timeout",)
        finally:
            self.s.settimeout(None)
        if not line:
            sys.exit("nats-js: the server closed the connection")
        op = line.split()
        if op[0] == b"PING":
            self.send(b"PONG\r\n")
            return self.next(timeout)
        if op[0] in (b"PONG", b"+OK"):
            return None
        if op[0] == b"-ERR":
            sys.exit("nats-js: %s" % line.decode().strip())
        if op[0] == b"MSG":
            reply = op[3].decode() if len(op) == 5 else None
            data = self.f.read(int(op[-1]) + 2)[:-2]
            return (int(op[2]), reply, 0, data)
        if op[0] == b"HMSG":
            reply = op[3].decode() if len(op) == 6 else None
            hlen, tlen = int(op[-2]), int(op[-1])
            data = self.f.read(tlen + 2)[:-2]
            head = data[:hlen].split(b"\r\n")[0].split()
            status = int(head[1]) if len(head) > 1 else 0
            return (int(op[2]), reply, status, data[hlen:])
        sys.exit("nats-js: unexpected %r" % line)

    def request(self, subject, obj):
        inbox = "_INBOX.req%d" % (self.sids + 1)
        sid = self.sub(inbox)
        self.pub(subject, json.dumps(obj).encode(), inbox)
        while True:
            m = self.next(10)
            if m is None:
                continue
            if m[0] == "timeout":
                sys.exit("nats-js: no answer to %s" % subject)
            if m[0] == sid:
                self.send(b"UNSUB %d\r\n" % sid)
                return json.loads(m[3])


def pub(nc, stream, subject):
    r = nc.request("$JS.API.STREAM.CREATE." + stream,
                   {"name": stream, "subjects": [subject],
                    "storage": "file"})
    if "error" in r and r["error"].get("err_code") != 10058:
        sys.exit("nats-js: stream: %s" % r["error"])
    sid = nc.sub("_INBOX.acks")
    sent = acked = 0
    for line in sys.stdin.buffer:
        nc.pub(subject, line.rstrip(b"\n"), "_INBOX.acks")
        sent += 1
        while sent - acked >= 1000:
            acked += ack(nc, sid)
    while acked < sent:
        acked += ack(nc, sid)
    print("nats-js: %d messages acknowledged" % sent, file=sys.stderr)


def ack(nc, sid):
    m = nc.next(10)
    if m is None:
        return 0
    if m[0] == "timeout":
        sys.exit("nats-js: JetStream stopped acknowledging")
    if m[0] != sid:
        return 0
    r = json.loads(m[3])
    if "error" in r:
        sys.exit("nats-js: publish: %s" % r["error"])
    return 1


def sub(nc, stream, start, idle):
    name = "mb%d" % os.getpid()
    cfg = {"durable_name": name, "ack_policy": "all",
           "deliver_policy": "all", "max_ack_pending": 20000}
    if start > 1:
        cfg["deliver_policy"] = "by_start_sequence"
        cfg["opt_start_seq"] = start
    r = nc.request("$JS.API.CONSUMER.DURABLE.CREATE.%s.%s" % (stream, name),
                   {"stream_name": stream, "config": cfg})
    if "error" in r:
        sys.exit("nats-js: consumer: %s" % r["error"])
    inbox = "_INBOX.pull"
    sid = nc.sub(inbox)
    out = sys.stdout.buffer
    last = time.monotonic()
    while idle is None or time.monotonic() - last < idle:
        nc.pub("$JS.API.CONSUMER.MSG.NEXT.%s.%s" % (stream, name),
               b'{"batch":1000,"expires":500000000}', inbox)
        got, reply = 0, None
        while got < 1000:
            m = nc.next(5)
            if m is None or m[0] != sid:
                if m is not None and m[0] == "timeout":
                    break
                continue
            if m[2] != 0 or m[1] is None:
                break  # 404 no messages, 408 request expired
            t = m[1].split(".")
            seq = t[5] if len(t) == 9 else t[7]
            out.write(seq.encode() + b"\t" + m[3] + b"\n")
            got += 1
            reply = m[1]
        if got:
            out.flush()
            nc.pub(reply, b"")  # acks the batch (ack policy all)
            last = time.monotonic()
    out.flush()


def main():
    a = sys.argv[1:]
    if len(a) >= 5 and a[0] == "pub":
        pub(Nats(a[1], int(a[2])), a[3], a[4])
    elif len(a) in (5, 6) and a[0] == "sub":
        sub(Nats(a[1], int(a[2])), a[3], int(a[4]),
            float(a[5]) if len(a) == 6 else None)
    else:
        sys.exit(__doc__)


main()
