#!/usr/bin/env bats
# ktrain forecast: the report and summary, the hourly grid rule, orders,
# --auto, --days, --holdout, the minimum of 30 points, degenerate series,
# bad lines and usage errors.

load helpers
bats_require_minimum_version 1.5.0

R600="$FIX/forecast/risk_600.ndjson"
MESSY="$FIX/forecast/risk_messy.ndjson"

@test "ktrain forecast: trains on 600 hourly risk scores and reports like the seed" {
	run --separate-stderr ktrain forecast "$R600"
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	jq -e '.kind == "train_report" and .model == "forecast" and .field == "risk_score"
	       and .model_order == [2,1,2] and .constant == false and .auto == false
	       and .samples_trained == 600 and .points == 600 and .missing == 0
	       and .holdout == 24 and .samples_compared == 24
	       and .mae > 0 and .rmse >= .mae and .mape_pct > 0
	       and .accuracy_pct == 100 - .mape_pct
	       and .aic < .aicc and .bic > .aic and .converged
	       and (.estimates | keys) == ["ar.L1","ar.L2","ma.L1","ma.L2","sigma2"]
	       and .estimates.sigma2.coef > 0 and .estimates["ar.L1"].std_err > 0
	       and .ts_first == "2025-03-01T00:00:00Z" and .ts_last == "2025-03-25T23:00:00Z"
	       and .forecast_24h.risk_assessment == "LOW"' <<<"$output"
	[[ "$stderr" == *"TRAINING RISK PREDICTOR"* ]]
	[[ "$stderr" == *"Samples trained: 600"* ]]
	[[ "$stderr" == *"Model: ARIMA(2,1,2)"* ]]
	[[ "$stderr" =~ MAE:\ [0-9]+\.[0-9]{2} ]]
	[[ "$stderr" =~ MAPE:\ [0-9]+\.[0-9]%  ]]
	[[ "$stderr" == *"24-hour forecast: LOW risk"* ]]
	[[ "$stderr" =~ Average\ forecasted\ risk:\ [0-9]+\.[0-9] ]]
	[ "$(cat "$KTOOLS_MODEL_DIR/forecast/latest")" = "$(jq -r .version <<<"$output")" ]
	[ -f "$(jq -r .path <<<"$output")" ]
}

@test "ktrain forecast: the estimates are statsmodels' (ARIMA(2,1,2) fit, within 1e-3)" {
	# statsmodels 0.13.5, ARIMA(y, order=(2,1,2)).fit() on the 600 values:
	# ar.L1 0.3676847 ar.L2 0.4319465 ma.L1 -0.5846773 ma.L2 -0.4152790
	# sigma2 16.2118419, llf -1686.1537942.
	ktrain forecast -q --holdout 0 "$R600" >"$T/r"
	near "$(jq .estimates[\"ar.L1\"].coef "$T/r")" 0.3676847 1e-3
	near "$(jq .estimates[\"ar.L2\"].coef "$T/r")" 0.4319465 1e-3
	near "$(jq .estimates[\"ma.L1\"].coef "$T/r")" -0.5846773 1e-3
	near "$(jq .estimates[\"ma.L2\"].coef "$T/r")" -0.4152790 1e-3
	near "$(jq .estimates.sigma2.coef "$T/r")" 16.2118419 0.02
	# Never below statsmodels' likelihood at its own optimum.
	awk -v l="$(jq .loglike "$T/r")" 'BEGIN { exit !(l >= -1686.1537942 - 1e-6) }'
}

