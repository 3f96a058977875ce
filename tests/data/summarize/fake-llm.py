#!/usr/bin/env python3
"""A chat completions server for tests/mb-summarize.bats, on 127.0.0.1
only, from Python's standard library.  The first part of the path picks
the scenario (POST /SCENARIO-TAG/v1/chat/completions; requests are
counted per SCENARIO-TAG, so each test has its own count):

  good      200 with the answer in DIR/good.txt
  retry429  429 with Retry-After: 1, then as good
  fail500   500, always
  slow      waits 3 s, then as good
  malformed 200 with a body that is not JSON
  huge      200 with 10 MB of JSON
  invent    DIR/invent.txt, then DIR/invent2.txt (second request)
  fixed     DIR/invent.txt, then DIR/good.txt
  inject    DIR/inject.txt, always

Every request is checked: the Authorization header must be "Bearer " and
the key in FAKE_LLM_KEY (none when it is empty), the body a chat request
with a model, temperature 0, a system message and the digest as JSON in
the user message; a request that fails a check gets 401 or 400.  Each
request is logged to DIR/log as one JSON line (scenario, time, the
request body, what was wrong) -- never the header's value.

  fake-llm.py DIR [--tls CERT KEY]   writes its port to DIR/port
"""
import json
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIR = sys.argv[1]
KEY = os.environ.get("FAKE_LLM_KEY", "")
counts = {}
lock = threading.Lock()


def answer(text):
    return json.dumps({"id": "chatcmpl-1", "object": "chat.completion",
                       "model": "fake", "choices": [{"index": 0,
                       "message": {"role": "assistant", "content": text},
                       "finish_reason": "stop"}]}).encode()


def read(name):
    with open(os.path.join(DIR, name), encoding="utf-8") as f:
        return f.read()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, code, body, headers=()):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def check(self, raw):
        want = "Bearer " + KEY if KEY else None
        if self.headers.get("Authorization") != want:
            return 401, "authorization"
        if self.headers.get("Content-Type") != "application/json":
            return 400, "content type"
        try:
            req = json.loads(raw)
            msgs = req["messages"]
            assert isinstance(req["model"], str) and req["model"]
            assert req["temperature"] == 0
            assert msgs[0]["role"] == "system"
            assert msgs[1]["role"] == "user"
            user = msgs[1]["content"]
            digest = json.loads(user[user.index("Digest (JSON):\n") + 15:])
            assert digest["version"] == 1
        except Exception as e:  # noqa: BLE001 - any flaw is a 400
            return 400, "body: %r" % e
        return 200, ""

    def do_POST(self):
        parts = self.path.split("/")
        tag = parts[1] if len(parts) > 2 else ""
        scen = tag.split("-")[0]
        n = int(self.headers.get("Content-Length", 0))
        raw = self.rfile.read(n)
        code, why = self.check(raw)
        with lock:
            k = counts[tag] = counts.get(tag, 0) + 1
            with open(os.path.join(DIR, "log"), "a") as f:
                f.write(json.dumps({"scenario": tag, "n": k, "t": time.time(),
                                    "path": self.path, "problem": why,
                                    "body": raw.decode("utf-8", "replace")}) + "\n")
        if not self.path.endswith("/v1/chat/completions"):
            return self.send(404, b'{"error":{"message":"no such path"}}')
        if code != 200:
            return self.send(code, json.dumps({"error": {"message": why}}).encode())
        if scen == "retry429" and k == 1:
            return self.send(429, b'{"error":{"message":"slow down"}}',
                             [("Retry-After", "1")])
        if scen == "fail500":
            return self.send(500, b'{"error":{"message":"upstream broke"}}')
        if scen == "slow":
            time.sleep(3)
        if scen == "malformed":
            return self.send(200, b'{"choices": [{"message": ')
        if scen == "huge":
            return self.send(200, b'{"pad":"' + b"x" * (10 << 20) + b'"}')
        if scen == "invent":
            return self.send(200, answer(read("invent.txt" if k == 1 else "invent2.txt")))
        if scen == "fixed":
            return self.send(200, answer(read("invent.txt" if k == 1 else "good.txt")))
        if scen == "inject":
            return self.send(200, answer(read("inject.txt")))
        return self.send(200, answer(read("good.txt")))


srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
srv.daemon_threads = True
if len(sys.argv) > 2 and sys.argv[2] == "--tls":
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[3], sys.argv[4])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
tmp = os.path.join(DIR, "port.tmp")
with open(tmp, "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(tmp, os.path.join(DIR, "port"))
srv.serve_forever()
