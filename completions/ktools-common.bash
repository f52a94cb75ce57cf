# ktools-common.bash - bash completion shared by every ktools program
# (installed as _ktools next to the per-program files, which source it).
# Options and subcommands are read from the program's own --help at
# completion time, so completion cannot drift from the program.

_ktools_opts() {
	"$@" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

# Subcommands listed by "prog [sub] --help" (ktrain KIND, kfetch SOURCE,
# kfetch simulate POPULATION, kmodel COMMAND).
_ktools_subs() {
	"$@" --help 2>/dev/null | awk '/^Run / { exit } /^  [a-z][a-z0-9-]+  / { print $1 }'
}

# Versions in the model store, for --model-version and kmodel arguments.
_ktools_versions() {
	local dir=${KTOOLS_MODEL_DIR:-./models} i w
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--model-dir) dir=${COMP_WORDS[i + 1]} ;;
		--model-dir=*) dir=${w#--model-dir=} ;;
		esac
	done
	local f v k
	for f in "$dir"/*/*.ktm; do
		[ -e "$f" ] || continue
		v=${f##*/}
		v=${v%.ktm}
		k=${f%/*}
		k=${k##*/}
		printf '%s\n%s/%s\n' "$v" "$k" "$v"
	done
	printf 'latest\n'
}

_ktools_complete() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local prog=${COMP_WORDS[0]} IFS=$'\n'
	local -a cmd=("$prog")
	COMPREPLY=()
	case ${prog##*/} in
	ktrain | kfetch | kfeatures | kmodel)
		if [ "$COMP_CWORD" -eq 1 ]; then
			COMPREPLY=($(compgen -W "$(_ktools_subs "$prog")" -- "$cur"))
			return
		fi
		cmd+=("${COMP_WORDS[1]}")
		# kfetch simulate POPULATION: one level deeper.
		if [ "${prog##*/}" = kfetch ] && [ "${COMP_WORDS[1]}" = simulate ]; then
			if [ "$COMP_CWORD" -eq 2 ] && [[ $cur != -* ]]; then
				COMPREPLY=($(compgen -W "$(_ktools_subs "$prog" simulate)" -- "$cur"))
				return
			fi
			[ "$COMP_CWORD" -gt 2 ] && cmd+=("${COMP_WORDS[2]}")
		fi
		;;
	esac
	case $prev in
	--model-dir | --record | --replay)
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	--rejects | --state | --map | --rules-state)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--model-version)
		COMPREPLY=($(compgen -W "$(_ktools_versions)" -- "$cur"))
		return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_ktools_opts "${cmd[@]}")" -- "$cur"))
		return
	fi
	if [ "${prog##*/}" = kmodel ]; then
		COMPREPLY=($(compgen -W "$(_ktools_versions)" -- "$cur") $(compgen -f -X '!*.ktm' -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -f -- "$cur"))
}
