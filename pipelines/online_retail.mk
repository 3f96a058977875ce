# pipelines/online_retail.mk: the medallion on real data, the UCI Online
# Retail transactions (pipelines/data/uci-online-retail/, CC BY 4.0), one
# CSV file per trading day, as make targets.
#
#   make -f pipelines/online_retail.mk                    into ./online-retail-lake
#   make -f pipelines/online_retail.mk -j2 LAKE=/srv/or LANDING=/srv/landing
#
# landing  the daily files, $(LANDING)/*.csv.zst (or .csv); a new day is a
#          new file
# bronze   every line, with lineage, partitioned by invoice month; read
#          incrementally: a rerun reads only the files that are new since
#          the last one (mb-ingest --checkpoint)
# silver   every real business event, typed and flagged: cancellations
#          (is_cancellation), lines without a customer (has_customer),
#          postage, fees and other codes that are not products
#          (is_product); what is wrong goes to the quarantine dataset with
#          its reason: a sale at a price of zero or less, a stock write-off,
#          a bad-debt adjustment, an exact duplicate line.  Only the months
#          that new bronze lines fall in are recomputed (--replace-partitions)
# gold     monthly net revenue by country, the monthly cancellation rate,
#          the top products by net revenue and by net units, RFM scores and
#          segments of the customers with an id; then the summary and the
#          dashboard
#
# A failed run resumes: datasets commit atomically, and a checkpoint is
# moved only after the commit of what it covers, so the next run reads
# again what was not committed, and recomputes the months it touches.

LAKE ?= online-retail-lake
LANDING ?= $(MB_PIPELINES)/data/uci-online-retail
DASHBOARD ?= $(LAKE)/dashboard.html
SUMMARIZE ?= --offline
# A data-quality gate: when more than this share of the lines read is
# quarantined (0.05: 5%), silver is not committed and the run fails
# (mb-validate --max-invalid, status 3).  Empty: no gate.
MAX_INVALID ?=

include $(dir $(lastword $(MAKEFILE_LIST)))mb.mk
.DEFAULT_GOAL := all

S := $(LAKE)/_state
BRONZE := $(LAKE)/bronze/online_retail
SILVER := $(LAKE)/silver/online_retail
QUARANTINE := $(LAKE)/quarantine/online_retail
GOLD := $(LAKE)/gold
GOLD_TABLES := monthly_net_revenue_by_country cancellation_rate top_products \
	rfm rfm_segments