@test "ktrain forecast: a series a millionth the size gives the same model, scaled, standard errors and all" {
	# A funding rate is of this size, its sigma2 near 1e-11: once the fit
	# stopped at its start there (the diffuse variance 1e6 swamped the
	# filter) and the standard errors were null. ARIMA(2,1,0): these 600
	# values are over-differenced for MA terms, whose errors are then
	# ill-determined at any scale.
	jq -c '.risk_score *= 1e-6' "$R600" >"$T/small"
	ktrain forecast -q --order 2,1,0 "$R600" >"$T/a"
	run --separate-stderr ktrain forecast --order 2,1,0 "$T/small"
	assert_success
	printf '%s\n' "$output" >"$T/b"
	rel() {	# quantity, scale of b against a, relative tolerance
		awk -v a="$(jq "$1" "$T/a")" -v b="$(jq "$1" "$T/b")" -v s="$2" -v t="$3" \
		    'BEGIN { if (b == "null" || a == "null") exit 1
		             d = b / s - a; if (d < 0) d = -d
		             if (a < 0) a = -a; exit !(d <= t * a) }'
	}
	for c in ar.L1 ar.L2; do
		rel ".estimates[\"$c\"].coef" 1 1e-5
		rel ".estimates[\"$c\"].std_err" 1 1e-4
	done
	rel .estimates.sigma2.coef 1e-12 1e-5
	rel .estimates.sigma2.std_err 1e-12 1e-4
	rel .mae 1e-6 1e-5
	rel .rmse 1e-6 1e-5
	rel .forecast_24h.avg_forecasted_risk 1e-6 1e-5
	# n log 1e6 apart, over the 599 terms after the first difference.
	awk -v a="$(jq .loglike "$T/a")" -v b="$(jq .loglike "$T/b")" \
	    'BEGIN { d = b - a - 599 * log(1e6); exit !(d < 1e-3 && d > -1e-3) }'
	# The summary shows them, not 0.00.
	[[ "$stderr" =~ MAE:\ [1-9]\.[0-9]*e-05 ]]
	[[ "$stderr" =~ Average\ forecasted\ risk:\ [1-9]\.[0-9]*e-05 ]]
}

@test "ktrain forecast: the report is the only thing on stdout, and -q silences stderr" {
	run --separate-stderr ktrain forecast -q "$R600"
	assert_success
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 1 ]
}

@test "ktrain forecast: the same rows give the same model bytes" {
	export SOURCE_DATE_EPOCH=1742048400
	KTOOLS_MODEL_DIR="$T/a" ktrain forecast -q --save-version x "$R600" >/dev/null
	KTOOLS_MODEL_DIR="$T/b" ktrain forecast -q --save-version x <"$R600" >/dev/null
	cmp "$T/a/forecast/x.ktm" "$T/b/forecast/x.ktm"
}

@test "ktrain forecast: --order and --constant fit the model asked for" {
	run ktrain forecast -q --order 1,0,0 --constant --holdout 0 "$R600"
	assert_success
	jq -e '.model_order == [1,0,0] and .constant
	       and (.estimates | keys) == ["ar.L1","const","sigma2"]
	       and (.estimates.const.coef > 30 and .estimates.const.coef < 40)
	       and (.estimates["ar.L1"].coef > 0.75 and .estimates["ar.L1"].coef < 0.95)' <<<"$output"
	run ktrain forecast -q --order 0,1,1 --constant --holdout 0 "$R600"
	assert_success
	jq -e '(.estimates | keys) == ["drift","ma.L1","sigma2"]' <<<"$output"
	run ktrain forecast -q --order 0,2,1 --constant --holdout 0 "$R600"
	assert_success
	jq -e '(.estimates | keys) == ["ma.L1","sigma2","trend.2"]' <<<"$output"
}

@test "ktrain forecast: --auto chooses d by KPSS and the order by AICc" {
	run --separate-stderr ktrain forecast --auto "$R600"
	assert_success
	# An AR(1) around 35: stationary, so no difference, and a mean.
	jq -e '.auto and .model_order[1] == 0 and .constant and .models_tried >= 6
	       and .models_tried <= 94' <<<"$output"
	[[ "$stderr" == *"(chosen by --auto)"* ]]
}

