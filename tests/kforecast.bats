#!/usr/bin/env bats
# kforecast: the seed's forecast object, rows, levels, clipping, online
# updates and saved updated versions, staleness, and every refusal.

load helpers
bats_require_minimum_version 1.5.0

R600="$FIX/forecast/risk_600.ndjson"
NEXT="$FIX/forecast/risk_next.ndjson"
AFTER=2025-03-26T00:30:00Z   # just after the fixture's last hour

setup() {
	common_setup
}

trained() {
	ktrain forecast -q --holdout 0 --save-version v1 "$@" "$R600" >/dev/null
}

@test "kforecast: without a trained model it exits 78 and says how to train one" {
	run --separate-stderr kforecast
	assert_failure 78
	[ -z "$output" ]
	[[ "$stderr" == *"no trained 'forecast' model"*"train one with 'ktrain forecast'"* ]]
}

@test "kforecast: prints the seed's forecast object for the next 24 hours" {
	trained
	run --separate-stderr kforecast --now "$AFTER"
	assert_success
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 1 ]
	jq -e '.kind == "forecast" and .field == "risk_score" and .model_version == "v1"
	       and .model_order == [2,1,2] and .method == "arima"
	       and .forecast_horizon_hours == 24
	       and (.forecasted_values | length) == 24 and (.timestamps | length) == 24
	       and .timestamps[0] == "2025-03-26T00:00:00Z"
	       and .timestamps[23] == "2025-03-26T23:00:00Z"
	       and .last_observation == "2025-03-25T23:00:00Z"
	       and .confidence_interval.level == 0.95
	       and .confidence_interval.lower == .lower_bound
	       and .confidence_interval.upper == .upper_bound
	       and ([range(24) as $i | .lower_bound[$i] < .forecasted_values[$i]
	             and .forecasted_values[$i] < .upper_bound[$i]] | all)
	       and .max_forecasted_risk == (.forecasted_values | max)
	       and (.avg_forecasted_risk - (.forecasted_values | add / 24) | fabs) < 1e-9
	       and .trend == (if .forecasted_values[23] > .forecasted_values[0]
	                      then "increasing" else "decreasing" end)
	       and .risk_assessment == "LOW" and .clipped_to == [0,100]
	       and .clipped == 0' <<<"$output"
}

@test "kforecast: the forecast and its interval are statsmodels' within 1e-3" {
	# statsmodels 0.13.5: ARIMA(y, order=(2,1,2)).fit().get_forecast(24)
	# on the 600 values: mean 26.94072153 28.18013398 29.11129978, 95%
	# interval of the first step [19.04282148, 34.83862158].
	trained
	kforecast --now "$AFTER" >"$T/f"
	near "$(jq '.forecasted_values[0]' "$T/f")" 26.94072153 0.027
	near "$(jq '.forecasted_values[1]' "$T/f")" 28.18013398 0.028
	near "$(jq '.forecasted_values[2]' "$T/f")" 29.11129978 0.029
	near "$(jq '.lower_bound[0]' "$T/f")" 19.04282148 0.019
	near "$(jq '.upper_bound[0]' "$T/f")" 34.83862158 0.035
}

@test "kforecast: --hours, --steps and --level shape the forecast" {
	trained
	run kforecast --now "$AFTER" --hours 48
	jq -e '(.forecasted_values | length) == 48 and .forecast_horizon_hours == 48' <<<"$output"
	run kforecast --now "$AFTER" --steps 3
	jq -e '(.timestamps | length) == 3' <<<"$output"
	w95=$(kforecast --now "$AFTER" | jq '.upper_bound[5] - .lower_bound[5]')
	w80=$(kforecast --now "$AFTER" --level 0.8 | jq '.upper_bound[5] - .lower_bound[5]')
	# The width scales with the normal quantile: 1.2816 / 1.9600.
	near "$(awk -v a="$w80" -v b="$w95" 'BEGIN { print a / b }')" 0.653868 1e-5
}

