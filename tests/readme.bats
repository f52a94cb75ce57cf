#!/usr/bin/env bats
# The README's examples are real: every ```sh block runs as written, from
# the top of the source tree, and succeeds.

load helpers
bats_require_minimum_version 1.5.0

@test "readme: every sh example runs" {
	top="$BATS_TEST_DIRNAME/.."
	python3 - "$top/README.md" "$T" <<-'PY'
	import re, sys
	text = open(sys.argv[1]).read()
	blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
	assert blocks, "no sh blocks in README.md"
	for i, b in enumerate(blocks):
	    open("%s/example%d.sh" % (sys.argv[2], i), "w").write(b)
	PY
	for f in "$T"/example*.sh; do
		# The build under test first on PATH, whatever the example sets.
		run --separate-stderr bash -c 'cd "$1" && set -e && . "$2"' _ "$top" "$f"
		[ "$status" -eq 0 ] || { echo "$f failed ($status): $stderr"; cat "$f"; false; }
		[ -n "$output" ]
	done
}

@test "readme: names both set-up commands and links every man page" {
	top="$BATS_TEST_DIRNAME/.."
	grep -q 'make demo' "$top/README.md"
	grep -q 'make check' "$top/README.md"
	for m in "$top"/man/*.[1-9]; do
		grep -qF "(man/${m##*/})" "$top/README.md" || { echo "README lacks a link to man/${m##*/}"; false; }
	done
}