@test "ktrain forecast: bad orders and conflicting options are usage errors" {
	for o in "--order 2,1" "--order 2,3,2" "--order a,b,c" "--order 13,0,0" \
	         "--order -1,0,0" "--order 2,1,2,0" "--order 1,,1" "--holdout -1" \
	         "--holdout x" "--days 0" "--field="; do
		run --separate-stderr ktrain forecast $o "$R600"
		assert_failure 64
		[ -z "$output" ]
	done
	run ktrain forecast --auto --order 1,1,1 "$R600"
	assert_failure 64
	assert_output --partial "--auto and --order"
	run ktrain forecast --auto --constant "$R600"
	assert_failure 64
	[ ! -d "$KTOOLS_MODEL_DIR" ]
}

@test "ktrain forecast: the hourly grid takes an hour's latest value and steps over empty hours" {
	run ktrain forecast -q --holdout 0 "$MESSY"
	assert_success
	# 200 hours, 6 without a row and 5 with only a null: 11 missing; 7 hours
	# had an earlier row that the later one replaced.
	jq -e '.points == 200 and .missing == 11 and .samples_trained == 189
	       and .rows_merged == 7 and .rows_read == 201' <<<"$output"
	# The same series written cleanly, one row per hour on the hour, gives
	# the same model.
	head -n 200 "$R600" | jq -c '
	    (((.ts | fromdateiso8601) - 1740787200) / 3600) as $i
	    | if ($i % 37) == 5 then empty
	      elif ($i % 41) == 7 then .risk_score = null else . end' >"$T/clean"
	run ktrain forecast -q --holdout 0 "$T/clean"
	assert_success
	jq -e '.points == 200 and .missing == 11' <<<"$output"
	a=$(ktrain forecast -q --holdout 0 "$MESSY" | jq -c '[.estimates[].coef]')
	b=$(ktrain forecast -q --holdout 0 "$T/clean" | jq -c '[.estimates[].coef]')
	[ "$a" = "$b" ]
}

@test "ktrain forecast: --days keeps the rows within N days of the newest" {
	run ktrain forecast -q --days 10 "$R600"
	assert_success
	jq -e '.samples_trained == 241 and .ts_first == "2025-03-15T23:00:00Z"' <<<"$output"
}

@test "ktrain forecast: fewer than 30 observed hours exits 65 and saves nothing" {
	head -n 29 "$R600" >"$T/29"
	run ktrain forecast --holdout 0 "$T/29"
	assert_failure 65
	assert_output --partial "need at least 30 observed hourly values of 'risk_score' to train a forecast model, got 29"
	[ ! -e "$KTOOLS_MODEL_DIR/forecast/latest" ]
	head -n 30 "$R600" >"$T/30"
	run ktrain forecast -q --holdout 0 "$T/30"
	assert_success
	# With the default holdout, 30 must come before the 24 held out.
	head -n 40 "$R600" >"$T/40"
	run ktrain forecast -q "$T/40"
	assert_failure 65
	assert_output --partial "need at least 30 observed hourly values before the 24 held out, got 16"
	run ktrain forecast -q --holdout 1000 "$R600"
	assert_failure 65
	assert_output --partial "the series has only 600 hourly points"
}

@test "ktrain forecast: a constant series and a straight line are refused with the reason" {
	head -n 100 "$R600" | jq -c '.risk_score = 2.385' >"$T/const"
	run ktrain forecast -q "$T/const"
	assert_failure 65
	assert_output --partial "the series is constant (every observed value is 2.385)"
	head -n 100 "$R600" | jq -c '.risk_score = (.ts | fromdateiso8601 / 3600 - 484000)' >"$T/line"
	run ktrain forecast -q "$T/line"
	assert_failure 65
	assert_output --partial "the differenced series (d=1) is constant"
	[ ! -e "$KTOOLS_MODEL_DIR/forecast/latest" ]
}

