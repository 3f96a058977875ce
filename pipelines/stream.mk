# pipelines/stream.mk: the retail medallion live, from a paced source to a
# dashboard that follows it (pipelines/stream.sh does the work).
#
#   make -f pipelines/stream.mk run             10,000 orders a second into ./lake-live
#   make -f pipelines/stream.mk status          its processes, the records of each layer
#   make -f pipelines/stream.mk stop            the source ends, every stage commits what
#                                               it read and exits; no process is left
#   make -f pipelines/stream.mk restart STAGE=category
#
# mb-gen --rate RATE --stamp | mb-ingest | mb-write --tee bronze | mb-validate
# | mb-enrich | mb-write --tee silver | mb-agg (1-minute windows, a 30 s
# watermark, an update every EVERY) | mb-write --merge-on gold, with the
# quarantine beside silver; a second gold table reads silver with mb-cat
# --follow --checkpoint, so it can be restarted on its own; mb-dash --watch
# redraws $(LAKE)/dashboard.html at every gold commit.  Records stay in
# the pipes for milliseconds and every layer commits every COMMIT seconds
# in the background (mb-write(1)).

LAKE ?= lake-live
RATE ?= 10000
SEED ?= 42
DIRTY ?= 0.01
COMMIT ?= 1
EVERY ?= 1s
REFRESH ?= 2
# A command that prints the orders instead of mb-gen (empty: mb-gen); stop
# sends it SIGTERM, so one process, or a script that ends by itself.
SOURCE ?=
STAGE ?=

include $(dir $(lastword $(MAKEFILE_LIST)))mb.mk

export LAKE RATE SEED DIRTY COMMIT EVERY REFRESH SOURCE
STREAM = sh $(MB_PIPELINES)/stream.sh

run:
	$(STREAM) start
stop:
	$(STREAM) stop
status:
	$(STREAM) status
restart:
	$(STREAM) restart '$(STAGE)'
.PHONY: run stop status restart
