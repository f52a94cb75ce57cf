#!/bin/sh
# fuzz/run.sh BINDIR TARGET... - make fuzz's runner: each target's
# libFuzzer binary (BINDIR/libfuzzer-TARGET) for FUZZ_SECONDS (60) on its
# seed and regression corpora, new inputs kept in BINDIR/work/TARGET (not
# in the tree). A crash, leak, timeout or out-of-memory input found is
# copied into fuzz/regress/TARGET/, which make check replays, and said so;
# the exit status is then 1. The log of each run is BINDIR/TARGET.log.
set -u
bin=$1
shift
secs=${FUZZ_SECONDS:-60}
status=0
for t in "$@"; do
	work=$bin/work/$t
	art=$bin/artifacts/$t
	log=$bin/$t.log
	mkdir -p "$work" "$art"
	rm -f "$art"/*
	corpora=fuzz/corpus/$t
	[ -d "fuzz/regress/$t" ] && corpora="$corpora fuzz/regress/$t"
	echo "fuzz: $t: $secs s (log: $log)"
	# shellcheck disable=SC2086
	"$bin/libfuzzer-$t" -max_total_time="$secs" -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art/" \
	    "$work" $corpora >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	echo "fuzz: $t: ${runs:-?} runs, $cov, $(ls "$work" | wc -l) inputs in $work"
	for f in "$art"/*; do
		[ -f "$f" ] || continue
		mkdir -p "fuzz/regress/$t"
		cp "$f" "fuzz/regress/$t/"
		echo "fuzz: $t: FOUND $(basename "$f"): copied into fuzz/regress/$t/ (replay: $bin/libfuzzer-$t fuzz/regress/$t/$(basename "$f"))"
		status=1
	done
	if [ "$rc" -ne 0 ] && [ "$status" -eq 0 ]; then
		echo "fuzz: $t: libFuzzer exited $rc without an input: see $log"
		status=1
	fi
done
exit $status