@test "ktrain forecast: bad lines are reported with line and reason, and the rest trains" {
	{ head -n 100 "$R600"
	  echo '{"kind":"features","ts":"2025-03-05T04:00:00Z","risk_score":"high"}'
	  echo '{"kind":"features","risk_score":3}'
	  echo '{"kind":"features","ts":"yesterday","risk_score":3}'
	  echo '{"kind":"features","ts":"2025-03-05T06:00:00Z"}'
	  echo 'not json'
	  sed -n 101,200p "$R600"; } >"$T/mixed"
	run ktrain forecast -q --rejects "$T/rej" "$T/mixed"
	assert_failure 65
	assert_output --partial "$T/mixed:101: field 'risk_score': expected number, got string \"high\""
	assert_output --partial "$T/mixed:102: field 'ts': missing"
	assert_output --partial "$T/mixed:103: field 'ts': expected an RFC 3339 time"
	assert_output --partial "$T/mixed:104: field 'risk_score': missing"
	assert_output --partial "$T/mixed:105: invalid JSON"
	[ "$(wc -l <"$T/rej")" -eq 5 ]
	[ -f "$KTOOLS_MODEL_DIR/forecast/latest" ]
	run ktrain forecast -q --strict "$T/mixed"
	assert_failure 65
	assert_output --partial "stopping at the first rejected line"
}

@test "ktrain forecast: a far-off time is a rejected line, first, inside or last, and the rest trains as without it" {
	far() { printf '{"kind":"features","ts":"%s-01-01T00:00:00Z","risk_score":3}\n' "$1"; }
	{ far 3000; head -n 300 "$R600"; far 0000; sed -n 301,600p "$R600"; far 9999; } >"$T/far"
	ktrain forecast -q --save-version clean "$R600" | jq -c '{samples_trained, points, ts_first, ts_last, mae, estimates}' >"$T/want"
	run --separate-stderr ktrain forecast -q --save-version far --rejects "$T/rej" "$T/far"
	assert_failure 65
	[[ "$stderr" == *"$T/far:1: ts 3000-01-01T00:00:00Z is "*" hours from the rest of the series (the bound is 8760 hours)"* ]]
	[[ "$stderr" == *"$T/far:302: ts 0000-01-01T00:00:00Z is "* ]]
	[[ "$stderr" == *"$T/far:603: ts 9999-01-01T00:00:00Z is "* ]]
	jq -c '{samples_trained, points, ts_first, ts_last, mae, estimates}' <<<"$output" | cmp - "$T/want"
	sed -n '1p;302p;603p' "$T/far" | cmp - "$T/rej"
	# A gap shorter than the bound (here 60 days) is stepped over, not cut.
	{ head -n 300 "$R600"; sed -n 301,600p "$R600" | jq -c '.ts |= (fromdateiso8601 + 60*86400 | todate)'; } >"$T/gap"
	run --separate-stderr ktrain forecast -q "$T/gap"
	assert_success
	jq -e '.samples_trained == 600 and .missing == 1440' <<<"$output"
}

@test "ktrain forecast: --field reads another series, at the top level or in features" {
	head -n 300 "$R600" | jq -c '.features.depth = (.risk_score * 2 + 1) | del(.risk_score)' >"$T/depth"
	run ktrain forecast -q --field depth --order 1,0,0 --constant "$T/depth"
	assert_success
	jq -e '.field == "depth" and .estimates.const.coef > 60' <<<"$output"
	run ktrain forecast -q "$T/depth"
	assert_failure 65
	assert_output --partial "field 'risk_score': missing (neither a top-level field nor in 'features')"
}

@test "ktrain forecast: a missing input file exits 66" {
	run --separate-stderr ktrain forecast "$T/absent.ndjson"
	assert_failure 66
	[[ "$stderr" == *"$T/absent.ndjson: No such file or directory"* ]]
	[ -z "$output" ]
}

@test "ktrain forecast: an existing version exits 73 and keeps the old file" {
	ktrain forecast -q --save-version v1 "$R600" >/dev/null
	sum=$(cksum <"$KTOOLS_MODEL_DIR/forecast/v1.ktm")
	run ktrain forecast -q --save-version v1 --order 1,0,0 "$R600"
	assert_failure 73
	[ "$(cksum <"$KTOOLS_MODEL_DIR/forecast/v1.ktm")" = "$sum" ]
}