@test "kforecast: --format rows prints one row per step with the same numbers" {
	trained
	kforecast --now "$AFTER" >"$T/obj"
	run kforecast --now "$AFTER" --format rows
	assert_success
	[ "${#lines[@]}" -eq 24 ]
	jq -e -s --slurpfile o "$T/obj" '
	    [.[].forecast] == $o[0].forecasted_values and [.[].ts] == $o[0].timestamps
	    and [.[].lower] == $o[0].lower_bound and [.[].step] == [range(1;25)]
	    and all(.[]; .kind == "forecast_step" and .level == 0.95
	            and .model_version == "v1" and .clipped == false)' <<<"$output"
}

@test "kforecast: a bounded series is clipped and says so; --range sets or lifts the bounds" {
	trained
	run kforecast --now "$AFTER" --range 30,31
	assert_success
	jq -e '.clipped_to == [30,31] and .clipped > 0
	       and all(.forecasted_values[], .lower_bound[], .upper_bound[]; . >= 30 and . <= 31)' <<<"$output"
	run kforecast --now "$AFTER" --range none
	jq -e '.clipped_to == null and .clipped == 0' <<<"$output"
	run kforecast --now "$AFTER" --range 30,31 --format rows
	jq -e -s 'any(.[]; .clipped)' <<<"$output"
	# Another series is not clipped unless asked.
	head -n 300 "$R600" | jq -c '.depth = .risk_score * 3 | del(.risk_score)' >"$T/depth"
	ktrain forecast -q --field depth --save-version d1 "$T/depth" >/dev/null
	run kforecast --now 2025-03-13T12:00:00Z
	jq -e '.field == "depth" and .clipped_to == null' <<<"$output"
}

@test "kforecast: --update runs new hours through the filter without changing the store" {
	trained
	before=$(kforecast --now "$AFTER" | jq -c .forecasted_values)
	run --separate-stderr kforecast --update --now 2025-03-26T12:00:00Z "$NEXT"
	assert_success
	jq -e '.last_observation == "2025-03-26T11:00:00Z" and .updated_with == 12
	       and .timestamps[0] == "2025-03-26T12:00:00Z" and .model_version == "v1"' <<<"$output"
	[ "$(cat "$KTOOLS_MODEL_DIR/forecast/latest")" = v1 ]
	[ "$(kforecast --now "$AFTER" | jq -c .forecasted_values)" = "$before" ]
	# Standard input works the same.
	run kforecast --update --now 2025-03-26T12:00:00Z <"$NEXT"
	jq -e '.updated_with == 12' <<<"$output"
}

@test "kforecast: the updated forecast is statsmodels' append(refit=False) within 1e-3" {
	# statsmodels 0.13.5: r = ARIMA(y600, order=(2,1,2)).fit();
	# r.append(y_next12).get_forecast(24): mean 36.73612727 36.52865879
	# 36.42910567, first 95% interval [28.83835074, 44.6339038].
	trained
	kforecast --update --now 2025-03-26T12:00:00Z "$NEXT" >"$T/up"
	near "$(jq '.forecasted_values[0]' "$T/up")" 36.73612727 0.037
	near "$(jq '.forecasted_values[1]' "$T/up")" 36.52865879 0.037
	near "$(jq '.forecasted_values[2]' "$T/up")" 36.42910567 0.037
	near "$(jq '.lower_bound[0]' "$T/up")" 28.83835074 0.029
	near "$(jq '.upper_bound[0]' "$T/up")" 44.6339038 0.045
	# A refit on all 612 hours is another model (new estimates).
	cat "$R600" "$NEXT" >"$T/all"
	KTOOLS_MODEL_DIR="$T/m2" ktrain forecast -q --holdout 0 "$T/all" >/dev/null
	KTOOLS_MODEL_DIR="$T/m2" kforecast --now 2025-03-26T12:00:00Z >"$T/refit"
	jq -e '.last_observation == "2025-03-26T11:00:00Z"' "$T/refit"
	! cmp -s <(jq -c .forecasted_values "$T/up") <(jq -c .forecasted_values "$T/refit")
}

