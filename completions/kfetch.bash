# kfetch(1) bash completion. SOURCE comes from 'kfetch --help' and the
# options from 'kfetch SOURCE --help' at completion time (through
# ktools-common.bash), so they never drift; option values that are fixed
# lists (kinds, intervals, endpoints) are completed here. Needs nothing
# from the bash-completion package.
if ! declare -F _ktools_complete >/dev/null; then
	. "${BASH_SOURCE[0]%/*}/ktools-common.bash" 2>/dev/null ||
		. "${BASH_SOURCE[0]%/*}/_ktools" 2>/dev/null
fi

# The words of a comma list already typed, so "price,c" offers "price,candle".
_kfetch_list() {
	local cur=$1 items=$2 head= i
	[[ $cur == *,* ]] && head=${cur%,*},
	local IFS=$'\n'
	for i in $(compgen -W "$items" -- "${cur##*,}"); do
		printf '%s\n' "$head$i"
	done
}

_kfetch() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local src=${COMP_WORDS[1]} IFS=$'\n'
	COMPREPLY=()
	if [ "$COMP_CWORD" -ge 2 ]; then
		case $src:$prev in
		hyperliquid:--kinds)
			COMPREPLY=($(_kfetch_list "$cur" $'price\ncandle\nfunding\nhlp\nliquidation'))
			compopt -o nospace 2>/dev/null
			return ;;
		binance:--kinds)
			COMPREPLY=($(_kfetch_list "$cur" $'price\ncandle'))
			compopt -o nospace 2>/dev/null
			return ;;
		hyperliquid:--coins)
			COMPREPLY=($(_kfetch_list "$cur" $'BTC\nETH\nSOL\nHYPE\nXRP\nDOGE\nkPEPE'))
			compopt -o nospace 2>/dev/null
			return ;;
		binance:--coins)
			COMPREPLY=($(_kfetch_list "$cur" $'BTC\nETH\nSOL\nBNB\nXRP\nDOGE'))
			compopt -o nospace 2>/dev/null
			return ;;
		hyperliquid:--candle-interval)
			COMPREPLY=($(compgen -W $'1m\n3m\n5m\n15m\n30m\n1h\n2h\n4h\n8h\n12h\n1d\n3d\n1w\n1M' -- "$cur"))
			return ;;
		binance:--candle-interval)
			COMPREPLY=($(compgen -W $'1s\n1m\n3m\n5m\n15m\n30m\n1h\n2h\n4h\n6h\n8h\n12h\n1d\n3d\n1w\n1M' -- "$cur"))
			return ;;
		hyperliquid:--vault-endpoint)
			COMPREPLY=($(compgen -W $'vaultDetails\nportfolio' -- "$cur"))
			return ;;
		*:--base-url)
			COMPREPLY=($(compgen -W $'https://\nhttp://127.0.0.1:' -- "$cur"))
			compopt -o nospace 2>/dev/null
			return ;;
		*:--start | *:--end | *:--days | *:--interval | *:--count | \
		*:--timeout | *:--connect-timeout | *:--retries | *:--retry-wait | \
		*:--max-retry-after | *:--weight-budget | *:--fills-cap | \
		*:--vaults | *:--users | *:--quote)
			return ;;  # a value to type, nothing to offer
		esac
	fi
	if declare -F _ktools_complete >/dev/null; then
		_ktools_complete
	else
		_kfetch_alone
	fi
}

# Without ktools-common.bash: sources, then options, from --help.
_kfetch_alone() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} IFS=$'\n'
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "$(kfetch --help 2>/dev/null |
			awk '/^Run / { exit } /^  [a-z][a-z0-9-]+  / { print $1 }')" -- "$cur"))
	elif [[ $prev == --record || $prev == --replay ]]; then
		COMPREPLY=($(compgen -d -- "$cur"))
	elif [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(kfetch "${COMP_WORDS[1]}" --help 2>/dev/null |
			grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)" -- "$cur"))
	fi
}

complete -o filenames -F _kfetch kfetch
