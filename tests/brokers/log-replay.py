#!/usr/bin/env python3
"""log-replay.py LOG START CHUNK PAUSE: a broker's log kept in a file, for
the tests.  LOG holds one message a line as SEQ, a tab and the message (the
prefix mb-ingest --offsets reads); the messages from line START on are
printed CHUNK lines at a time with PAUSE seconds between chunks, as a
consumer that starts at a stored offset receives them from a broker.
"""
import sys
import time

log, start, chunk, pause = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    float(sys.argv[4])
out = sys.stdout.buffer
with open(log, "rb") as f:
    for i, line in enumerate(f, 1):
        if i < start:
            continue
        out.write(line)
        if i % chunk == 0:
            out.flush()
            time.sleep(pause)
out.flush()