@test "kforecast: --save-version keeps the updated state as a new version" {
	trained
	run --separate-stderr kforecast --update --save-version v2 --now 2025-03-26T12:00:00Z "$NEXT"
	assert_success
	[[ "$stderr" == *"saved the updated model as version v2"* ]]
	[ "$(cat "$KTOOLS_MODEL_DIR/forecast/latest")" = v2 ]
	[ -f "$KTOOLS_MODEL_DIR/forecast/v1.ktm" ]
	updated=$(jq -c .forecasted_values <<<"$output")
	run kforecast --now 2025-03-26T12:00:00Z
	jq -e '.model_version == "v2" and .last_observation == "2025-03-26T11:00:00Z"' <<<"$output"
	[ "$(jq -c .forecasted_values <<<"$output")" = "$updated" ]
	# The old version still forecasts from where it was.
	run kforecast --model-version v1 --now "$AFTER"
	jq -e '.last_observation == "2025-03-25T23:00:00Z"' <<<"$output"
	# Rows already seen are ignored, with a notice.
	run --separate-stderr kforecast --update --now 2025-03-26T12:00:00Z "$NEXT"
	assert_success
	[[ "$stderr" == *"12 rows at or before the model's last hour (2025-03-26T11:00:00Z) ignored"* ]]
	[[ "$stderr" == *"no new observations"* ]]
	jq -e '.updated_with == 0' <<<"$output"
}

@test "kforecast: a gap before the new rows is stepped over as missing hours" {
	trained
	tail -n 3 "$NEXT" >"$T/late"
	run kforecast --update --now 2025-03-26T12:00:00Z "$T/late"
	assert_success
	jq -e '.last_observation == "2025-03-26T11:00:00Z" and .updated_with == 3' <<<"$output"
	# Hours stepped over between the model's last and the new rows are the
	# same missing hours as those inside one update: hour 00 saved, then
	# 09-11, forecasts as 00 and 09-11 at once (the grid's own gap), and
	# not as 00 followed by 09-11 in the next three hours.
	head -n 1 "$NEXT" >"$T/first"
	{ head -n 1 "$NEXT"; cat "$T/late"; } >"$T/holes"
	kforecast -q --update --save-version v2 --now "$AFTER" "$T/first" >/dev/null
	now=2025-03-26T12:00:00Z
	kforecast --update --model-version v2 --now $now "$T/late" >"$T/stepped"
	kforecast --update --model-version v1 --now $now "$T/holes" >"$T/inside"
	jq -e '.updated_with == 3 and .last_observation == "2025-03-26T11:00:00Z"' "$T/stepped"
	jq -e '.updated_with == 4 and .last_observation == "2025-03-26T11:00:00Z"' "$T/inside"
	jq -e -n --slurpfile a "$T/stepped" --slurpfile b "$T/inside" '
	    def close($k): [range(24) as $i | ($a[0][$k][$i] - $b[0][$k][$i]) | fabs < 1e-9] | all;
	    close("forecasted_values") and close("lower_bound") and close("upper_bound")'
}

@test "kforecast: bad update lines are reported and the forecast still printed; --strict stops" {
	trained
	{ head -n 3 "$NEXT"; echo '{"kind":"features","ts":"2025-03-26T03:00:00Z","risk_score":"n/a"}'
	  echo 'oops'; sed -n 4,12p "$NEXT"; } >"$T/bad"
	run --separate-stderr kforecast --update --now 2025-03-26T12:00:00Z "$T/bad"
	assert_failure 65
	[[ "$stderr" == *"$T/bad:4: field 'risk_score': expected number, got string \"n/a\""* ]]
	[[ "$stderr" == *"$T/bad:5: invalid JSON"* ]]
	jq -e '.updated_with == 12' <<<"$output"
	run --separate-stderr kforecast --update --strict --now 2025-03-26T12:00:00Z "$T/bad"
	assert_failure 65
	[ -z "$output" ]
}

