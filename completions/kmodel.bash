# kmodel(1) bash completion. COMMAND comes from 'kmodel --help' and the
# options from 'kmodel COMMAND --help' at completion time (through
# ktools-common.bash), so they never drift; arguments are versions and
# .ktm files, kinds for --kind and the KIND of list and prune, and
# feature-row files for drift.
if ! declare -F _ktools_complete >/dev/null; then
	. "${BASH_SOURCE[0]%/*}/ktools-common.bash" 2>/dev/null ||
		. "${BASH_SOURCE[0]%/*}/_ktools" 2>/dev/null
fi

# Kinds in the model store: the KIND of each KIND/VERSION offered.
_kmodel_kinds() {
	_ktools_versions | sed -n 's|/.*||p' | sort -u
}

_kmodel() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local cmd=${COMP_WORDS[1]} IFS=$'\n'
	COMPREPLY=()
	if [ "$COMP_CWORD" -ge 2 ] && [[ $cur != -* ]]; then
		case $cmd:$prev in
		*:--kind)
			COMPREPLY=($(compgen -W "$(_kmodel_kinds)" -- "$cur"))
			return ;;
		prune:--keep)
			return ;;  # a number to type
		drift:--model-version | drift:--model-dir | drift:--rejects) ;;
		drift:*)
			COMPREPLY=($(compgen -f -- "$cur"))
			return ;;
		list:--model-dir | prune:--model-dir) ;;
		list:* | prune:*)
			COMPREPLY=($(compgen -W "$(_kmodel_kinds)" -- "$cur"))
			return ;;
		esac
	fi
	_ktools_complete
}

complete -o filenames -F _kmodel kmodel
