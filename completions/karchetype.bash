# karchetype(1) bash completion: options come from 'karchetype --help' at completion time
# (see ktools-common.bash), so they never drift from the program.
if ! declare -F _ktools_complete >/dev/null; then
	. "${BASH_SOURCE[0]%/*}/ktools-common.bash" 2>/dev/null ||
		. "${BASH_SOURCE[0]%/*}/_ktools" 2>/dev/null
fi
complete -o filenames -F _ktools_complete karchetype
