#!/usr/bin/env bats
# Every program, and every subcommand of the programs that have them:
# --help, --usage and --version answer on stdout with status 0; a bad
# option is a usage error (64) that leaves stdout empty; every long option
# in --help is in the man page and offered by the completion.

load helpers
bats_require_minimum_version 1.5.0

programs() {
	local p
	for p in "$KTOOLS_BIN"/k*; do [ -x "$p" ] && basename "$p"; done
}

# "prog" or "prog sub" for each command line that has its own options.
commands() {
	local p s
	for p in $(programs); do
		subs=$("$p" --help | awk '/^Run / { exit } /^  [a-z][a-z0-9-]+  / { print $1 }')
		if [ -n "$subs" ]; then
			for s in $subs; do echo "$p $s"; done
		else
			echo "$p"
		fi
	done
}

@test "cli: every program in cmd/ is built" {
	n=0
	for src in "$BATS_TEST_DIRNAME"/../cmd/k*.c; do
		grep -q '^main(' "$src" || continue
		p=$(basename "$src" .c)
		[ -x "$KTOOLS_BIN/$p" ] || { echo "cmd/$p.c has no $KTOOLS_BIN/$p"; false; }
		n=$((n + 1))
	done
	[ "$n" -eq "$(programs | wc -l)" ]
}

