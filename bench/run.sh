#!/bin/bash
# make bench: every bench/*.sh in turn (not part of make check). Each
# measures ktools against its reference in one run and prints figures
# beside the targets; set BENCH_ONLY=name to run one, BENCH_QUICK=1 to
# skip the longest measurements.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
status=0
for b in "$here"/*.sh; do
	name=$(basename "$b" .sh)
	[ "$name" = run ] && continue
	[ -n "${BENCH_ONLY:-}" ] && [ "$BENCH_ONLY" != "$name" ] && continue
	echo
	echo "######## $name"
	bash "$b" || { echo "bench $name failed ($?)"; status=1; }
done
exit $status
