# pipelines/retail.mk: the retail medallion on simulated orders, as make
# targets.  mb-gen's orders and dimension tables land in $(LAKE)/landing;
# bronze is their copy with lineage; silver the valid orders, enriched,
# with the others in a quarantine dataset and a data-quality report; gold
# the business tables; then a written summary and a dashboard.
#
#   make -f pipelines/retail.mk                   100,000 orders into ./lake
#   make -f pipelines/retail.mk -j2 ORDERS=1000000 LAKE=/srv/lake
#   make -f pipelines/retail.mk gold              stop after the gold tables
#
# Each layer is a dataset (see mb-lake(5)) and each target a stamp file in
# $(LAKE)/_state, touched once the layer's commits are done: a rerun does
# only what changed (nothing, when nothing did; from the landing zone on,
# when a parameter did), and -j2 builds independent gold tables at once.
# Datasets are rewritten whole (mb-write -m overwrite) in one atomic
# commit, so a run that fails halfway leaves every dataset as it was or as
# it is meant to be, never half-written, and the next run redoes the
# layers whose stamps are missing or older than their inputs.

ORDERS ?= 100000
SEED ?= 42
DIRTY ?= 0.02
LAKE ?= lake
# The time now of the not-future rule.  Fixed, so a run is reproducible
# (mb-gen's orders are of 2025); empty for the clock.
NOW ?= 2026-01-01T00:00:00Z
DASHBOARD ?= $(LAKE)/dashboard.html
# A data-quality gate: when more than this share of bronze is quarantined
# (0.05: 5%), silver is not committed and the run fails (mb-validate
# --max-invalid, status 3).  Empty: no gate.
MAX_INVALID ?=
# mb-summarize writes offline; drop --offline to let the model set by
# MB_LLM_URL write the summary (every figure checked against the data).
SUMMARIZE ?= --offline

include $(dir $(lastword $(MAKEFILE_LIST)))mb.mk
.DEFAULT_GOAL := all

S := $(LAKE)/_state
LANDING := $(LAKE)/landing
BRONZE := $(LAKE)/bronze/orders
SILVER := $(LAKE)/silver/orders
QUARANTINE := $(LAKE)/quarantine/orders
GOLD := $(LAKE)/gold
GOLD_TABLES := monthly_revenue daily_region category_store top_products \
	rfm rfm_segments
DIMENSIONS := $(LANDING)/products.csv $(LANDING)/stores.csv \
	$(LANDING)/customers.csv

all: dashboard
landing: $(LANDING)/orders.ndjson $(DIMENSIONS)
bronze: $(S)/bronze
silver: $(S)/silver
gold: $(GOLD_TABLES:%=$(S)/%)
summary: $(S)/summaries
dashboard: $(DASHBOARD)
.PHONY: all landing bronze silver gold summary dashboard counts clean

# ---- landing: the source system's export ------------------------------

# The parameters of the landing file, kept in $(S)/gen.args, which is
# rewritten (when make reads this file) only when they changed: a changed
# ORDERS, SEED or DIRTY makes every layer again, and nothing else does.
GEN_ARGS := -n $(ORDERS) --seed $(SEED) --dirty $(DIRTY)
$(shell mkdir -p $(S) && { [ "$$(cat $(S)/gen.args 2>/dev/null)" = '$(GEN_ARGS)' ] \
	|| printf '%s\n' '$(GEN_ARGS)' > $(S)/gen.args; })

$(LANDING)/orders.ndjson: $(S)/gen.args
	@echo 'landing: mb-gen $(ORDERS) orders (seed $(SEED), $(DIRTY) dirty)'
	mkdir -p $(LANDING)
	mb-gen $$(cat $<) --stats > $@.tmp 2> $(S)/gen.txt
	mv $@.tmp $@

# The catalogue, the stores and the customers the orders refer to.
$(DIMENSIONS) &:
	@echo 'landing: mb-gen products, stores, customers'
	mkdir -p $(LANDING)
	for t in products stores customers; do \
		mb-gen --table $$t > $(LANDING)/$$t.csv.tmp; \
		mv $(LANDING)/$$t.csv.tmp $(LANDING)/$$t.csv; \
	done

# ---- bronze: every line of the landing file, with its lineage ---------

$(S)/bronze: $(LANDING)/orders.ndjson
	@echo 'bronze: mb-ingest | mb-write $(BRONZE)'
	$(call commit,mb-ingest --quiet --stats $< 2> $(S)/ingest.txt \
		|| { cat $(S)/ingest.txt >&2; false; }, \
		-m overwrite -p ingest_date=_ingested_at:date $(BRONZE))
	sed -n 's/^mb-ingest: /  /p' $(S)/ingest.txt
	touch $@

# ---- silver: valid orders, enriched; the rest in quarantine -----------

# The rules of the demo: the schema, one record per order id, amount =
# quantity x unit price to the cent, no order from the future.  Failing
# records go to the quarantine dataset with every reason in _errors.
VALIDATE = mb-validate --schema $(MB_PIPELINES)/schemas/orders.json \
	--unique order_id \
	--check 'amount_matches: abs(amount - quantity * unit_price) <= 0.01' \
	--not-future order_ts $(if $(NOW),--now $(NOW)) \
	$(if $(MAX_INVALID),--max-invalid $(MAX_INVALID)) \
	--quarantine $(S)/quarantine.ndjson --report $(S)/dq.json --quiet
