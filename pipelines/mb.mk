# pipelines/mb.mk: what the pipelines in this folder share; included by
# retail.mk and online_retail.mk, not run by itself.
#
# MB_BIN is where the mb tools are: the project's build/ when it has been
# built (make), else whatever mb-* the PATH has (make install).

MB_PIPELINES := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
MB_BIN ?= $(abspath $(MB_PIPELINES)/../build)
export PATH := $(MB_BIN):$(PATH)

# Every recipe line is one bash script that stops at the first failure,
# in a pipeline too: a layer whose command failed is never marked done.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.SUFFIXES:

ifeq ($(wildcard $(MB_BIN)/mb-cat),)
ifeq ($(shell command -v mb-cat),)
$(error mb tools not found in $(MB_BIN) nor on PATH: run make first, or set MB_BIN)
endif
endif

# $(call commit,COMMANDS,MB-WRITE ARGUMENTS): pipe what COMMANDS print into
# mb-write, which commits it all in one step; when any of COMMANDS fails,
# a line that is not JSON follows what they printed, and mb-write then
# stops without committing (status 1).  Without it, mb-write would commit
# the records of a half-done run at the end of its input as if they were
# the whole.
commit = { $(1) || echo 'upstream failed: nothing committed'; } | mb-write -q $(2)

# $(,) is a comma inside a $(call ...) argument.
, := ,

