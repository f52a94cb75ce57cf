# helpers.bash - shared set-up for every Bats suite: the build's programs
# first on PATH, bats-support and bats-assert, and a private model store
# and scratch directory per test so tests never see each other's models.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

: "${KTOOLS_BIN:=$BATS_TEST_DIRNAME/../build/bin}"
PATH="$KTOOLS_BIN:$PATH"
FIX="$BATS_TEST_DIRNAME/fixtures"
export LC_ALL=C

common_setup() {
	T="$BATS_TEST_TMPDIR"
	export KTOOLS_MODEL_DIR="$T/models"
	unset ML_ENABLED SOURCE_DATE_EPOCH
}

setup() {
	common_setup
}

# A trained anomaly model on the 1,000-row fixture, quietly.
train_fixture() {
	ktrain anomaly -q "$@" "$FIX/rows_1k.ndjson" >/dev/null
}

# An archetype model, trained on a small simulated population's wallets.
train_archetype() {
	kfetch simulate wallet --wallets 300 --days 20 --seed 1 2>/dev/null |
		kfeatures wallet -q --no-graph | jq -c 'select(.label != null)' |
		ktrain archetype -q "$@" >/dev/null
}

# Absolute difference of two numbers is within a tolerance: near A B TOL
near() {
	awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'
}