DAYS = $(sort $(wildcard $(LANDING)/*.csv.zst $(LANDING)/*.csv))

all: dashboard
bronze: $(S)/bronze
silver: $(S)/silver
gold: $(GOLD_TABLES:%=$(S)/%)
summary: $(S)/summaries
dashboard: $(DASHBOARD)
.PHONY: all bronze silver gold summary dashboard counts clean

# ---- bronze -----------------------------------------------------------

# Each column has one type, whatever a file's values look like: ids are
# strings (InvoiceNo C536379, StockCode 85123A), CustomerID 17850.0 is
# the integer 17850 (a string in silver).
TYPES = InvoiceNo=string,StockCode=string,Description=string,Quantity=integer,InvoiceDate=string,UnitPrice=number,CustomerID=integer,Country=string

# mb-ingest writes the new checkpoint once its output is flushed, and
# mb-write commits after that; the checkpoint replaces the old one only
# after the commit.  A run that died between the two left a commit newer
# than its new checkpoint, which is then kept.
$(S)/bronze: $(DAYS) $(LANDING)
	@echo 'bronze: mb-ingest --checkpoint $(LANDING) | mb-write $(BRONZE)'
	$(if $(DAYS),,$(error $(LANDING): no .csv or .csv.zst file to read))
	mkdir -p $(S)
	if [ -f $(S)/ingest.ckpt.new ] && [ $(BRONZE)/_mb_log -nt $(S)/ingest.ckpt.new ]; then \
		mv $(S)/ingest.ckpt.new $(S)/ingest.ckpt; fi
	rm -f $(S)/ingest.ckpt.new
	[ ! -f $(S)/ingest.ckpt ] || cp $(S)/ingest.ckpt $(S)/ingest.ckpt.new
	$(call commit,mb-ingest --quiet --stats --types $(TYPES) \
		--checkpoint $(S)/ingest.ckpt.new $(DAYS) 2> $(S)/ingest.txt \
		|| { cat $(S)/ingest.txt >&2; false; }, \
		-p invoice_month=InvoiceDate:month $(BRONZE))
	mv $(S)/ingest.ckpt.new $(S)/ingest.ckpt
	sed -n 's/^mb-ingest: /  /p' $(S)/ingest.txt
	touch $@

# ---- silver -----------------------------------------------------------

# Typed, trimmed, snake-case columns, the amount (exact: 6 x 2.55 =
# 15.30) and the flags.
ENRICH = mb-enrich --quiet \
	--set 'invoice_no = InvoiceNo' --set 'stock_code = StockCode' \
	--set 'description = trim(Description)' --set 'quantity = Quantity' \
	--set 'invoice_date = InvoiceDate' --set 'unit_price = UnitPrice' \
	--set 'customer_id = string(CustomerID)' --set 'country = Country' \
	--set 'amount = Quantity * UnitPrice' \
	--set 'is_cancellation = starts_with(InvoiceNo, "C")' \
	--set 'has_customer = not is_null(CustomerID)' \
	--set 'is_product = matches(StockCode, "^[0-9]{5}[A-Za-z]*$$")' \
	--set 'year = year(InvoiceDate)' --set 'month = month(InvoiceDate)' \
	--drop InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country

# What is wrong, each rule named in the quarantine's _errors: a sale (not
# a cancellation, a positive quantity) at a price of zero or less; a
# negative quantity that is not a cancellation (stock written off); an
# "A" invoice (bad debt adjusted); a line that is byte for byte one
# before it (the same _hash, xxh3 of the line).
VALIDATE = mb-validate --schema $(MB_PIPELINES)/schemas/online_retail.json \
	--check 'positive_price: is_cancellation or quantity < 0 or starts_with(invoice_no, "A") or unit_price > 0' \
	--check 'not_write_off: is_cancellation or quantity > 0' \
	--check 'not_bad_debt: not starts_with(invoice_no, "A")' \
	--unique _hash $(if $(MAX_INVALID),--max-invalid $(MAX_INVALID)) \
	--quarantine $(S)/quarantine.ndjson --report $(S)/dq.json --quiet

# The months of the bronze lines committed since the last run (read with
# mb-cat --checkpoint) are recomputed from all their bronze lines, and
# replace those months in silver and in the quarantine; a line that has no
# month (not a time, not parsed) is in the month "null".
$(S)/silver: $(S)/bronze $(MB_PIPELINES)/schemas/online_retail.json
	@echo 'silver: mb-enrich | mb-validate | mb-write $(SILVER), $(QUARANTINE) (new months)'
	rm -f $(S)/silver.ckpt.new $(S)/quarantine.ndjson
	[ ! -f $(S)/silver.ckpt ] || cp $(S)/silver.ckpt $(S)/silver.ckpt.new
	mb-cat -c $(S)/silver.ckpt.new $(BRONZE) \
		| mb-agg --quiet --by 'm = coalesce(substr(date(InvoiceDate), 1, 7), "null")' --count \
		| mb-table --csv --fields m | tail -n +2 > $(S)/months
	if [ -s $(S)/months ]; then \
		echo "  months: $$(tr '\n' ' ' < $(S)/months)"; \
		where=$$(awk '$$0 == "null" { n = " or is_null(invoice_month)"; next } \
		    { l = l (l ? ", " : "") "\"" $$0 "\"" } \
		    END { print "invoice_month in (" (l ? l : "\"\"") ")" n }' $(S)/months); \
		$(call commit,mb-cat --where "$$where" $(BRONZE) | $(ENRICH) | $(VALIDATE), \
			--replace-partitions -p year$(,)month $(SILVER)); \
		mb-write -q --replace-partitions -p year,month $(QUARANTINE) < $(S)/quarantine.ndjson; \
		mkdir -p $(LAKE)/reports; \
		mv $(S)/dq.json $(LAKE)/reports/dq.json; \
		rm $(S)/quarantine.ndjson; \
		mv $(S)/silver.ckpt.new $(S)/silver.ckpt; \
		touch $@; \
	else \
		mv $(S)/silver.ckpt.new $(S)/silver.ckpt; \
	fi

# ---- gold -------------------------------------------------------------

# Sales less cancellations (a cancellation's amount is negative), exact
# decimal sums (with three decimals: four lines of the year cost 0.001).
$(S)/monthly_net_revenue_by_country: $(S)/silver
	@echo 'gold: monthly_net_revenue_by_country'
	$(call commit,mb-cat $(SILVER) | mb-agg --by year$(,)month$(,)country \
		--sum-if 'sales = not is_cancellation : amount' \
		--sum-if 'cancellations = is_cancellation : -amount' \
		--sum net_revenue=amount --sort 'year$(,) month$(,) country', \
		-m overwrite $(GOLD)/monthly_net_revenue_by_country)
	touch $@

# Invoices, not lines: one record per invoice, then per month.
$(S)/cancellation_rate: $(S)/silver
	@echo 'gold: cancellation_rate'
	$(call commit,mb-cat $(SILVER) \
		| mb-agg --by year$(,)month$(,)invoice_no$(,)'cancelled = is_cancellation' --count lines \
		| mb-agg --by year$(,)month --count invoices \
		    --sum-if 'cancelled_invoices = cancelled : 1' \
		    --rate 'cancellation_rate_pct = cancelled' --pct --sort 'year$(,) month', \
		-m overwrite $(GOLD)/cancellation_rate)
	touch $@

# Products only, net of cancellations: the 80,995 PAPER CRAFT, LITTLE
# BIRDIE of invoice 581483, cancelled by C581484, sold nothing.
TOP = mb-agg --by 'rank_by = "$(1)"'$(,)product_id \
	--first product_name=product_name --sum units=units --sum revenue=revenue \
	--sort '$(1) desc$(,) product_id' --top 10 --rank rank $(S)/products.ndjson
$(S)/top_products: $(S)/silver
	@echo 'gold: top_products'
	mb-cat --where is_product $(SILVER) | mb-agg --by 'product_id = stock_code' \
		--last product_name=description --sum units=quantity --sum revenue=amount \
		> $(S)/products.ndjson
	$(call commit,$(call TOP,revenue) && $(call TOP,units), \
		-m overwrite $(GOLD)/top_products)
	rm $(S)/products.ndjson
	touch $@

# Net amounts: a customer's refunds make the monetary value smaller.
RFM = mb-rfm --customer customer_id --time invoice_date --amount amount --order invoice_no
$(S)/rfm.state: $(S)/silver
	@echo 'gold: mb-rfm --partial (customers with an id)'
	mb-cat --where has_customer $(SILVER) | $(RFM) --partial > $@.tmp
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

$(S)/summaries: $(GOLD_TABLES:%=$(S)/%)
	@echo 'summary: mb-summarize $(SUMMARIZE)'
	$(call commit,mb-summarize $(SUMMARIZE) \
		$(foreach t,$(GOLD_TABLES),-t $(t)=$(GOLD)/$(t)),$(GOLD)/summaries)
	touch $@

DASH_TABLES := monthly_net_revenue_by_country cancellation_rate top_products \
	rfm_segments
$(DASHBOARD): $(S)/summaries $(DASH_TABLES:%=$(S)/%)
	@echo 'dashboard: mb-dash -o $@'
	mb-dash --title 'Online Retail' $(foreach t,$(DASH_TABLES),--table $(t)=$(GOLD)/$(t)) \
		--summary $(GOLD)/summaries --dq $(LAKE)/reports/dq.json -o $@

# ---- looking at it ----------------------------------------------------

counts:
	@for d in bronze/online_retail silver/online_retail quarantine/online_retail \
	    $(GOLD_TABLES:%=gold/%) gold/summaries; do \
		[ -d $(LAKE)/$$d ] || continue; \
		printf '%-40s %9s\n' $$d "$$(mb-lake stats $(LAKE)/$$d | sed -n 's/^records *//p')"; \
	done

# Removes what this file made, and nothing else (not the landing zone).
clean:
	rm -rf $(LAKE)/bronze $(LAKE)/silver $(LAKE)/quarantine $(GOLD) \
		$(LAKE)/reports $(S) $(DASHBOARD)
	rmdir $(LAKE) 2>/dev/null || true