@test "cli: every program answers --help, --usage and --version" {
	for p in $(programs); do
		run --separate-stderr "$p" --help
		assert_success
		[[ "$output" == *"Usage: $p"* ]] || { echo "$p --help: $output"; false; }
		run --separate-stderr "$p" --usage
		assert_success
		[[ "$output" == *"$p"* ]]
		run --separate-stderr "$p" --version
		assert_success
		[[ "${lines[0]}" =~ ^$p\ \(ktools\)\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "$p: ${lines[0]}"; false; }
		[[ "$output" == *"jansson"* ]]
	done
}

@test "cli: every command answers --help and refuses an unknown option with 64 and a clean stdout" {
	while read -r cmd; do
		run --separate-stderr $cmd --help
		assert_success
		[ -n "$output" ]
		run --separate-stderr $cmd --no-such-option
		[ "$status" -eq 64 ] || { echo "$cmd: status $status"; false; }
		[ -z "$output" ] || { echo "$cmd wrote to stdout: $output"; false; }
		[[ "$stderr" == *"--no-such-option"* ]]
	done < <(commands)
}

@test "cli: every program has a man page that lints clean" {
	for p in $(programs); do
		[ -f "$BATS_TEST_DIRNAME/../man/$p.1" ] || { echo "no man/$p.1"; false; }
		groff -mdoc -ww -z "$BATS_TEST_DIRNAME/../man/$p.1"
	done
	for m in "$BATS_TEST_DIRNAME"/../man/*.[1-9]; do
		run groff -mdoc -ww -z "$m"
		assert_success
		[ -z "$output" ] || { echo "$m: $output"; false; }
	done
}

@test "cli: every long option in --help is in the man page" {
	while read -r cmd; do
		p=${cmd%% *}
		page=$(groff -mdoc -Tascii "$BATS_TEST_DIRNAME/../man/$p.1" 2>/dev/null | col -b)
		for o in $($cmd --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
			grep -qF -- "$o" <<<"$page" || { echo "$cmd: $o is not in man/$p.1"; false; }
		done
	done < <(commands)
}

@test "cli: every long option in --help is offered by the completion" {
	while read -r cmd; do
		p=${cmd%% *}
		f="$BATS_TEST_DIRNAME/../completions/$p.bash"
		[ -f "$f" ] || { echo "no completions/$p.bash"; false; }
		read -ra words <<<"$cmd"
		offered=$(bash -c '. "$1"; shift; COMP_WORDS=("$@" --); COMP_CWORD=$#; _ktools_complete; printf "%s\n" "${COMPREPLY[@]}"' _ "$f" "${words[@]}")
		for o in $($cmd --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
			grep -qxF -- "$o" <<<"$offered" || { echo "$cmd: completion lacks $o"; false; }
		done
	done < <(commands)
}

@test "cli: the completion offers subcommands and model versions" {
	train_fixture --save-version v7
	run bash -c '. "$1"; COMP_WORDS=(ktrain a); COMP_CWORD=1; _ktools_complete; printf "%s\n" "${COMPREPLY[@]}"' _ "$BATS_TEST_DIRNAME/../completions/ktrain.bash"
	assert_line anomaly
	run bash -c '. "$1"; COMP_WORDS=(kscore --model-version v); COMP_CWORD=2; _ktools_complete; printf "%s\n" "${COMPREPLY[@]}"' _ "$BATS_TEST_DIRNAME/../completions/kscore.bash"
	assert_line v7
	run bash -c '. "$1"; COMP_WORDS=(kmodel pr); COMP_CWORD=1; _ktools_complete; printf "%s\n" "${COMPREPLY[@]}"' _ "$BATS_TEST_DIRNAME/../completions/kmodel.bash"
	assert_line promote
	assert_line prune
}

# Every program that reads records, as a command line that reads FILEs.
readers() {
	printf '%s\n' "kscore" "ktrain anomaly" "ktrain archetype" "ktrain forecast" "ktrain ocsvm" \
		"kforecast --update" "kfeatures hyperliquid" "kfeatures wallet" \
		"kfetch csv" "kmodel drift" "karchetype"
}

@test "cli: the readers list holds every program and subcommand that reads records" {
	# A command whose --help shows [FILE...] reads records; the list
	# below must name each, so the tests of every reader reach it.
	while read -r cmd; do
		$cmd --help | head -n 1 | grep -q 'FILE\.\.\.' || continue
		case $cmd in kforecast) cmd="kforecast --update" ;; esac
		readers | grep -qx "$cmd" || { echo "'$cmd' reads FILEs but is not in readers()"; false; }
	done < <(commands)
}

@test "cli: a missing input file exits 66 naming it, for every reader of records" {
	train_fixture
	ktrain forecast -q "$FIX/forecast/risk_600.ndjson" >/dev/null
	train_archetype
	while read -r cmd; do
		run --separate-stderr $cmd "$T/absent.ndjson"
		[ "$status" -eq 66 ] || { echo "$cmd: status $status"; false; }
		[[ "$stderr" == *"$T/absent.ndjson: No such file or directory"* ]] || { echo "$cmd: $stderr"; false; }
		[ -z "$output" ]
	done < <(readers)
}

@test "cli: every reader of records skips blank lines and rejects an over-long one by file and line, kept whole in --rejects" {
	train_fixture
	ktrain forecast -q "$FIX/forecast/risk_600.ndjson" >/dev/null
	train_archetype
	{ printf ' \t\r\n'; head -c 17000000 /dev/zero | tr '\0' 'x'; echo; } >"$T/long"
	while read -r cmd; do
		rm -f "$T/rej"
		run --separate-stderr $cmd --rejects "$T/rej" "$T/long"
		[ "$status" -ne 0 ] || { echo "$cmd: status 0"; false; }
		[[ "$stderr" == *"$T/long:2: line longer than 16777216 bytes"* ]] || { echo "$cmd: $stderr"; false; }
		[[ "$stderr" != *"$T/long:1:"* ]] || { echo "$cmd: a blank line was rejected"; false; }
		sed -n 2p "$T/long" | cmp -s - "$T/rej" || { echo "$cmd: the rejects file does not hold the line"; false; }
	done < <(readers)
}

@test "cli: over-long lines keep their place among the other rejects, through a pipe and at the end of input" {
	train_fixture
	x() { head -c "$1" /dev/zero | tr '\0' "$2"; }
	{ sed -n 1p "$FIX/rows_1k.ndjson"; x 16777217 a; echo; echo 'not json'
	  x 20000000 b; echo; sed -n 2p "$FIX/rows_1k.ndjson"; x 17000000 c; } >"$T/mixed"
	for cmd in kscore "ktrain forecast --field f00"; do
		rm -f "$T/rej"
		run --separate-stderr bash -c 'cat "$1" | $2 --rejects "$3" >/dev/null' _ "$T/mixed" "$cmd" "$T/rej"
		[ "$status" -eq 65 ] || { echo "$cmd: status $status: $stderr"; false; }
		{ sed -n '2,4p;6p' "$T/mixed"; echo; } | cmp - "$T/rej"
	done
}

# Number options: the same text accepted and refused everywhere.
@test "cli: number, duration and time options refuse space, signs, hex, infinity and trailing text with 64" {
	for spec in "ktrain anomaly|--trees" "kscore|--limit" "kforecast|--hours" \
	            "ktrain forecast|--holdout" "kmodel prune|--keep" \
	            "kfeatures wallet|--cycle-hops" "kfetch simulate wallet|--days" \
	            "kfetch simulate hyperliquid|--warmup" "kfetch binance|--days" \
	            "kfeatures hyperliquid|--lateness" "kfeatures wallet|--as-of" \
	            "kfetch ethrpc|--from-block"; do
		cmd=${spec%|*} opt=${spec#*|}
		for v in ' 5' '+5' '5x' '0x1p3' 'inf' 'nan' ''; do
			run --separate-stderr $cmd "$opt" "$v" </dev/null
			[ "$status" -eq 64 ] || { echo "$cmd $opt '$v': status $status"; false; }
			[ -z "$output" ]
			[[ "$stderr" == *"$opt: '$v' is not a"* || "$stderr" == *"$opt: empty"* ]] || { echo "$cmd $opt '$v': $stderr"; false; }
		done
	done
}

@test "cli: a full disk on stdout is an I/O error (74), not success" {
	[ -w /dev/full ] || skip "no /dev/full"
	train_fixture
	run --separate-stderr bash -c 'kscore "$1" >/dev/full' _ "$FIX/rows_1k.ndjson"
	assert_failure 74
	[[ "$stderr" == *"write error on standard output"* ]]
	run --separate-stderr bash -c 'ktrain anomaly -q "$1" >/dev/full' _ "$FIX/rows_1k.ndjson"
	assert_failure 74
}

@test "cli: --help, --usage and --version to a full disk are I/O errors (74), to a closed pipe quiet" {
	[ -w /dev/full ] || skip "no /dev/full"
	while read -r cmd; do
		for o in --help --usage --version; do
			run --separate-stderr bash -c "$cmd $o >/dev/full"
			[ "$status" -eq 74 ] || { echo "$cmd $o: status $status"; false; }
			[ "$(grep -c 'write error on standard output' <<<"$stderr")" -eq 1 ] || { echo "$cmd $o: $stderr"; false; }
		done
	done < <(programs; commands)
	run --separate-stderr bash -c 'kfeatures wallet --help | head -c 1 >/dev/null; echo "${PIPESTATUS[0]}"'
	[ "$output" = 0 ] && [ -z "$stderr" ]
}

@test "cli: every reader holds a record line to the same rules: NUL and nesting past 512 refused, big integers read" {
	train_fixture
	ktrain forecast -q "$FIX/forecast/risk_600.ndjson" >/dev/null
	train_archetype
	python3 - "$T/odd" <<'PY'
import sys
rec = '{"kind":"features","ts":"2025-03-01T00:00:00Z","features":{"f00":1}'
with open(sys.argv[1], 'wb') as f:
    f.write((rec + ',"x":1\0}\n').encode())
    f.write((rec + ',"d":' + '[' * 600 + ']' * 600 + '}\n').encode())
    f.write((rec + ',"n":123456789012345678901234567890}\n').encode())
PY
	while read -r cmd; do
		run --separate-stderr $cmd "$T/odd"
		[[ "$stderr" == *"$T/odd:1: invalid JSON at column 74"* ]] || { echo "$cmd: $stderr"; false; }
		[[ "$stderr" == *"$T/odd:2: invalid JSON at column 584: nesting too deep"* ]] || { echo "$cmd: $stderr"; false; }
		[[ "$stderr" != *"$T/odd:3: invalid JSON"* && "$stderr" != *"too big"* ]] || { echo "$cmd: $stderr"; false; }
	done < <(readers | grep -v '^kfetch csv$')
}
