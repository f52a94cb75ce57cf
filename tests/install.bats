#!/usr/bin/env bats
# make install and uninstall, with PREFIX and DESTDIR.

load helpers
bats_require_minimum_version 1.5.0

@test "install: programs, man pages and completions land under DESTDIR/PREFIX; uninstall removes them" {
	top="$BATS_TEST_DIRNAME/.."
	run make -C "$top" --no-print-directory B="${KTOOLS_BIN%/bin}" install DESTDIR="$T/root" PREFIX=/opt/kt
	assert_success
	for p in kmodel kscore ktrain; do
		[ -x "$T/root/opt/kt/bin/$p" ]
		[ -f "$T/root/opt/kt/share/bash-completion/completions/$p" ]
	done
	[ -f "$T/root/opt/kt/share/bash-completion/completions/_ktools" ]
	[ -f "$T/root/opt/kt/share/man/man1/kscore.1" ]
	[ -f "$T/root/opt/kt/share/man/man5/ktools-model.5" ]
	[ -f "$T/root/opt/kt/share/man/man7/ktools.7" ]
	[ -f "$T/root/opt/kt/share/ktools/labels/addresses.csv" ]
	cmp "$T/root/opt/kt/share/ktools/archetype-thresholds.json" "$top/data/archetype-thresholds.json"
	run "$T/root/opt/kt/bin/kscore" --version
	assert_success
	# The installed completion finds its shared part.
	run bash -c '. "$1"; declare -F _ktools_complete' _ "$T/root/opt/kt/share/bash-completion/completions/kscore"
	assert_success
	run make -C "$top" --no-print-directory B="${KTOOLS_BIN%/bin}" uninstall DESTDIR="$T/root" PREFIX=/opt/kt
	assert_success
	[ -z "$(find "$T/root" -type f)" ]
}