ENRICH = mb-enrich --date-parts order_ts:order \
	--set 'is_high_value_order = amount > 500' \
	--join $(LANDING)/products.csv --on product_id --fields product_name,brand \
	--join $(LANDING)/stores.csv --on store_id --fields store_name,city

$(S)/silver: $(S)/bronze $(MB_PIPELINES)/schemas/orders.json $(DIMENSIONS)
	@echo 'silver: mb-validate | mb-enrich | mb-write $(SILVER), $(QUARANTINE)'
	rm -f $(S)/quarantine.ndjson
	$(call commit,mb-cat $(BRONZE) | $(VALIDATE) | $(ENRICH), \
		-m overwrite -p order_year$(,)order_month $(SILVER))
	mb-write -q -m overwrite $(QUARANTINE) < $(S)/quarantine.ndjson
	mkdir -p $(LAKE)/reports
	mv $(S)/dq.json $(LAKE)/reports/dq.json
	rm $(S)/quarantine.ndjson
	touch $@

# ---- gold: one dataset per table, recomputed whole --------------------

$(S)/monthly_revenue: $(S)/silver
	@echo 'gold: monthly_revenue'
	$(call commit,mb-cat $(SILVER) | mb-agg --by order_year$(,)order_month \
		--count total_orders --sum total_revenue=amount \
		--rate 'return_rate_pct = status == "returned"' \
		--rate 'cancellation_rate_pct = status == "cancelled"' --pct \
		--sort 'order_year$(,) order_month', \
		-m overwrite $(GOLD)/monthly_revenue)
	touch $@

$(S)/daily_region: $(S)/silver
	@echo 'gold: daily_region'
	$(call commit,mb-cat $(SILVER) | mb-agg --by order_date$(,)region \
		--count orders --sum revenue=amount --avg avg_order_value=amount \
		--round 2 --sort 'order_date$(,) region', \
		-m overwrite $(GOLD)/daily_region)
	touch $@

$(S)/category_store: $(S)/silver
	@echo 'gold: category_store'
	$(call commit,mb-cat $(SILVER) | mb-agg --by category$(,)store_id \
		--sum units=quantity --sum revenue=amount \
		--sort 'category$(,) store_id', \
		-m overwrite $(GOLD)/category_store)
	touch $@

# One pass over silver per product, then the ten first by revenue and by
# units, ties to the lower product id.
TOP = mb-agg --by 'rank_by = "$(1)"'$(,)product_id \
	--first product_name=product_name --sum units=units --sum revenue=revenue \
	--sort '$(1) desc$(,) product_id' --top 10 --rank rank $(S)/products.ndjson
$(S)/top_products: $(S)/silver
	@echo 'gold: top_products'
	mb-cat $(SILVER) | mb-agg --by product_id --first product_name=product_name \
		--sum units=quantity --sum revenue=amount > $(S)/products.ndjson
	$(call commit,$(call TOP,revenue) && $(call TOP,units), \
		-m overwrite $(GOLD)/top_products)
	rm $(S)/products.ndjson
	touch $@

# RFM: one pass over silver keeps each customer's state; the scores and
# the segment summary are merged from it.  Silver holds each order id
# once, so a customer's orders are its records (no --order, whose set of
# distinct ids would cost memory for nothing).
RFM = mb-rfm --customer customer_id --time order_ts --amount amount
$(S)/rfm.state: $(S)/silver
	@echo 'gold: mb-rfm --partial (customers)'
	mb-cat $(SILVER) | $(RFM) --partial > $@.tmp
	mv $@.tmp $@

$(S)/rfm: $(S)/rfm.state
	@echo 'gold: rfm'
	$(call commit,$(RFM) --merge $<,-m overwrite $(GOLD)/rfm)
	touch $@

$(S)/rfm_segments: $(S)/rfm.state
	@echo 'gold: rfm_segments'
	$(call commit,$(RFM) --merge --summary $<,-m overwrite $(GOLD)/rfm_segments)
	touch $@

# ---- the summary and the dashboard ------------------------------------

# One record per run that changed gold, kept as a history; mb-dash shows
# the newest.
$(S)/summaries: $(GOLD_TABLES:%=$(S)/%)
	@echo 'summary: mb-summarize $(SUMMARIZE)'
	$(call commit,mb-summarize $(SUMMARIZE) \
		$(foreach t,$(GOLD_TABLES),-t $(t)=$(GOLD)/$(t)),$(GOLD)/summaries)
	touch $@

DASH_TABLES := monthly_revenue daily_region category_store top_products \
	rfm_segments
$(DASHBOARD): $(S)/summaries $(DASH_TABLES:%=$(S)/%)
	@echo 'dashboard: mb-dash -o $@'
	mb-dash $(foreach t,$(DASH_TABLES),--table $(t)=$(GOLD)/$(t)) \
		--summary $(GOLD)/summaries --dq $(LAKE)/reports/dq.json -o $@

# ---- looking at it ----------------------------------------------------

# Records per layer.
counts:
	@for d in bronze/orders silver/orders quarantine/orders \
	    $(GOLD_TABLES:%=gold/%) gold/summaries; do \
		[ -d $(LAKE)/$$d ] || continue; \
		printf '%-24s %9s\n' $$d "$$(mb-lake stats $(LAKE)/$$d | sed -n 's/^records *//p')"; \
	done

# Removes what this file made, and nothing else.
clean:
	rm -rf $(LANDING) $(LAKE)/bronze $(LAKE)/silver $(LAKE)/quarantine \
		$(GOLD) $(LAKE)/reports $(S) $(DASHBOARD)
	rmdir $(LAKE) 2>/dev/null || true