@test "kforecast: an update row far from the model's last hour is rejected by line, and the rest applied" {
	trained
	{ head -n 3 "$NEXT"; echo '{"kind":"features","ts":"3000-01-01T00:00:00Z","risk_score":3}'
	  echo '{"kind":"features","ts":"1970-01-21T00:00:00Z","risk_score":3}'; sed -n 4,12p "$NEXT"; } >"$T/far"
	run --separate-stderr kforecast --update --now 2025-03-26T12:00:00Z "$T/far"
	assert_failure 65
	[[ "$stderr" == *"$T/far:4: ts 3000-01-01T00:00:00Z is "*" hours from the rest of the series"* ]]
	[[ "$stderr" == *"$T/far:5: ts 1970-01-21T00:00:00Z is "* ]]
	jq -e '.updated_with == 12 and .last_observation == "2025-03-26T11:00:00Z"' <<<"$output"
}

@test "kforecast: a stale model warns on stderr and still forecasts" {
	trained
	run --separate-stderr kforecast --now 2025-03-28T23:00:00Z
	assert_success
	[[ "$stderr" == *"warning: the model's last observation is 2025-03-25T23:00:00Z, 72.0 hours ago"*"--update"* ]]
	[ "${#lines[@]}" -eq 1 ]
	run --separate-stderr kforecast --now 2025-03-28T23:00:00Z --stale-after 100
	[ -z "$stderr" ]
	run --separate-stderr kforecast -q --now 2025-03-28T23:00:00Z
	assert_success
	[ -z "$stderr" ]
	# Updated with rows that are themselves old, it says so, rather than
	# suggesting the --update just given.
	run --separate-stderr kforecast --update --now 2025-03-28T23:00:00Z "$NEXT"
	assert_success
	[[ "$stderr" == *"2025-03-26T11:00:00Z, 60.0 hours ago"*"the rows given to --update end there too"* ]]
}

@test "kforecast: usage errors exit 64 with a clean stdout" {
	trained
	for o in "--hours 0" "--hours x" "--steps 100001" "--level 1" "--level 0" \
	         "--level x" "--range 5,1" "--range 1" "--range a,b" "--format csv" \
	         "--stale-after -1" "--now yesterday" "--save-version v9" \
	         "--model-version ../x" "$R600"; do
		run --separate-stderr kforecast $o
		[ "$status" -eq 64 ] || { echo "$o: $status"; false; }
		[ -z "$output" ]
	done
	run kforecast --save-version v9
	assert_output --partial "--save-version needs --update"
}

@test "kforecast: a missing version exits 66; a missing input file exits 66" {
	trained
	run --separate-stderr kforecast --model-version v7
	assert_failure 66
	[ -z "$output" ]
	run --separate-stderr kforecast --update "$T/absent.ndjson"
	assert_failure 66
	[[ "$stderr" == *"$T/absent.ndjson: No such file or directory"* ]]
}

@test "kforecast: a corrupt or wrong-kind model file exits 65 naming the file" {
	trained
	m="$KTOOLS_MODEL_DIR/forecast/v1.ktm"
	size=$(stat -c %s "$m")
	head -c $((size - 9)) "$m" >"$T/t" && cp "$T/t" "$m"
	run --separate-stderr kforecast
	assert_failure 65
	[ -z "$output" ]
	[[ "$stderr" == *"$m"* ]]
	train_fixture --save-version a1
	cp "$KTOOLS_MODEL_DIR/anomaly/a1.ktm" "$m"
	run --separate-stderr kforecast
	assert_failure 65
	[[ "$stderr" == *"a model of kind 'anomaly'"* ]]
}

@test "kforecast: a closed pipe ends it quietly; a full disk is an I/O error" {
	trained
	run --separate-stderr bash -c 'kforecast --now "$1" --hours 5000 --format rows | head -n 1' _ "$AFTER"
	assert_success
	[ -z "$stderr" ]
	[ -w /dev/full ] || skip "no /dev/full"
	run --separate-stderr bash -c 'kforecast --now "$1" >/dev/full' _ "$AFTER"
	assert_failure 74
}
