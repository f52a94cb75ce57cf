/*
 * k_simwallet.c - the labelled wallet population of k_simwallet.h: a
 * discrete-event simulation of Ethereum accounts, their counterparties and
 * malicious schemes, written as tx records with exact wei amounts.
 *
 * Generative assumptions (also in kfetch(1), OUTPUT, simulate wallet):
 *
 * Time.  Transactions land in 12-second slots (post-merge blocks) from
 *   start; block numbers count from 18908895 at 2024-01-01T00:00:00Z
 *   (close to mainnet). Events after start + days are dropped.
 * Market.  Hourly ETH/USD is a geometric random walk from 2300 USD with
 *   0.6% hourly volatility. The market gas price is log-AR(1) around
 *   20 gwei (phi 0.9, sd 0.15 per hour) with a daily cycle (+-25%, peak
 *   15:00 UTC), 15% lower at weekends, and congestion spikes (about one a
 *   week, x2.5-6 for 1-6 hours). TVL follows ETH with elasticity 0.7;
 *   fear & greed maps the 7-day return to 0-100.
 * Population.  Each wallet draws an archetype from mix. Its session rate
 *   (sessions per day) is lognormal around the archetype's median (log sd
 *   0.8), so activity is heavy-tailed across wallets; gaps between
 *   sessions are Lomax (Pareto II) with the archetype's tail index, so
 *   timings are heavy-tailed too; a session holds 1 + geometric actions a
 *   minute or two apart (MEV bundles share a block). Sessions are thinned
 *   by a day profile in the wallet's own time zone (humans 09-23 local,
 *   institutions 09-17 on weekdays, bots flat).
 * Sizes.  Transfer sizes are lognormal around the archetype's median with
 *   a per-wallet offset, and 5% of transfers are multiplied by a Pareto
 *   (alpha 1.2) factor: a heavy right tail. A wallet never sends more ETH
 *   than it holds: when short, it first withdraws a round amount from its
 *   exchange. CEX withdrawals and mixer denominations are round numbers.
 * Protocols and gas.  Actions use real mainnet contracts (Uniswap,
 *   1inch, Curve, Aave, Compound, Lido, Yearn, Convex, bridges, Seaport,
 *   Tornado Cash pools, exchange hot wallets) with each method's typical
 *   gas (21000 for a plain transfer, about 1M for a mixer deposit); the
 *   gas price is the market price times a per-archetype priority factor
 *   (MEV bots bid 3-20x); contract calls fail with a per-archetype
 *   probability and then use part of their gas and move nothing. Token
 *   mints come from the zero address; exchange deposits go to a personal
 *   deposit address that is swept to the hot wallet within about an hour
 *   (legitimate fast forwarding); spam tokens are air-dropped, some with
 *   the amount 2^256-1. New protocols are deployed during the span (a
 *   contract creation) and adopted by DeFi power users first.
 * Archetypes.  Per-archetype rates, sizes, action mixes, failure rates and
 *   day profiles are in the arch[] table below, chosen to be plausible,
 *   not fitted to chain data.
 * Malicious schemes, each with fresh addresses (labelled malicious, with
 *   the pattern and a role):
 *   rapid_fund_movement - stolen funds (from a sanctioned exploiter
 *     address or a drained population wallet) pass through a chain of 3-7
 *     mules, each forwarding within minutes and peeling 5-15% to a side
 *     address, ending at exchange deposits or mixer pools.
 *   circular_flow - a ring of 3-5 addresses (sometimes including a
 *     professional trader of the population) passes value round the ring
 *     for 3-12 rounds, each hop within about 20 minutes.
 *   mixer_use - proceeds are split into 1/10/100 ETH Tornado Cash
 *     deposits over hours; withdrawals via relayers reach fresh addresses
 *     days later, which cash out at exchanges. (Benign privacy-focused
 *     wallets use the same pools: the confounder.)
 *   fresh_account_attack - an address funded by a mixer withdrawal deploys
 *     a contract within hours, probes a protocol (some calls fail), drains
 *     it through internal transfers and disperses the proceeds within
 *     minutes.
 *   phishing_drain - victims (retail wallets) approve a token or call a
 *     fake claim contract; the drainer pulls their tokens or ETH within
 *     minutes and consolidates to a cash-out address.
 *   Victims keep their archetype and malicious false, with victim_of set.
 */
#include "sim/k_simwallet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_rng.h"
#include "base/k_time.h"
#include "records/k_tx.h"
#include "text/k_jsonw.h"
#include "text/k_wei.h"

#define SLOT_MS 12000
#define BLOCK0 INT64_C(18908895)
#define BLOCK0_MS INT64_C(1704067200000) /* 2024-01-01T00:00:00Z */
#define NCONTACT 4
#define NFAV 8
#define MAX_WALLETS 10000000
#define MAX_DAYS 3650.0

const char *const k_simwallet_arch_names[K_ARCH_N] = {
	"retail_conservative", "retail_active", "professional_trader",
	"institutional", "defi_power_user", "privacy_focused",
	"mev_arbitrage", "yield_farmer",
};

const char *const k_simwallet_pattern_names[K_PAT_N] = {
	NULL, "rapid_fund_movement", "circular_flow", "mixer_use",
	"fresh_account_attack", "phishing_drain",
};

/* ---- actions, archetypes ---- */

enum act {
	A_SEND, A_TOKSEND, A_CEXDEP, A_CEXWD, A_SWAP, A_LEND, A_STAKE,
	A_YIELD, A_BRIDGE, A_NFT, A_APPROVE, A_MIXER, A_MEV, A_N
};

struct arch {
	double mix;        /* default population weight */
	double rate;       /* median sessions per day */
	double alpha;      /* Lomax tail index of gaps between sessions */
	double session;    /* mean actions per session */
	double size;       /* median transfer, ETH */
	double sigma;      /* lognormal sd of sizes */
	double tip;        /* median gas price / market gas price */
	double fail;       /* failure probability of a contract call */
	double diurnal;    /* 0 flat .. 1 fully shaped by the day profile */
	double weekend;    /* activity at weekends relative to weekdays */
	int business;      /* day profile 09-17 local instead of 09-23 */
	double existing;   /* share active before the span starts */
	double stable;     /* probability a token action uses a stablecoin */
	double adopt;      /* probability a DeFi action tries a new protocol */
	double act[A_N];   /* action weights */
};

/*                         SEND TOKSEND CEXDEP CEXWD SWAP LEND STAKE YIELD
 *                         BRIDGE NFT APPROVE MIXER MEV */
static const struct arch arch[K_ARCH_N] = {
	[K_ARCH_RETAIL_CONSERVATIVE] = { 0.30, 0.10, 1.4, 1.3, 0.15, 1.0,
	  1.10, 0.010, 0.8, 1.2, 0, 0.75, 0.5, 0.00,
	  { 30, 10, 20, 12, 14, 0, 5, 0, 1, 1, 5, 0, 0 } },
	[K_ARCH_RETAIL_ACTIVE] = { 0.22, 0.30, 1.5, 2.0, 0.30, 1.2,
	  1.20, 0.030, 0.7, 1.3, 0, 0.65, 0.35, 0.02,
	  { 15, 10, 8, 7, 35, 2, 4, 1, 3, 8, 8, 0, 0 } },
	[K_ARCH_PRO_TRADER] = { 0.08, 1.2, 1.8, 2.6, 3.0, 1.3,
	  1.50, 0.040, 0.35, 0.8, 0, 0.85, 0.45, 0.03,
	  { 6, 10, 14, 11, 45, 6, 0, 0, 4, 0, 7, 0, 0 } },
	[K_ARCH_INSTITUTIONAL] = { 0.03, 0.6, 2.2, 1.5, 60.0, 1.0,
	  1.00, 0.005, 0.95, 0.1, 1, 0.9, 0.8, 0.00,
	  { 10, 30, 28, 22, 2, 3, 5, 0, 0, 0, 2, 0, 0 } },
	[K_ARCH_DEFI_POWER] = { 0.12, 0.6, 1.6, 3.0, 2.0, 1.2,
	  1.30, 0.050, 0.5, 1.1, 0, 0.8, 0.45, 0.20,
	  { 5, 5, 4, 4, 25, 18, 5, 14, 8, 4, 12, 0, 0 } },
	[K_ARCH_PRIVACY] = { 0.06, 0.22, 1.3, 1.5, 1.0, 0.8,
	  1.10, 0.020, 0.6, 1.0, 0, 0.3, 0.4, 0.02,
	  { 25, 5, 6, 4, 18, 0, 0, 0, 15, 0, 3, 14, 0 } },
	[K_ARCH_MEV] = { 0.004, 4.0, 3.0, 3.5, 8.0, 0.8,
	  6.00, 0.250, 0.05, 1.0, 0, 0.9, 0.2, 0.00,
	  { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100 } },
	[K_ARCH_YIELD_FARMER] = { 0.176, 0.4, 2.5, 2.5, 5.0, 1.0,
	  1.20, 0.030, 0.5, 1.0, 0, 0.8, 0.7, 0.05,
	  { 3, 3, 3, 3, 14, 20, 10, 34, 3, 0, 7, 0, 0 } },
};

/* ---- fixed entities: real mainnet addresses ---- */

enum ekind {
	EK_DEX, EK_LEND, EK_STAKE, EK_YIELD, EK_BRIDGE, EK_NFT, EK_HOT,
	EK_MIXER, EK_FLAGGED, EK_ZERO, EK_BUILDER, EK_TOKEN,
	/* created by the simulation */
	EK_WALLET, EK_DEPOSIT, EK_RELAYER, EK_DEPLOYER, EK_BOT, EK_NEWPROTO,
	EK_SCHEME, EK_SCHEME_CONTRACT, EK_SPAMMER,
};

struct fixed {
	const char *addr;
	unsigned char kind;
	unsigned char weight;   /* popularity within its kind */
};

static const struct fixed fixed[] = {
	{ "7a250d5630b4cf539739df2c5dacb4c659f2488d", EK_DEX, 30 }, /* Uniswap V2 Router 2 */
	{ "e592427a0aece92de3edee1f18e0157c05861564", EK_DEX, 25 }, /* Uniswap V3 Router */
	{ "3fc91a3afd70395cd496c647d5a6cc9d4b2b7fad", EK_DEX, 30 }, /* Uniswap Universal Router */
	{ "1111111254eeb25477b68fb85ed929f73a960582", EK_DEX, 15 }, /* 1inch v5 */
	{ "d9e1ce17f2641f24ae83637ab66a2cca9c378b9f", EK_DEX, 6 },  /* SushiSwap Router */
	{ "bebc44782c7db0a1a60cb6fe97d0b483032ff1c7", EK_DEX, 6 },  /* Curve 3pool */
	{ "def1c0ded9bec7f1a1670819833240f027b25eff", EK_DEX, 5 },  /* 0x Exchange Proxy */
	{ "7d2768de32b0b80b7a3454c06bdac94a69ddc7a9", EK_LEND, 15 }, /* Aave V2 Lending Pool */
	{ "87870bca3f3fd6335c3f4ce8392d69350b4fa4e2", EK_LEND, 30 }, /* Aave V3 Pool */
	{ "4ddc2d193948926d02f9b1fe9e1daa0718270ed5", EK_LEND, 8 },  /* Compound cETH */
	{ "ae7ab96520de3a18e5e111b5eaab095312d7fe84", EK_STAKE, 30 }, /* Lido stETH */
	{ "a354f35829ae975e850e23e9615b11da1b3dc4de", EK_YIELD, 10 }, /* Yearn yvUSDC */
	{ "f403c135812408bfbe8713b5a23a04b3d48aae31", EK_YIELD, 12 }, /* Convex Booster */
	{ "4dbd4fc535ac27206064b68ffcf827b0a60bab3f", EK_BRIDGE, 20 }, /* Arbitrum Delayed Inbox */
	{ "99c9fc46f92e8a1c0dec1b1747d010903e884be1", EK_BRIDGE, 10 }, /* Optimism Gateway */
	{ "a0c68c638235ee32657e8f720a23cec1bfc77c77", EK_BRIDGE, 6 },  /* Polygon Bridge */
	{ "00000000000000adc04c56bf30ac9d3c0aaf14dc", EK_NFT, 30 },   /* Seaport 1.5 */
	{ "28c6c06298d514db089934071355e5743bf21d60", EK_HOT, 30 }, /* Binance 14 */
	{ "3f5ce5fbfe3e9af3971dd833d26ba9b5c936f0be", EK_HOT, 12 }, /* Binance */
	{ "71660c4005ba85c37ccec55d0c4493e66fe775d3", EK_HOT, 25 }, /* Coinbase 1 */
	{ "2910543af39aba0cd09dbb2d50200b3e800a63d2", EK_HOT, 10 }, /* Kraken */
	{ "6cc5f688a315f3dc28a7781717a9a798a59fda7b", EK_HOT, 8 },  /* OKX */
	{ "12d66f87a04a9e220743712ce6d9bb1b5616b8fc", EK_MIXER, 1 }, /* Tornado 0.1 ETH */
	{ "47ce0c6ed5b0ce3d3a51fdb1c52dc66a7c3c2936", EK_MIXER, 1 }, /* Tornado 1 ETH */
	{ "910cbd523d972eb0a6f4cae4618ad62622b39dbf", EK_MIXER, 1 }, /* Tornado 10 ETH */
	{ "a160cdab225685da1d56aa342ad8841c3b53f291", EK_MIXER, 1 }, /* Tornado 100 ETH */
	{ "098b716b8aaf21512996dc57eb0615e2383e2f96", EK_FLAGGED, 1 }, /* Ronin Bridge Exploiter (OFAC) */
	{ "a0e1c89ef1a489c9c7de96311ed5ce5d32c20e4b", EK_FLAGGED, 1 }, /* Lazarus (OFAC) */
	{ "3cffd56b47b7b41c56258d9c7731abadc360e073", EK_FLAGGED, 1 }, /* Lazarus (OFAC) */
	{ "53b6936513e738f44fb50d2b9476730c0ab3bfc1", EK_FLAGGED, 1 }, /* Lazarus (OFAC) */
	{ "0000000000000000000000000000000000000000", EK_ZERO, 1 },
	{ "95222290dd7278aa3ddd389cc1e1d165cc4bafe5", EK_BUILDER, 3 }, /* beaverbuild */
	{ "4838b106fce9647bdf1e7877bf73ce8b0bad5f97", EK_BUILDER, 3 }, /* Titan Builder */
	{ "1f9090aae28b8a3dceadf281b0f12828e676c326", EK_BUILDER, 2 }, /* rsync-builder */
};
#define NFIXED (sizeof fixed / sizeof fixed[0])
static const double mixer_denom[4] = { 0.1, 1, 10, 100 };

/* Tokens; index 0 is ETH itself. prec: decimal places the simulation
 * keeps (raw amounts are integers in 10^-prec units). */
enum tok {
	T_ETH, T_USDC, T_USDT, T_DAI, T_WETH, T_STETH, T_WBTC, T_LINK, T_UNI,
	T_PEPE, T_SHIB, T_CRV, T_SPAM, NTOK
};

struct token {
	const char *sym, *addr;
	unsigned decimals, prec;
	double usd;     /* price in USD; 0: follows ETH */
};

static const struct token tokens[NTOK] = {
	[T_ETH] = { NULL, NULL, 18, 9, 0 },
	[T_USDC] = { "USDC", "a0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", 6, 6, 1 },
	[T_USDT] = { "USDT", "dac17f958d2ee523a2206206994597c13d831ec7", 6, 6, 1 },
	[T_DAI] = { "DAI", "6b175474e89094c44da98b954eedeac495271d0f", 18, 6, 1 },
	[T_WETH] = { "WETH", "c02aaa39b223fe8d0a0e5c4f27ead9083c756cc2", 18, 9, 0 },
	[T_STETH] = { "stETH", "ae7ab96520de3a18e5e111b5eaab095312d7fe84", 18, 9, 0 },
	[T_WBTC] = { "WBTC", "2260fac5e5542a773aa44fbcfedf7c193bc2c599", 8, 8, 42000 },
	[T_LINK] = { "LINK", "514910771af9ca656af840dff83e8264ecf986ca", 18, 6, 15 },
	[T_UNI] = { "UNI", "1f9840a85d5af5bf1d1762f925bdaddc4201f984", 18, 6, 6 },
	[T_PEPE] = { "PEPE", "6982508145454ce325ddbe47a25d4ec3d2311933", 18, 2, 1.2e-6 },
	[T_SHIB] = { "SHIB", "95ad61b0a150d79219dcf64e1e6cc01f0b64c4ce", 18, 2, 9e-6 },
	[T_CRV] = { "CRV", "d533a949740bb3306d119cc777fa900ba034cd52", 18, 6, 0.6 },
	[T_SPAM] = { "ERC20-CLAIM", NULL, 18, 0, 0 },
};
#define IS_STABLE(t) ((t) == T_USDC || (t) == T_USDT || (t) == T_DAI)

/* Method names written in "method"; index 0 is no call data (null). */
enum meth {
	M_NONE, M_TRANSFER, M_TRANSFERFROM, M_APPROVE, M_SETAPPROVALALL,
	M_SWAPETHTOK, M_SWAPTOKETH, M_SWAPTOKTOK, M_EXACTINPUT, M_EXECUTE,
	M_SWAP, M_EXCHANGE, M_DEPOSIT, M_WITHDRAW, M_BORROW, M_REPAY,
	M_SUPPLY, M_MINT, M_REDEEM, M_SUBMIT, M_DEPOSITETH, M_DEPOSITTX,
	M_DEPOSITETHERFOR, M_FULFILL, M_GETREWARD, M_CLAIM, M_CREATE,
	M_MULTICALL, M_AIRDROP, M_SECURITYUPDATE, M_MEV1, M_MEV2, M_EXPLOIT,
	M_N
};

static const char *const methods[M_N] = {
	NULL, "transfer", "transferFrom", "approve", "setApprovalForAll",
	"swapExactETHForTokens", "swapExactTokensForETH",
	"swapExactTokensForTokens", "exactInputSingle", "execute", "swap",
	"exchange", "deposit", "withdraw", "borrow", "repay", "supply",
	"mint", "redeem", "submit", "depositEth", "depositTransaction",
	"depositEtherFor", "fulfillBasicOrder", "getReward", "claim",
	"create", "multicall", "airdrop", "SecurityUpdate", "0x00000000",
	"0x0000e0ca", "0x6a761202",
};

/* Typical gas of a successful call: median and log sd. */
static const struct { double med, sd; } gas_of[M_N] = {
	[M_NONE] = { 21000, 0 }, [M_TRANSFER] = { 52000, 0.15 },
	[M_TRANSFERFROM] = { 60000, 0.15 }, [M_APPROVE] = { 46000, 0.05 },
	[M_SETAPPROVALALL] = { 46500, 0.05 },
	[M_SWAPETHTOK] = { 130000, 0.2 }, [M_SWAPTOKETH] = { 140000, 0.2 },
	[M_SWAPTOKTOK] = { 160000, 0.25 }, [M_EXACTINPUT] = { 125000, 0.2 },
	[M_EXECUTE] = { 180000, 0.3 }, [M_SWAP] = { 200000, 0.35 },
	[M_EXCHANGE] = { 150000, 0.2 }, [M_DEPOSIT] = { 220000, 0.25 },
	[M_WITHDRAW] = { 250000, 0.25 }, [M_BORROW] = { 300000, 0.2 },
	[M_REPAY] = { 200000, 0.2 }, [M_SUPPLY] = { 210000, 0.2 },
	[M_MINT] = { 180000, 0.15 }, [M_REDEEM] = { 190000, 0.15 },
	[M_SUBMIT] = { 80000, 0.1 }, [M_DEPOSITETH] = { 95000, 0.1 },
	[M_DEPOSITTX] = { 110000, 0.1 }, [M_DEPOSITETHERFOR] = { 100000, 0.1 },
	[M_FULFILL] = { 170000, 0.25 }, [M_GETREWARD] = { 160000, 0.2 },
	[M_CLAIM] = { 120000, 0.2 }, [M_CREATE] = { 2500000, 0.5 },
	[M_MULTICALL] = { 220000, 0.3 }, [M_AIRDROP] = { 900000, 0.4 },
	[M_SECURITYUPDATE] = { 45000, 0.1 }, [M_MEV1] = { 240000, 0.4 },
	[M_MEV2] = { 320000, 0.4 }, [M_EXPLOIT] = { 1800000, 0.4 },
};

enum role {
	R_WALLET, R_SERVICE, R_ATTACKER, R_MULE, R_PEEL, R_RING,
	R_WITHDRAWAL, R_DISPERSAL, R_DRAINER, R_CASHOUT, R_CONTRACT, R_N
};

static const char *const roles[R_N] = {
	"wallet", "service", "attacker", "mule", "peel", "ring", "withdrawal",
	"dispersal", "drainer", "cashout", "contract",
};

/* ---- state ---- */

struct ent {
	char addr[41];
	unsigned char kind;
	unsigned char arch;      /* K_ARCH_N: none */
	unsigned char pattern;   /* malicious pattern, K_PAT_NONE */
	unsigned char victim;    /* pattern it fell victim to */
	unsigned char role;
	unsigned char labelled;
	unsigned char nfav;
	unsigned char sweep;     /* a forward is scheduled */
	unsigned char pkind;     /* a launched protocol's kind (EK_DEX...) */
	int32_t hot;             /* its exchange's hot wallet */
	int32_t deposit;         /* its deposit address, or -1 */
	int32_t bot;             /* MEV contract, or -1 */
	int32_t contacts[NCONTACT];
	int32_t fav[NFAV];       /* protocols it uses */
	double rate;             /* sessions per day */
	double size_mu;          /* log of its median transfer, ETH */
	int tz;                  /* hours east of UTC */
	int64_t born;            /* first activity */
	double bal;              /* ETH held */
	double tok[NTOK];        /* tokens held */
	struct k_rng rng;
};

enum rtype { RT_TX, RT_MARKET, RT_LABEL };
enum xfer { X_NATIVE, X_INTERNAL, X_TOKEN };

struct rec {
	int64_t ts;
	uint64_t seq;
	uint64_t raw;        /* amount in 10^-prec units; UINT64_MAX with
	                      * token T_SPAM: 2^256-1 */
	uint32_t txno;       /* hash source; hour for market, entity for
	                      * labels */
	int32_t from, to;    /* -1 to: contract creation */
	int32_t created;     /* the created contract, or -1 */
	float gas_price;
	uint32_t gas_used;
	uint16_t method;
	uint16_t part;       /* log index or trace index */
	unsigned char type, xfer, token, success;
};

enum evtype { EV_SESSION, EV_FORWARD, EV_MIXOUT, EV_LAUNCH, EV_SPAM,
              EV_DRAIN };

struct ev {
	int64_t t;
	uint64_t seq;
	int32_t ent;
	int32_t aux;
	double amt;
	unsigned char type;
};

struct k_simwallet {
	struct k_simwallet_params p;
	int64_t end_ms;
	size_t hours;
	double *eth_usd, *gas, *tvl;   /* per hour */
	struct ent *e;
	size_t ne, ce;
	struct rec *r;
	size_t nr, cr;
	uint64_t seq;
	uint32_t ntx;
	struct ev *heap;
	size_t nh, ch;
	int32_t fixed_of[EK_SPAMMER + 1][8]; /* fixed entities by kind */
	int nfixed_of[EK_SPAMMER + 1];
	int32_t tok_ent[NTOK];       /* token contract entities */
	int32_t newproto[64];        /* protocols launched so far */
	int nnew;
	int32_t relayers[6];
	int32_t spam_ent, spammer;
	size_t npop;                 /* population wallets created */
	int32_t pop0;                /* first of the initial population */
	struct k_rng env;            /* market, launches */
	uint64_t hash_key;
	int oom;
	size_t nlabels, nmarket, ntxrec;
	struct k_simwallet_stats st;
	/* phishing campaigns: drainer, cash-out, fake-claim contract */
	struct { int32_t drainer, cashout, contract; } *camp;
	size_t ncamp;
};

/* ---- small helpers ---- */

static uint64_t
mix64(uint64_t z)
{
	z += UINT64_C(0x9e3779b97f4a7c15);
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static double
lognormal(struct k_rng *r, double mu, double sd)
{
	return exp(mu + sd * k_rng_normal(r));
}

/* Lomax gap with the given mean and tail index alpha > 1. */
static double
lomax(struct k_rng *r, double mean, double alpha)
{
	double xm = mean * (alpha - 1);
	return xm * (pow(k_rng_open01(r), -1.0 / alpha) - 1);
}

static size_t
pick(struct k_rng *r, const double *w, size_t n)
{
	double tot = 0;
	for (size_t i = 0; i < n; i++)
		tot += w[i];
	double u = k_rng_uniform(r) * tot;
	for (size_t i = 0; i < n; i++) {
		if (u < w[i])
			return i;
		u -= w[i];
	}
	return n - 1;
}

static int
chance(struct k_rng *r, double p)
{
	return k_rng_uniform(r) < p;
}

static double
round_to(double x, double unit)
{
	return floor(x / unit + 0.5) * unit;
}

/* A round amount a person would type: 1-2 significant digits. */
static double
round_amount(double x)
{
	if (!(x > 0))
		return 0;
	double mag = pow(10, floor(log10(x)) - 1);
	double v = ceil(x / mag) * mag;
	return v;
}

static int64_t
slot(const struct k_simwallet *s, int64_t t)
{
	int64_t k = (t - s->p.start_ms) / SLOT_MS;
	if (t < s->p.start_ms)
		k = 0;
	return s->p.start_ms + k * SLOT_MS;
}

static size_t
hour_of(const struct k_simwallet *s, int64_t t)
{
	int64_t h = (t - s->p.start_ms) / K_MS_PER_HOUR;
	if (h < 0)
		h = 0;
	if ((size_t)h >= s->hours)
		h = (int64_t)s->hours - 1;
	return (size_t)h;
}

/* ---- entities ---- */

static int32_t
ent_new(struct k_simwallet *s, unsigned kind)
{
	if (s->ne == s->ce) {
		size_t nc = s->ce ? s->ce * 2 : 1024;
		struct ent *ne = realloc(s->e, nc * sizeof *ne);
		if (ne == NULL) {
			s->oom = 1;
			return 0;   /* entity 0 absorbs writes after OOM */
		}
		s->e = ne;
		s->ce = nc;
	}
	int32_t id = (int32_t)s->ne++;
	struct ent *e = &s->e[id];
	memset(e, 0, sizeof *e);
	e->kind = (unsigned char)kind;
	e->arch = K_ARCH_N;
	e->hot = -1;
	e->deposit = -1;
	e->bot = -1;
	for (int i = 0; i < NCONTACT; i++)
		e->contacts[i] = -1;
	uint64_t a = mix64(s->hash_key ^ ((uint64_t)id * 0x51ed27u + 17));
	uint64_t b = mix64(a ^ 0xa5a5a5a5u);
	uint64_t c = mix64(b);
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 40; i++) {
		uint64_t w = i < 16 ? a : i < 32 ? b : c;
		e->addr[i] = hex[(w >> (4 * (i % 16))) & 0xf];
	}
	e->addr[40] = '\0';
	k_rng_seed(&e->rng, s->p.seed, UINT64_C(0x10000) + (uint64_t)id);
	return id;
}

static void
label(struct k_simwallet *s, int32_t id, unsigned role, unsigned pattern)
{
	struct ent *e = &s->e[id];
	e->labelled = 1;
	e->role = (unsigned char)role;
	if (pattern != K_PAT_NONE)
		e->pattern = (unsigned char)pattern;
}

static int32_t
fixed_pick(struct k_simwallet *s, struct k_rng *r, unsigned kind)
{
	double w[8];
	int n = s->nfixed_of[kind];
	for (int i = 0; i < n; i++)
		w[i] = fixed[s->fixed_of[kind][i]].weight;
	return s->fixed_of[kind][pick(r, w, (size_t)n)];
}

/* ---- records ---- */

static struct rec *
rec_new(struct k_simwallet *s)
{
	if (s->nr == s->cr) {
		size_t nc = s->cr ? s->cr * 2 : 4096;
		struct rec *nrp = realloc(s->r, nc * sizeof *nrp);
		if (nrp == NULL) {
			s->oom = 1;
			return NULL;
		}
		s->r = nrp;
		s->cr = nc;
	}
	struct rec *r = &s->r[s->nr++];
	memset(r, 0, sizeof *r);
	r->seq = s->seq++;
	r->created = -1;
	return r;
}

static uint64_t
to_raw(unsigned token, double amount)
{
	if (!(amount > 0))
		return 0;
	double x = floor(amount * pow(10, tokens[token].prec) + 0.5);
	if (x >= 1.8e19)
		x = 1.8e19;
	return x < 1 ? 1 : (uint64_t)x;
}

static double
from_raw(unsigned token, uint64_t raw)
{
	return (double)raw / pow(10, tokens[token].prec);
}

struct txc {
	uint32_t no;
	int64_t t;
	float gp;
	uint32_t gu;
	uint16_t nlog, ntrace;
	int ok;
};

static float
gas_price(struct k_simwallet *s, struct k_rng *r, int64_t t, double tip)
{
	double g = s->gas[hour_of(s, t)] * lognormal(r, log(tip), 0.25);
	if (g < 0.05)
		g = 0.05;
	return (float)round_to(g, 0.001);
}

static uint32_t
gas_used(struct k_rng *r, unsigned m, int ok)
{
	double g = gas_of[m].med;
	if (gas_of[m].sd > 0)
		g *= lognormal(r, 0, gas_of[m].sd);
	if (!ok)
		g *= 0.2 + 0.6 * k_rng_uniform(r);
	if (g < 21000)
		g = 21000;
	return (uint32_t)g;
}

/* Begin a transaction from -> to (to -1: contract creation) carrying eth,
 * calling method m. The sender pays the fee; value moves only if ok. */
static struct txc
tx_begin(struct k_simwallet *s, struct k_rng *r, int64_t t, int32_t from,
         int32_t to, double eth, unsigned m, double tip, int ok)
{
	struct txc c = { 0 };
	c.no = s->ntx++;
	c.t = slot(s, t);
	c.gp = gas_price(s, r, c.t, tip);
	c.gu = gas_used(r, m, ok);
	c.ok = ok;
	struct rec *x = rec_new(s);
	if (x == NULL)
		return c;
	x->type = RT_TX;
	x->xfer = X_NATIVE;
	x->ts = c.t;
	x->txno = c.no;
	x->from = from;
	x->to = to;
	x->raw = to_raw(T_ETH, eth);
	x->gas_price = c.gp;
	x->gas_used = c.gu;
	x->method = (uint16_t)m;
	x->success = (unsigned char)ok;
	double v = from_raw(T_ETH, x->raw);
	s->e[from].bal -= (double)c.gp * c.gu * 1e-9;
	if (ok) {
		s->e[from].bal -= v;
		if (to >= 0)
			s->e[to].bal += v;
	}
	return c;
}

static void
tx_created(struct k_simwallet *s, int32_t contract)
{
	if (s->nr > 0)
		s->r[s->nr - 1].created = contract;
}

static void
tx_internal(struct k_simwallet *s, struct txc *c, int32_t from, int32_t to,
            double eth)
{
	if (!c->ok)
		return;
	struct rec *x = rec_new(s);
	if (x == NULL)
		return;
	x->type = RT_TX;
	x->xfer = X_INTERNAL;
	x->ts = c->t;
	x->txno = c->no;
	x->from = from;
	x->to = to;
	x->raw = to_raw(T_ETH, eth);
	x->gas_price = c->gp;
	x->gas_used = c->gu;
	x->success = 1;
	x->part = c->ntrace++;
	double v = from_raw(T_ETH, x->raw);
	s->e[from].bal -= v;
	s->e[to].bal += v;
}

static void
tx_token(struct k_simwallet *s, struct txc *c, unsigned token, int32_t from,
         int32_t to, double amount)
{
	if (!c->ok)
		return;
	struct rec *x = rec_new(s);
	if (x == NULL)
		return;
	x->type = RT_TX;
	x->xfer = X_TOKEN;
	x->ts = c->t;
	x->txno = c->no;
	x->from = from;
	x->to = to;
	x->token = (unsigned char)token;
	x->raw = token == T_SPAM && amount < 0 ? UINT64_MAX
	                                      : to_raw(token, amount);
	x->gas_price = c->gp;
	x->gas_used = c->gu;
	x->success = 1;
	x->part = c->nlog++;
	if (token != T_SPAM) {
		double v = from_raw(token, x->raw);
		s->e[from].tok[token] -= v;
		s->e[to].tok[token] += v;
	}
}

/* ---- events ---- */

static int
ev_less(const struct ev *a, const struct ev *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void
ev_push(struct k_simwallet *s, int64_t t, unsigned type, int32_t ent,
        int32_t aux, double amt)
{
	if (t >= s->end_ms)
		return;
	if (s->nh == s->ch) {
		size_t nc = s->ch ? s->ch * 2 : 1024;
		struct ev *nhp = realloc(s->heap, nc * sizeof *nhp);
		if (nhp == NULL) {
			s->oom = 1;
			return;
		}
		s->heap = nhp;
		s->ch = nc;
	}
	struct ev v = { t, s->seq++, ent, aux, amt, (unsigned char)type };
	size_t i = s->nh++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!ev_less(&v, &s->heap[p]))
			break;
		s->heap[i] = s->heap[p];
		i = p;
	}
	s->heap[i] = v;
}

static struct ev
ev_pop(struct k_simwallet *s)
{
	struct ev top = s->heap[0];
	struct ev last = s->heap[--s->nh];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l >= s->nh)
			break;
		m = l;
		if (l + 1 < s->nh && ev_less(&s->heap[l + 1], &s->heap[l]))
			m = l + 1;
		if (!ev_less(&s->heap[m], &last))
			break;
		s->heap[i] = s->heap[m];
		i = m;
	}
	if (s->nh > 0)
		s->heap[i] = last;
	return top;
}

/* ---- market ---- */

static int
build_market(struct k_simwallet *s)
{
	s->hours = (size_t)ceil(s->p.days * 24) + 1;
	s->eth_usd = malloc(s->hours * sizeof *s->eth_usd);
	s->gas = malloc(s->hours * sizeof *s->gas);
	s->tvl = malloc(s->hours * sizeof *s->tvl);
	if (!s->eth_usd || !s->gas || !s->tvl)
		return -1;
	struct k_rng *r = &s->env;
	double lp = log(2300), lg = 0, spike = 1;
	int spike_left = 0;
	for (size_t h = 0; h < s->hours; h++) {
		int64_t t = s->p.start_ms + (int64_t)h * K_MS_PER_HOUR;
		int64_t day = t / K_MS_PER_DAY;
		int hod = (int)((t / K_MS_PER_HOUR) % 24);
		int wd = (int)((day + 3) % 7);          /* 0 Monday */
		lp += 0.006 * k_rng_normal(r);
		lg = 0.9 * lg + 0.15 * k_rng_normal(r);
		if (spike_left > 0) {
			spike_left--;
		} else {
			spike = 1;
			if (chance(r, 1.0 / 168)) {
				spike = 2.5 + 3.5 * k_rng_uniform(r);
				spike_left = 1 + (int)k_rng_below(r, 6);
			}
		}
		double cyc = 1 + 0.25 * cos(2 * M_PI * (hod - 15) / 24.0);
		double wk = wd >= 5 ? 0.85 : 1.0;
		s->eth_usd[h] = round_to(exp(lp), 0.01);
		s->gas[h] = round_to(20 * exp(lg) * cyc * wk * spike, 0.001);
		s->tvl[h] = round_to(5.2e10 * pow(s->eth_usd[h] / 2300, 0.7) *
		                     exp(0.01 * k_rng_normal(r)), 1e6);
	}
	return 0;
}

static double
eth_usd(const struct k_simwallet *s, int64_t t)
{
	return s->eth_usd[hour_of(s, t)];
}

static double
token_usd(const struct k_simwallet *s, unsigned tk, int64_t t)
{
	return tokens[tk].usd > 0 ? tokens[tk].usd : eth_usd(s, t);
}

/* ---- the population ---- */

static int
is_weekend(int64_t t)
{
	int64_t day = t / K_MS_PER_DAY;
	return (day + 3) % 7 >= 5;
}

/* Probability of acting at time t for wallet e (thinning). */
static double
day_profile(const struct ent *e, int64_t t)
{
	const struct arch *a = &arch[e->arch];
	int h = (int)(((t / K_MS_PER_HOUR) % 24 + 24 + e->tz) % 24);
	double w;
	if (a->business)
		w = h >= 9 && h < 17 ? 1 : (h >= 7 && h < 20 ? 0.25 : 0.03);
	else
		w = h >= 9 && h < 23 ? 1 : (h >= 7 || h < 1 ? 0.5 : 0.12);
	double p = (1 - a->diurnal) + a->diurnal * w;
	if (is_weekend(t)) {
		if (a->weekend < 1)
			p *= a->weekend;
	} else if (a->weekend > 1) {
		p /= a->weekend;
	}
	return p;
}

static int64_t
next_session(struct k_simwallet *s, struct ent *e, int64_t t)
{
	const struct arch *a = &arch[e->arch];
	double mean_ms = K_MS_PER_DAY / e->rate;
	for (int tries = 0; tries < 1000; tries++) {
		t += (int64_t)lomax(&e->rng, mean_ms, a->alpha) + SLOT_MS;
		if (t >= s->end_ms)
			return t;
		if (chance(&e->rng, day_profile(e, t)))
			return t;
	}
	return t;
}

static int32_t
wallet_new(struct k_simwallet *s, unsigned ar, int64_t born)
{
	int32_t id = ent_new(s, EK_WALLET);
	struct ent *e = &s->e[id];
	const struct arch *a = &arch[ar];
	e->arch = (unsigned char)ar;
	e->rate = a->rate * s->p.activity * lognormal(&e->rng, 0, 0.8);
	e->size_mu = log(a->size) + 0.7 * k_rng_normal(&e->rng);
	static const int tzs[] = { -8, -5, -3, 0, 1, 2, 3, 5, 8, 9 };
	e->tz = tzs[k_rng_below(&e->rng, sizeof tzs / sizeof tzs[0])];
	e->born = born;
	e->hot = fixed_pick(s, &e->rng, EK_HOT);
	label(s, id, R_WALLET, K_PAT_NONE);
	/* protocols it uses: one or two per kind, by popularity */
	static const unsigned kinds[] = { EK_DEX, EK_DEX, EK_LEND, EK_STAKE,
	                                  EK_YIELD, EK_BRIDGE, EK_NFT };
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
		e->fav[e->nfav++] = fixed_pick(s, &e->rng, kinds[k]);
	if (born < s->p.start_ms) {
		/* held before the span: a balance in its own currency */
		e->bal = exp(e->size_mu) * lognormal(&e->rng, log(8), 0.8);
		double usd = e->bal * eth_usd(s, s->p.start_ms);
		if (chance(&e->rng, a->stable))
			e->tok[chance(&e->rng, 0.6) ? T_USDC : T_USDT] =
				round_to(usd * k_rng_uniform(&e->rng), 0.01);
	}
	s->npop++;
	return id;
}

static size_t
size_tail(struct k_rng *r)
{
	return chance(r, 0.05) ? 1 : 0;
}

/* A transfer size in ETH for wallet e. */
static double
draw_size(struct ent *e)
{
	double v = lognormal(&e->rng, e->size_mu, arch[e->arch].sigma);
	if (size_tail(&e->rng))
		v *= pow(k_rng_open01(&e->rng), -1 / 1.2);
	return round_to(v, 1e-6) + 1e-6;
}

static double
tip_of(const struct ent *e)
{
	return e->arch < K_ARCH_N ? arch[e->arch].tip : 1.1;
}

static int
call_ok(struct ent *e)
{
	double f = e->arch < K_ARCH_N ? arch[e->arch].fail : 0.01;
	return !chance(&e->rng, f);
}

static double
fee_reserve(const struct k_simwallet *s, int64_t t)
{
	return s->gas[hour_of(s, t)] * 3 * 400000 * 1e-9;
}

/* The exchange sends a round amount of ETH (or a token) to wallet w. */
static void
cex_withdraw(struct k_simwallet *s, int32_t w, int64_t t, unsigned tk,
             double amount)
{
	struct ent *e = &s->e[w];
	int32_t hot = e->hot >= 0 ? e->hot : fixed_pick(s, &e->rng, EK_HOT);
	if (tk == T_ETH) {
		struct txc c = tx_begin(s, &e->rng, t, hot, w,
		                        round_amount(amount), M_NONE, 1.0, 1);
		(void)c;
	} else {
		int32_t te = s->tok_ent[tk];
		struct txc c = tx_begin(s, &e->rng, t, hot, te, 0, M_TRANSFER,
		                        1.0, 1);
		tx_token(s, &c, tk, hot, w, round_amount(amount));
	}
}

/* Make sure w can spend eth (plus fees) at t: withdraw first if not. */
static int64_t
ensure_eth(struct k_simwallet *s, int32_t w, int64_t t, double eth)
{
	struct ent *e = &s->e[w];
	double need = eth + fee_reserve(s, t);
	if (e->bal >= need)
		return t;
	double amt = (need - e->bal) * (1.2 + 2 * k_rng_uniform(&e->rng));
	cex_withdraw(s, w, t, T_ETH, amt);
	return t + SLOT_MS * (1 + (int64_t)k_rng_below(&e->rng, 60));
}

static int32_t
deposit_of(struct k_simwallet *s, int32_t w)
{
	struct ent *e = &s->e[w];
	if (e->deposit < 0) {
		int32_t hot = e->hot >= 0 ? e->hot
		                          : fixed_pick(s, &e->rng, EK_HOT);
		int32_t d = ent_new(s, EK_DEPOSIT);
		e = &s->e[w];
		e->deposit = d;
		s->e[d].hot = hot;
		label(s, d, R_SERVICE, K_PAT_NONE);
	}
	return e->deposit;
}

/* Schedule the sweep of a deposit address (or any forwarder) to dst. */
static void
schedule_forward(struct k_simwallet *s, int32_t from, int32_t dst, int64_t t,
                 double median_min)
{
	struct ent *e = &s->e[from];
	if (e->sweep)
		return;
	e->sweep = 1;
	double d = lognormal(&e->rng, log(median_min), 0.8) * K_MS_PER_MINUTE;
	ev_push(s, t + (int64_t)d + SLOT_MS, EV_FORWARD, from, dst, 0);
}

/* Send everything held (ETH less the fee, and each token) to dst. */
static void
forward_all(struct k_simwallet *s, int32_t from, int32_t dst, int64_t t)
{
	struct ent *e = &s->e[from];
	e->sweep = 0;
	for (unsigned tk = 1; tk < NTOK; tk++) {
		if (tk == T_SPAM || s->e[from].tok[tk] <= 0)
			continue;
		double amt = s->e[from].tok[tk];
		struct txc c = tx_begin(s, &s->e[from].rng, t, from,
		                        s->tok_ent[tk], 0, M_TRANSFER, 1.1, 1);
		tx_token(s, &c, tk, from, dst, amt);
		t += SLOT_MS;
	}
	double fee = s->gas[hour_of(s, t)] * 1.3 * 21000 * 1e-9;
	double v = s->e[from].bal - fee;
	if (v > 1e-6)
		tx_begin(s, &s->e[from].rng, t, from, dst, floor(v * 1e6) / 1e6,
		         M_NONE, 1.1, 1);
	if (s->e[dst].kind == EK_DEPOSIT)
		schedule_forward(s, dst, s->e[dst].hot, t, 40);
}

static unsigned
pick_token(struct ent *e, int stable_bias)
{
	double ps = arch[e->arch].stable;
	if (stable_bias || chance(&e->rng, ps)) {
		double w[3] = { 50, 35, 15 };
		static const unsigned st[3] = { T_USDC, T_USDT, T_DAI };
		return st[pick(&e->rng, w, 3)];
	}
	static const unsigned vol[] = { T_WETH, T_WBTC, T_LINK, T_UNI, T_PEPE,
	                                T_SHIB, T_STETH };
	double w[] = { 25, 8, 10, 8, 12, 8, 6 };
	return vol[pick(&e->rng, w, sizeof w / sizeof w[0])];
}

static int32_t
fav_of(struct k_simwallet *s, int32_t w, unsigned kind)
{
	struct ent *e = &s->e[w];
	/* a DeFi user may try the newest protocol of this kind */
	if (s->nnew > 0 && chance(&e->rng, arch[e->arch].adopt)) {
		int32_t np = s->newproto[s->nnew - 1 -
		                         (int)k_rng_below(&e->rng,
		                                          (uint64_t)(s->nnew < 3 ? s->nnew : 3))];
		if (s->e[np].pkind == kind) {
			int have = 0;
			for (int i = 0; i < e->nfav; i++)
				have |= e->fav[i] == np;
			if (!have && e->nfav < NFAV)
				e->fav[e->nfav++] = np;
			return np;
		}
	}
	int32_t c[NFAV];
	int n = 0;
	for (int i = 0; i < e->nfav; i++) {
		int32_t f = e->fav[i];
		unsigned k = s->e[f].kind == EK_NEWPROTO ? s->e[f].pkind
		                                        : s->e[f].kind;
		if (k == kind)
			c[n++] = f;
	}
	if (n == 0)
		return fixed_pick(s, &e->rng, kind);
	return c[k_rng_below(&e->rng, (uint64_t)n)];
}

/* A wallet of the initial population, uniformly. */
static int32_t
pop_pick(const struct k_simwallet *s, struct k_rng *r)
{
	return s->pop0 + (int32_t)k_rng_below(r, s->p.wallets);
}

static int32_t
contact_of(struct k_simwallet *s, int32_t w)
{
	struct ent *e = &s->e[w];
	int i = (int)k_rng_below(&e->rng, NCONTACT);
	if (e->contacts[i] < 0 || chance(&e->rng, 0.15)) {
		/* a new counterparty: a neighbour (shared circles make
		 * triangles) or anyone */
		int32_t c;
		if (chance(&e->rng, 0.6) && s->npop > 2) {
			int64_t off = (int64_t)k_rng_below(&e->rng, 41) - 20;
			int64_t j = (int64_t)w + off;
			c = (j >= 0 && j < (int64_t)s->ne &&
			     s->e[j].kind == EK_WALLET) ? (int32_t)j : -1;
		} else {
			c = pop_pick(s, &e->rng);
		}
		if (c < 0 || c == w)
			c = e->contacts[i];
		if (c < 0)
			return -1;
		e->contacts[i] = c;
	}
	return e->contacts[i];
}

/* ---- actions of a population wallet ---- */

static void
act_send(struct k_simwallet *s, int32_t w, int64_t t)
{
	int32_t to = contact_of(s, w);
	if (to < 0)
		to = deposit_of(s, w);
	double v = draw_size(&s->e[w]);
	t = ensure_eth(s, w, t, v);
	tx_begin(s, &s->e[w].rng, t, w, to, v, M_NONE, tip_of(&s->e[w]), 1);
	if (s->e[to].kind == EK_DEPOSIT)
		schedule_forward(s, to, s->e[to].hot, t, 40);
}

static void
act_toksend(struct k_simwallet *s, int32_t w, int64_t t)
{
	struct ent *e = &s->e[w];
	unsigned tk = pick_token(e, 0);
	double amt = e->tok[tk] * (0.2 + 0.8 * k_rng_uniform(&e->rng));
	if (!(amt > 0))
		return;
	int32_t to = contact_of(s, w);
	if (to < 0)
		return;
	t = ensure_eth(s, w, t, 0);
	int ok = call_ok(&s->e[w]);
	struct txc c = tx_begin(s, &s->e[w].rng, t, w, s->tok_ent[tk], 0,
	                        M_TRANSFER, tip_of(&s->e[w]), ok);
	tx_token(s, &c, tk, w, to, amt);
}

static void
act_cexdep(struct k_simwallet *s, int32_t w, int64_t t)
{
	struct ent *e = &s->e[w];
	int32_t d = deposit_of(s, w);
	e = &s->e[w];
	int stable = -1;
	for (unsigned tk = T_USDC; tk <= T_DAI; tk++)
		if (e->tok[tk] > 10 && chance(&e->rng, 0.5))
			stable = (int)tk;
	if (stable > 0) {
		t = ensure_eth(s, w, t, 0);
		double amt = round_to(s->e[w].tok[stable] *
		                      (0.3 + 0.7 * k_rng_uniform(&s->e[w].rng)), 0.01);
		struct txc c = tx_begin(s, &s->e[w].rng, t, w,
		                        s->tok_ent[stable], 0, M_TRANSFER,
		                        tip_of(&s->e[w]), 1);
		tx_token(s, &c, (unsigned)stable, w, d, amt);
	} else {
		double v = draw_size(e);
		if (e->bal > v * 2 && chance(&e->rng, 0.3))
			v = e->bal * 0.9;   /* cashing out most of it */
		t = ensure_eth(s, w, t, v);
		tx_begin(s, &s->e[w].rng, t, w, d, v, M_NONE,
		         tip_of(&s->e[w]), 1);
	}
	schedule_forward(s, d, s->e[d].hot, t, 40);
}

static void
act_cexwd(struct k_simwallet *s, int32_t w, int64_t t)
{
	struct ent *e = &s->e[w];
	double v = draw_size(e);
	if (chance(&e->rng, arch[e->arch].stable * 0.5))
		cex_withdraw(s, w, t, chance(&e->rng, 0.6) ? T_USDC : T_USDT,
		             v * eth_usd(s, t));
	else
		cex_withdraw(s, w, t, T_ETH, v);
}

static void
act_swap(struct k_simwallet *s, int32_t w, int64_t t)
{
	struct ent *e = &s->e[w];
	int32_t dex = fav_of(s, w, EK_DEX);
	e = &s->e[w];
	unsigned tk = pick_token(e, 0);
	double px = eth_usd(s, t) / token_usd(s, tk, t);
	int ok;
	/* sell what it holds half the time, else buy with ETH */
	if (e->tok[tk] > 0 && chance(&e->rng, 0.5)) {
		double amt = e->tok[tk] * (0.3 + 0.7 * k_rng_uniform(&e->rng));
		t = ensure_eth(s, w, t, 0);
		ok = call_ok(&s->e[w]);
		struct txc c = tx_begin(s, &s->e[w].rng, t, w, dex, 0,
		                        M_SWAPTOKETH, tip_of(&s->e[w]), ok);
		tx_token(s, &c, tk, w, dex, amt);
		tx_internal(s, &c, dex, w, amt / px * 0.997);
	} else {
		double v = draw_size(e);
		t = ensure_eth(s, w, t, v);
		ok = call_ok(&s->e[w]);
		unsigned m = s->e[dex].kind == EK_NEWPROTO ? M_SWAP :
		             chance(&s->e[w].rng, 0.5) ? M_SWAPETHTOK : M_EXECUTE;
		struct txc c = tx_begin(s, &s->e[w].rng, t, w, dex, v, m,
		                        tip_of(&s->e[w]), ok);
		tx_token(s, &c, tk, dex, w, v * px * 0.997);
	}
}

static void
act_lend(struct k_simwallet *s, int32_t w, int64_t t)
{
	struct ent *e = &s->e[w];
	int32_t pool = fav_of(s, w, EK_LEND);
	e = &s->e[w];
	unsigned tk = pick_token(e, 1);
	t = ensure_eth(s, w, t, 0);
	int ok = call_ok(&s->e[w]);
	double u = k_rng_uniform(&s->e[w].rng);
	if (u < 0.5 && s->e[w].tok[tk] > 1) {
		double amt = s->e[w].tok[tk] * (0.4 + 0.6 * k_rng_uniform(&s->e[w].rng));
		struct txc c = tx_begin(s, &s->e[w].rng, t, w, pool, 0,
		                        chance(&s->e[w].rng, 0.5) ? M_SUPPLY : M_DEPOSIT,
		                        tip_of(&s->e[w]), ok);
		tx_token(s, &c, tk, w, pool, amt);
	} else if (u < 0.75) {
		double amt = draw_size(&s->e[w]) * eth_usd(s, t) * 0.5;
		struct txc c = tx_begin(s, &s->e[w].rng, t, w, pool, 0, M_BORROW,
		                        tip_of(&s->e[w]), ok);
		tx_token(s, &c, tk, pool, w, amt);
	} else if (s->e[w].tok[tk] > 1) {
		double amt = s->e[w].tok[tk] * 0.5;
		struct txc c = tx_begin(s, &s->e[w].rng, t, w, pool, 0, M_REPAY,
		                        tip_of(&s->e[w]), ok);
		tx_token(s, &c, tk, w, pool, amt);
	} else {
		double amt = draw_size(&s->e[w]) * eth_usd(s, t);
		struct txc c = tx_begin(s, &s->e[w].rng, t, w, pool, 0,
		                        M_WITHDRAW, tip_of(&s->e[w]), ok);
		tx_token(s, &c, tk, pool, w, amt);
	}
}

static void
act_stake(struct k_simwallet *s, int32_t w, int64_t t)
{
	int32_t lido = fav_of(s, w, EK_STAKE);
	double v = draw_size(&s->e[w]);
	t = ensure_eth(s, w, t, v);
	int ok = call_ok(&s->e[w]);
	struct txc c = tx_begin(s, &s->e[w].rng, t, w, lido, v, M_SUBMIT,
	                        tip_of(&s->e[w]), ok);
	tx_token(s, &c, T_STETH, s->fixed_of[EK_ZERO][0], w, v);
}

static void
act_yield(struct k_simwallet *s, int32_t w, int64_t t)
{
	int32_t v = fav_of(s, w, EK_YIELD);
	struct ent *e = &s->e[w];
	t = ensure_eth(s, w, t, 0);
	int ok = call_ok(&s->e[w]);
	double u = k_rng_uniform(&e->rng);
	unsigned tk = pick_token(e, 1);
	if (u < 0.4) {
		double amt = e->tok[tk] > 1 ? e->tok[tk] * 0.8
		                            : draw_size(e) * eth_usd(s, t);
		if (e->tok[tk] <= 1)
			cex_withdraw(s, w, t - SLOT_MS * 20, tk, amt * 1.1);
		struct txc c = tx_begin(s, &s->e[w].rng, t, w, v, 0, M_DEPOSIT,
		                        tip_of(&s->e[w]), ok);
		tx_token(s, &c, tk, w, v, amt);
	} else if (u < 0.8) {
		/* harvest: a small reward */
		double amt = lognormal(&e->rng, log(40), 1.0);
		struct txc c = tx_begin(s, &s->e[w].rng, t, w, v, 0,
		                        chance(&e->rng, 0.5) ? M_GETREWARD : M_CLAIM,
		                        tip_of(&s->e[w]), ok);
		tx_token(s, &c, T_CRV, v, w, amt);
	} else {
		double amt = draw_size(e) * eth_usd(s, t);
		struct txc c = tx_begin(s, &s->e[w].rng, t, w, v, 0, M_WITHDRAW,
		                        tip_of(&s->e[w]), ok);
		tx_token(s, &c, tk, v, w, amt);
	}
}

static void
act_bridge(struct k_simwallet *s, int32_t w, int64_t t)
{
	int32_t b = fav_of(s, w, EK_BRIDGE);
	double v = draw_size(&s->e[w]);
	t = ensure_eth(s, w, t, v);
	int ok = call_ok(&s->e[w]);
	static const unsigned m[3] = { M_DEPOSITETH, M_DEPOSITTX,
	                               M_DEPOSITETHERFOR };
	tx_begin(s, &s->e[w].rng, t, w, b, v,
	         m[k_rng_below(&s->e[w].rng, 3)], tip_of(&s->e[w]), ok);
}

static void
act_nft(struct k_simwallet *s, int32_t w, int64_t t)
{
	int32_t sea = fav_of(s, w, EK_NFT);
	double v = draw_size(&s->e[w]) * 0.5;
	int32_t seller = contact_of(s, w);
	if (seller < 0)
		return;
	t = ensure_eth(s, w, t, v);
	int ok = call_ok(&s->e[w]);
	struct txc c = tx_begin(s, &s->e[w].rng, t, w, sea, v, M_FULFILL,
	                        tip_of(&s->e[w]), ok);
	tx_internal(s, &c, sea, seller, v * 0.975);
}

static void
act_approve(struct k_simwallet *s, int32_t w, int64_t t)
{
	struct ent *e = &s->e[w];
	unsigned tk = pick_token(e, 0);
	t = ensure_eth(s, w, t, 0);
	tx_begin(s, &s->e[w].rng, t, w, s->tok_ent[tk], 0, M_APPROVE,
	         tip_of(&s->e[w]), 1);
}

static void
act_mixer(struct k_simwallet *s, int32_t w, int64_t t)
{
	struct ent *e = &s->e[w];
	int d = chance(&e->rng, 0.55) ? 0 : chance(&e->rng, 0.8) ? 1 : 2;
	double v = mixer_denom[d];
	t = ensure_eth(s, w, t, v);
	int32_t pool = s->fixed_of[EK_MIXER][d];
	tx_begin(s, &s->e[w].rng, t, w, pool, v, M_DEPOSIT, tip_of(&s->e[w]), 1);
	/* the note is withdrawn days later, to itself or a fresh wallet */
	double delay = lognormal(&s->e[w].rng, log(2 * K_MS_PER_DAY), 1.0);
	ev_push(s, t + (int64_t)delay, EV_MIXOUT, w, d, v);
}

static void
act_mev(struct k_simwallet *s, int32_t w, int64_t t)
{
	struct ent *e = &s->e[w];
	if (e->bot < 0) {
		int32_t bot = ent_new(s, EK_BOT);
		e = &s->e[w];
		e->bot = bot;
		s->e[bot].tok[T_WETH] = 1e9;
		if (e->born >= s->p.start_ms) {
			t = ensure_eth(s, w, t, 0);
			tx_begin(s, &s->e[w].rng, t, w, -1, 0, M_CREATE, 1.2, 1);
			tx_created(s, bot);
			t += SLOT_MS;
		}
	}
	e = &s->e[w];
	int32_t bot = e->bot;
	t = ensure_eth(s, w, t, 0);
	/* a bundle: two or three calls in one block */
	int n = 2 + (int)k_rng_below(&e->rng, 2);
	for (int i = 0; i < n; i++) {
		int ok = call_ok(&s->e[w]);
		struct txc c = tx_begin(s, &s->e[w].rng, t, w, bot, 0,
		                        chance(&s->e[w].rng, 0.6) ? M_MEV1 : M_MEV2,
		                        tip_of(&s->e[w]), ok);
		int32_t dex = fixed_pick(s, &s->e[w].rng, EK_DEX);
		double v = draw_size(&s->e[w]);
		tx_token(s, &c, T_WETH, bot, dex, v);
		tx_token(s, &c, T_WETH, dex, bot, v * (1 + 0.002 * k_rng_uniform(&s->e[w].rng)));
		int32_t builder = fixed_pick(s, &s->e[w].rng, EK_BUILDER);
		tx_internal(s, &c, bot, builder, v * 0.0015);
	}
	/* now and then the profit comes home */
	if (chance(&s->e[w].rng, 0.05)) {
		int ok = 1;
		struct txc c = tx_begin(s, &s->e[w].rng, t + SLOT_MS, w, bot, 0,
		                        M_WITHDRAW, tip_of(&s->e[w]), ok);
		tx_internal(s, &c, bot, w, lognormal(&s->e[w].rng, log(0.5), 0.8));
	}
}

static void
do_action(struct k_simwallet *s, int32_t w, int64_t t)
{
	struct ent *e = &s->e[w];
	size_t a = pick(&e->rng, arch[e->arch].act, A_N);
	switch (a) {
	case A_SEND: act_send(s, w, t); break;
	case A_TOKSEND: act_toksend(s, w, t); break;
	case A_CEXDEP: act_cexdep(s, w, t); break;
	case A_CEXWD: act_cexwd(s, w, t); break;
	case A_SWAP: act_swap(s, w, t); break;
	case A_LEND: act_lend(s, w, t); break;
	case A_STAKE: act_stake(s, w, t); break;
	case A_YIELD: act_yield(s, w, t); break;
	case A_BRIDGE: act_bridge(s, w, t); break;
	case A_NFT: act_nft(s, w, t); break;
	case A_APPROVE: act_approve(s, w, t); break;
	case A_MIXER: act_mixer(s, w, t); break;
	default: act_mev(s, w, t); break;
	}
}

/* A new wallet's first inflow: an exchange withdrawal, a friend, or (for
 * privacy-focused wallets) a mixer withdrawal made by the caller. */
static void
fund_new(struct k_simwallet *s, int32_t w, int64_t t)
{
	struct ent *e = &s->e[w];
	double v = exp(e->size_mu) * lognormal(&e->rng, log(4), 0.6);
	int32_t friend = -1;
	if (chance(&e->rng, 0.25))
		friend = contact_of(s, w);
	if (friend >= 0 && s->e[friend].bal > v * 1.5 &&
	    s->e[friend].born < t) {
		tx_begin(s, &s->e[friend].rng, t, friend, w, round_amount(v),
		         M_NONE, tip_of(&s->e[friend]), 1);
	} else {
		cex_withdraw(s, w, t, T_ETH, v);
	}
}

static void
session(struct k_simwallet *s, int32_t w, int64_t t)
{
	struct ent *e = &s->e[w];
	const struct arch *a = &arch[e->arch];
	int n = 1;
	double q = 1.0 / a->session;
	while (n < 40 && !chance(&e->rng, q))
		n++;
	for (int i = 0; i < n; i++) {
		do_action(s, w, t);
		e = &s->e[w];
		t += e->arch == K_ARCH_MEV ? SLOT_MS * (int64_t)k_rng_below(&e->rng, 3)
		     : (int64_t)(lognormal(&e->rng, log(90e3), 1.0)) + SLOT_MS;
	}
	ev_push(s, next_session(s, &s->e[w], t), EV_SESSION, w, 0, 0);
}

/* ---- malicious schemes ---- */

static int32_t
scheme_addr(struct k_simwallet *s, unsigned pat, unsigned role)
{
	int32_t id = ent_new(s, role == R_CONTRACT ? EK_SCHEME_CONTRACT
	                                          : EK_SCHEME);
	label(s, id, role, pat);
	s->st.malicious++;
	s->st.by_pattern[pat]++;
	return id;
}

static int64_t
minutes(struct k_rng *r, double median)
{
	return (int64_t)(lognormal(r, log(median), 0.7) * K_MS_PER_MINUTE) +
	       SLOT_MS;
}

/* A fresh exchange deposit address for the scheme's cash-out. */
static int32_t
scheme_deposit(struct k_simwallet *s, struct k_rng *r)
{
	int32_t d = ent_new(s, EK_DEPOSIT);
	s->e[d].hot = fixed_pick(s, r, EK_HOT);
	label(s, d, R_SERVICE, K_PAT_NONE);
	return d;
}

static int64_t
mixer_deposits(struct k_simwallet *s, struct k_rng *r, int32_t from,
               double amount, int64_t t, double tip)
{
	while (amount >= 1.0) {
		int d = amount >= 100 ? 3 : amount >= 10 ? 2 : 1;
		double v = mixer_denom[d];
		s->e[from].bal += v + 0.05;   /* fees from the proceeds */
		tx_begin(s, r, t, from, s->fixed_of[EK_MIXER][d], v, M_DEPOSIT,
		         tip, 1);
		amount -= v;
		t += minutes(r, 8);
	}
	return t;
}

/* A relayer withdraws a note of denomination d to recipient. */
static void
mixer_withdraw(struct k_simwallet *s, struct k_rng *r, int64_t t, int d,
               int32_t recipient)
{
	int32_t rel = s->relayers[k_rng_below(r, 6)];
	int32_t pool = s->fixed_of[EK_MIXER][d];
	s->e[rel].bal += 1;
	struct txc c = tx_begin(s, r, t, rel, pool, 0, M_WITHDRAW, 1.3, 1);
	double fee = mixer_denom[d] * 0.003;
	s->e[pool].bal += mixer_denom[d];
	tx_internal(s, &c, pool, recipient, mixer_denom[d] - fee);
	tx_internal(s, &c, pool, rel, fee);
}

static void
scheme_rapid(struct k_simwallet *s, struct k_rng *r, int64_t t0)
{
	const unsigned P = K_PAT_RAPID;
	double amt = lognormal(r, log(60), 1.3) + 5;
	int32_t src;
	int32_t a = scheme_addr(s, P, R_ATTACKER);
	if (chance(r, 0.5)) {
		src = fixed_pick(s, r, EK_FLAGGED);
		s->e[src].bal += amt + 1;
		tx_begin(s, r, t0, src, a, round_to(amt, 1e-4), M_NONE, 1.5, 1);
	} else {
		/* a drained population wallet: the victim */
		src = pop_pick(s, r);
		if (s->e[src].kind != EK_WALLET)
			src = s->fixed_of[EK_FLAGGED][0];
		else
			s->e[src].victim = (unsigned char)P;
		amt = s->e[src].bal > 1 ? s->e[src].bal * 0.98 : amt;
		s->e[src].bal += 0.05;
		tx_begin(s, r, t0, src, a, round_to(amt, 1e-6), M_NONE, 2.0, 1);
	}
	int hops = 3 + (int)k_rng_below(r, 5);
	int32_t cur = a;
	int64_t t = t0;
	int tokens_path = chance(r, 0.3);
	double held = amt;
	if (tokens_path) {
		/* swap into USDT first, then move the token */
		t += minutes(r, 3);
		int32_t dex = fixed_pick(s, r, EK_DEX);
		struct txc c = tx_begin(s, r, t, cur, dex, round_to(held * 0.99, 1e-4),
		                        M_SWAPETHTOK, 2.0, 1);
		held = held * 0.99 * eth_usd(s, t) * 0.997;
		tx_token(s, &c, T_USDT, dex, cur, held);
	}
	for (int h = 0; h < hops; h++) {
		int32_t m = scheme_addr(s, P, R_MULE);
		int32_t peel = scheme_addr(s, P, R_PEEL);
		double pf = 0.05 + 0.10 * k_rng_uniform(r);
		t += minutes(r, 4);
		s->e[cur].bal += 0.02;
		if (tokens_path) {
			struct txc c = tx_begin(s, r, t, cur, s->tok_ent[T_USDT], 0,
			                        M_TRANSFER, 1.8, 1);
			tx_token(s, &c, T_USDT, cur, m, held * (1 - pf));
			struct txc c2 = tx_begin(s, r, t + SLOT_MS, cur,
			                         s->tok_ent[T_USDT], 0, M_TRANSFER,
			                         1.8, 1);
			tx_token(s, &c2, T_USDT, cur, peel, held * pf);
		} else {
			tx_begin(s, r, t, cur, m, round_to(held * (1 - pf), 1e-6),
			         M_NONE, 1.8, 1);
			tx_begin(s, r, t + SLOT_MS, cur, peel,
			         round_to(held * pf * 0.99, 1e-6), M_NONE, 1.8, 1);
		}
		/* the peel cashes out later at an exchange */
		int32_t dep = scheme_deposit(s, r);
		s->e[peel].bal += 0.01;
		schedule_forward(s, peel, dep, t, 600);
		held *= 1 - pf;
		cur = m;
	}
	/* the end of the chain: exchanges or the mixer */
	t += minutes(r, 5);
	s->e[cur].bal += 0.05;
	if (!tokens_path && chance(r, 0.4) && held >= 1) {
		mixer_deposits(s, r, cur, held, t, 1.5);
		return;
	}
	int k = 2 + (int)k_rng_below(r, 4);
	for (int i = 0; i < k; i++) {
		int32_t dep = scheme_deposit(s, r);
		if (tokens_path) {
			struct txc c = tx_begin(s, r, t, cur, s->tok_ent[T_USDT], 0,
			                        M_TRANSFER, 1.5, 1);
			tx_token(s, &c, T_USDT, cur, dep, held / k);
		} else {
			tx_begin(s, r, t, cur, dep, round_to(held / k * 0.99, 1e-6),
			         M_NONE, 1.5, 1);
		}
		schedule_forward(s, dep, s->e[dep].hot, t, 40);
		t += minutes(r, 2);
	}
}

static void
scheme_circular(struct k_simwallet *s, struct k_rng *r, int64_t t0)
{
	const unsigned P = K_PAT_CIRCULAR;
	int k = 3 + (int)k_rng_below(r, 3);
	int32_t ring[5];
	for (int i = 0; i < k; i++)
		ring[i] = scheme_addr(s, P, R_RING);
	/* sometimes a professional trader of the population runs the ring */
	if (chance(r, 0.3)) {
		for (int tries = 0; tries < 50; tries++) {
			int32_t w = pop_pick(s, r);
			if (s->e[w].kind == EK_WALLET &&
			    s->e[w].arch == K_ARCH_PRO_TRADER &&
			    s->e[w].pattern == K_PAT_NONE) {
				s->st.malicious++;
				s->st.by_pattern[P]++;
				s->e[w].pattern = (unsigned char)P;
				s->e[w].role = R_RING;
				ring[0] = w;
				break;
			}
		}
	}
	double v = lognormal(r, log(25), 1.0) + 1;
	int32_t hot = fixed_pick(s, r, EK_HOT);
	tx_begin(s, r, t0, hot, ring[0], round_amount(v), M_NONE, 1.0, 1);
	v = round_amount(v);
	int rounds = 3 + (int)k_rng_below(r, 10);
	int use_token = chance(r, 0.3);
	int64_t t = t0 + minutes(r, 30);
	if (use_token) {
		int32_t dex = fixed_pick(s, r, EK_DEX);
		s->e[ring[0]].bal += 0.05;
		struct txc c = tx_begin(s, r, t, ring[0], dex, round_to(v * 0.98, 1e-4),
		                        M_SWAPETHTOK, 1.3, 1);
		v = v * 0.98 * eth_usd(s, t) * 0.997;
		tx_token(s, &c, T_USDC, dex, ring[0], v);
	}
	for (int rd = 0; rd < rounds; rd++) {
		for (int i = 0; i < k; i++) {
			int32_t a = ring[i], b = ring[(i + 1) % k];
			t += minutes(r, 20);
			s->e[a].bal += 0.01;
			double amt = v * (0.97 + 0.03 * k_rng_uniform(r));
			if (use_token) {
				struct txc c = tx_begin(s, r, t, a, s->tok_ent[T_USDC], 0,
				                        M_TRANSFER, 1.3, 1);
				tx_token(s, &c, T_USDC, a, b, amt);
			} else {
				tx_begin(s, r, t, a, b, round_to(amt, 1e-6), M_NONE,
				         1.3, 1);
			}
			v = amt;
		}
		t += (int64_t)(lognormal(r, log(6), 0.8) * K_MS_PER_HOUR);
	}
}

static void
scheme_mixer(struct k_simwallet *s, struct k_rng *r, int64_t t0)
{
	const unsigned P = K_PAT_MIXER;
	int32_t a = scheme_addr(s, P, R_ATTACKER);
	double amt = lognormal(r, log(80), 1.0) + 3;
	int32_t src = fixed_pick(s, r, EK_FLAGGED);
	s->e[src].bal += amt + 1;
	tx_begin(s, r, t0, src, a, round_to(amt, 1e-4), M_NONE, 1.5, 1);
	/* deposits over some hours */
	int64_t t = t0 + minutes(r, 30);
	int notes[64];
	int nn = 0;
	double left = amt;
	while (left >= 1 && nn < 64) {
		int d = left >= 100 ? 3 : left >= 10 ? 2 : 1;
		s->e[a].bal += 0.05;
		tx_begin(s, r, t, a, s->fixed_of[EK_MIXER][d], mixer_denom[d],
		         M_DEPOSIT, 1.4, 1);
		notes[nn++] = d;
		left -= mixer_denom[d];
		t += minutes(r, 25);
	}
	/* withdrawals days later to fresh addresses, which cash out */
	for (int i = 0; i < nn; i++) {
		int64_t tw = t + (int64_t)(lognormal(r, log(3), 0.6) * K_MS_PER_DAY);
		int32_t rcp = scheme_addr(s, P, R_WITHDRAWAL);
		mixer_withdraw(s, r, tw, notes[i], rcp);
		int32_t dep = scheme_deposit(s, r);
		schedule_forward(s, rcp, dep, tw, 90);
	}
}

static void
scheme_fresh(struct k_simwallet *s, struct k_rng *r, int64_t t0)
{
	const unsigned P = K_PAT_FRESH_ATTACK;
	int32_t f = scheme_addr(s, P, R_ATTACKER);
	/* funded through the mixer (or by another fresh address) */
	if (chance(r, 0.7)) {
		mixer_withdraw(s, r, t0, chance(r, 0.5) ? 0 : 1, f);
	} else {
		int32_t g = scheme_addr(s, P, R_MULE);
		mixer_withdraw(s, r, t0 - K_MS_PER_HOUR, 1, g);
		tx_begin(s, r, t0, g, f, 0.9, M_NONE, 1.5, 1);
	}
	int64_t t = t0 + minutes(r, 45);
	int32_t c = scheme_addr(s, P, R_CONTRACT);
	s->e[f].bal += 0.3;
	tx_begin(s, r, t, f, -1, 0, M_CREATE, 2.0, 1);
	tx_created(s, c);
	/* the target: a newly launched protocol when there is one */
	int32_t target = s->nnew > 0 && chance(r, 0.6)
	                 ? s->newproto[k_rng_below(r, (uint64_t)s->nnew)]
	                 : fixed_pick(s, r, chance(r, 0.5) ? EK_LEND : EK_DEX);
	int probes = 1 + (int)k_rng_below(r, 4);
	for (int i = 0; i < probes; i++) {
		t += minutes(r, 6);
		tx_begin(s, r, t, f, c, 0, M_EXPLOIT, 2.5, chance(r, 0.3));
	}
	t += minutes(r, 10);
	double loot = lognormal(r, log(300), 1.2) + 10;
	s->e[target].bal += loot;
	struct txc x = tx_begin(s, r, t, f, c, 0, M_EXPLOIT, 4.0, 1);
	tx_internal(s, &x, target, c, loot);
	tx_internal(s, &x, c, f, loot);
	if (chance(r, 0.5))
		tx_token(s, &x, T_USDC, target, f,
		         loot * eth_usd(s, t) * 0.3);
	/* dispersal within minutes */
	int k = 3 + (int)k_rng_below(r, 6);
	for (int i = 0; i < k; i++) {
		int32_t d = scheme_addr(s, P, R_DISPERSAL);
		t += minutes(r, 2);
		double part = loot / k * 0.99;
		tx_begin(s, r, t, f, d, round_to(part, 1e-6), M_NONE, 2.0, 1);
		if (chance(r, 0.5) && part >= 1) {
			mixer_deposits(s, r, d, part, t + minutes(r, 20), 1.5);
		} else {
			int32_t b = fixed_pick(s, r, EK_BRIDGE);
			tx_begin(s, r, t + minutes(r, 15), d, b,
			         round_to(part * 0.98, 1e-6), M_DEPOSITETH, 1.5, 1);
		}
	}
	if (s->e[f].tok[T_USDC] > 0)
		schedule_forward(s, f, scheme_addr(s, P, R_CASHOUT), t, 30);
}

static void
scheme_phishing(struct k_simwallet *s, struct k_rng *r, int64_t t0)
{
	const unsigned P = K_PAT_PHISHING;
	void *nc = realloc(s->camp, (s->ncamp + 1) * sizeof *s->camp);
	if (nc == NULL) {
		s->oom = 1;
		return;
	}
	s->camp = nc;
	size_t ci = s->ncamp++;
	s->camp[ci].drainer = scheme_addr(s, P, R_DRAINER);
	s->camp[ci].cashout = scheme_addr(s, P, R_CASHOUT);
	s->camp[ci].contract = scheme_addr(s, P, R_CONTRACT);
	s->e[s->camp[ci].drainer].bal += 0.5;
	tx_begin(s, r, t0 - K_MS_PER_HOUR, s->camp[ci].drainer, -1, 0, M_CREATE,
	         1.5, 1);
	tx_created(s, s->camp[ci].contract);
	int k = 5 + (int)k_rng_below(r, 30);
	double span = (1 + 4 * k_rng_uniform(r)) * K_MS_PER_DAY;
	for (int i = 0; i < k; i++) {
		int32_t v = -1;
		for (int tries = 0; tries < 50 && v < 0; tries++) {
			int32_t w = pop_pick(s, r);
			if (s->e[w].kind == EK_WALLET && s->e[w].victim == 0 &&
			    s->e[w].pattern == 0 &&
			    (s->e[w].arch == K_ARCH_RETAIL_ACTIVE ||
			     s->e[w].arch == K_ARCH_RETAIL_CONSERVATIVE ||
			     s->e[w].arch == K_ARCH_DEFI_POWER))
				v = w;
		}
		if (v < 0)
			continue;
		s->e[v].victim = (unsigned char)P;
		s->st.victims++;
		ev_push(s, t0 + (int64_t)(span * k_rng_uniform(r)), EV_DRAIN, v,
		        (int32_t)ci, 0);
	}
}

/* A victim signs, the drainer pulls within minutes. */
static void
drain(struct k_simwallet *s, int32_t v, size_t ci, int64_t t)
{
	struct ent *e = &s->e[v];
	int32_t dr = s->camp[ci].drainer;
	int best = -1;
	for (unsigned tk = 1; tk < NTOK; tk++)
		if (tk != T_SPAM && e->tok[tk] * token_usd(s, tk, t) > 50 &&
		    (best < 0 || e->tok[tk] * token_usd(s, tk, t) >
		                 e->tok[best] * token_usd(s, (unsigned)best, t)))
			best = (int)tk;
	t = ensure_eth(s, v, t, 0);
	if (best > 0 && chance(&e->rng, 0.7)) {
		tx_begin(s, &s->e[v].rng, t, v, s->tok_ent[best], 0,
		         chance(&s->e[v].rng, 0.8) ? M_APPROVE : M_SETAPPROVALALL,
		         1.2, 1);
		int64_t td = t + minutes(&s->e[v].rng, 3);
		s->e[dr].bal += 0.02;
		struct txc c = tx_begin(s, &s->e[v].rng, td, dr,
		                        s->tok_ent[best], 0, M_TRANSFERFROM, 2.0, 1);
		tx_token(s, &c, (unsigned)best, v, dr, s->e[v].tok[best]);
		schedule_forward(s, dr, s->camp[ci].cashout, td, 20);
	} else {
		double amt = s->e[v].bal * (0.5 + 0.45 * k_rng_uniform(&s->e[v].rng));
		if (amt < 0.01)
			amt = 0.01;
		t = ensure_eth(s, v, t, amt);
		int32_t ct = s->camp[ci].contract;
		struct txc c = tx_begin(s, &s->e[v].rng, t, v, ct,
		                        round_to(amt, 1e-6), M_SECURITYUPDATE, 1.2, 1);
		tx_internal(s, &c, ct, dr, round_to(amt, 1e-6));
		schedule_forward(s, dr, s->camp[ci].cashout, t, 20);
	}
	/* the cash-out address goes to an exchange or the mixer */
	int32_t co = s->camp[ci].cashout;
	if (!s->e[co].sweep) {
		int32_t dep = scheme_deposit(s, &s->e[co].rng);
		schedule_forward(s, co, dep, t + K_MS_PER_HOUR, 60);
	}
}

/* ---- the run ---- */

void
k_simwallet_default(struct k_simwallet_params *p)
{
	memset(p, 0, sizeof *p);
	p->wallets = 1000;
	p->days = 30;
	p->start_ms = BLOCK0_MS;
	p->malicious = 0.02;
	for (int i = 0; i < K_ARCH_N; i++)
		p->mix[i] = arch[i].mix;
	p->activity = 1;
	p->seed = 1;
	p->market = 1;
	p->labels = 1;
}

const char *
k_simwallet_check(const struct k_simwallet_params *p)
{
	if (p->wallets < 1 || p->wallets > MAX_WALLETS)
		return "wallets: must be from 1 to 10000000";
	if (!(p->days >= 1.0 / 24 && p->days <= MAX_DAYS))
		return "days: must be from 1/24 to 3650";
	if (!(p->malicious >= 0 && p->malicious <= 0.5))
		return "malicious: must be from 0 to 0.5";
	if (!(p->activity > 0 && p->activity <= 100))
		return "activity: must be in (0, 100]";
	double tot = 0;
	for (int i = 0; i < K_ARCH_N; i++) {
		if (!(p->mix[i] >= 0) || !isfinite(p->mix[i]))
			return "mix: weights must be finite and >= 0";
		tot += p->mix[i];
	}
	if (!(tot > 0))
		return "mix: at least one weight must be > 0";
	if (p->start_ms < INT64_C(-62135596800000) ||
	    p->start_ms > INT64_C(253402300799000) -
	                  (int64_t)(MAX_DAYS * K_MS_PER_DAY))
		return "start: out of range";
	return NULL;
}

static int
rec_cmp(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	if (x->type == RT_LABEL || y->type == RT_LABEL) {
		if (x->type != y->type)
			return x->type == RT_LABEL ? -1 : 1;
	} else if (x->ts != y->ts) {
		return x->ts < y->ts ? -1 : 1;
	}
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
init_fixed(struct k_simwallet *s)
{
	for (size_t i = 0; i < NFIXED; i++) {
		int32_t id = ent_new(s, fixed[i].kind);
		memcpy(s->e[id].addr, fixed[i].addr, 41);
		int k = fixed[i].kind;
		if (s->nfixed_of[k] < 8)
			s->fixed_of[k][s->nfixed_of[k]++] = id;
		if (k == EK_HOT) {
			s->e[id].bal = 1e9;
			for (unsigned tk = 1; tk < NTOK; tk++)
				s->e[id].tok[tk] = 1e12;
		}
	}
	for (unsigned tk = 1; tk < NTOK; tk++) {
		s->tok_ent[tk] = -1;
		if (tokens[tk].addr == NULL)
			continue;
		/* stETH is the Lido contract itself */
		int32_t found = -1;
		for (size_t i = 0; i < NFIXED; i++)
			if (strcmp(fixed[i].addr, tokens[tk].addr) == 0)
				found = (int32_t)i;
		if (found < 0) {
			found = ent_new(s, EK_TOKEN);
			memcpy(s->e[found].addr, tokens[tk].addr, 41);
		}
		s->tok_ent[tk] = found;
	}
	s->tok_ent[0] = 0;
	for (int i = 0; i < 6; i++) {
		s->relayers[i] = ent_new(s, EK_RELAYER);
		s->e[s->relayers[i]].bal = 50;
		label(s, s->relayers[i], R_SERVICE, K_PAT_NONE);
	}
	s->spammer = ent_new(s, EK_SPAMMER);
	label(s, s->spammer, R_SERVICE, K_PAT_NONE);
	s->e[s->spammer].bal = 20;
	s->spam_ent = ent_new(s, EK_TOKEN);
	s->tok_ent[T_SPAM] = s->spam_ent;
}

static void
launch(struct k_simwallet *s, int64_t t)
{
	struct k_rng *r = &s->env;
	int32_t dep = ent_new(s, EK_DEPLOYER);
	label(s, dep, R_SERVICE, K_PAT_NONE);
	s->e[dep].bal = 5;
	int32_t p = ent_new(s, EK_NEWPROTO);
	static const unsigned kinds[3] = { EK_DEX, EK_YIELD, EK_LEND };
	s->e[p].pkind = (unsigned char)kinds[k_rng_below(r, 3)];
	s->e[p].bal = 1e6;
	for (unsigned tk = 1; tk < NTOK; tk++)
		s->e[p].tok[tk] = 1e12;
	tx_begin(s, r, t, dep, -1, 0, M_CREATE, 1.2, 1);
	tx_created(s, p);
	if (s->nnew < 64)
		s->newproto[s->nnew++] = p;
}

static void
spam(struct k_simwallet *s, int64_t t)
{
	struct k_rng *r = &s->env;
	struct txc c = tx_begin(s, r, t, s->spammer, s->spam_ent, 0, M_AIRDROP,
	                        1.0, 1);
	int n = 20 + (int)k_rng_below(r, 80);
	for (int i = 0; i < n && s->npop > 0; i++) {
		int32_t w = pop_pick(s, r);
		if (s->e[w].kind != EK_WALLET)
			continue;
		tx_token(s, &c, T_SPAM, s->spam_ent, w,
		         chance(r, 0.3) ? -1 : (double)(1 + k_rng_below(r, 100000)));
	}
	s->e[s->spammer].bal += 1;
}

static void
mixout(struct k_simwallet *s, int32_t w, int d, int64_t t)
{
	struct ent *e = &s->e[w];
	int32_t rcp = w;
	if (chance(&e->rng, 0.5)) {
		rcp = wallet_new(s, K_ARCH_PRIVACY, t);
		s->e[rcp].bal = 0;
		ev_push(s, t + minutes(&s->e[rcp].rng, 90), EV_SESSION, rcp, 0, 0);
	}
	mixer_withdraw(s, &s->e[w].rng, t, d, rcp);
}

/* The population: each wallet's archetype, birth and first session,
 * drawn from its own stream. */
static void
populate(struct k_simwallet *s)
{
	const struct k_simwallet_params *p = &s->p;
	struct k_rng pr;
	k_rng_seed(&pr, p->seed, 2);
	s->pop0 = (int32_t)s->ne;
	double span = (double)(s->end_ms - p->start_ms);
	for (size_t i = 0; i < p->wallets && !s->oom; i++) {
		unsigned ar = (unsigned)pick(&pr, p->mix, K_ARCH_N);
		int existing = chance(&pr, arch[ar].existing);
		int64_t born = existing
			? p->start_ms - (int64_t)(k_rng_uniform(&pr) * 3 * 365 *
			                          K_MS_PER_DAY) - K_MS_PER_DAY
			: p->start_ms + (int64_t)(k_rng_uniform(&pr) * span * 0.9);
		int32_t w = wallet_new(s, ar, born);
		struct ent *e = &s->e[w];
		int64_t first = existing
			? next_session(s, e, p->start_ms - SLOT_MS)
			: born;
		ev_push(s, first, EV_SESSION, w, existing ? 0 : 1, 0);
	}
}

/* Protocol launches and spam campaigns, from the environment's stream. */
static void
schedule_launches_and_spam(struct k_simwallet *s)
{
	const struct k_simwallet_params *p = &s->p;
	for (double d = 2; d < p->days; d += 2 + 6 * k_rng_uniform(&s->env))
		ev_push(s, p->start_ms + (int64_t)(d * K_MS_PER_DAY), EV_LAUNCH,
		        0, 0, 0);
	for (double d = 0.5; d < p->days; d += 1 + 4 * k_rng_uniform(&s->env))
		ev_push(s, p->start_ms + (int64_t)(d * K_MS_PER_DAY), EV_SPAM,
		        0, 0, 0);
}

/* Malicious schemes, until their addresses reach the target share; the
 * ones that need the population's state run as events. Each scheme
 * draws from its own stream. */
static void
plant_schemes(struct k_simwallet *s)
{
	const struct k_simwallet_params *p = &s->p;
	struct k_rng sr;
	k_rng_seed(&sr, p->seed, 3);
	double target = p->malicious * (double)p->wallets;
	size_t nsch = 0;
	while ((double)s->st.malicious < target && !s->oom) {
		unsigned pat = 1 + (unsigned)(nsch % (K_PAT_N - 1));
		double latest = p->days > 4 ? p->days - 3 : p->days * 0.5;
		double day = 0.2 + k_rng_uniform(&sr) * (latest - 0.2);
		int64_t t0 = slot(s, p->start_ms +
		                     (int64_t)(day * K_MS_PER_DAY));
		struct k_rng r;
		k_rng_seed(&r, p->seed, UINT64_C(0x100000000) + nsch);
		size_t before = s->st.malicious;
		switch (pat) {
		case K_PAT_RAPID: scheme_rapid(s, &r, t0); break;
		case K_PAT_CIRCULAR: scheme_circular(s, &r, t0); break;
		case K_PAT_MIXER: scheme_mixer(s, &r, t0); break;
		case K_PAT_FRESH_ATTACK: scheme_fresh(s, &r, t0); break;
		default: scheme_phishing(s, &r, t0); break;
		}
		s->st.schemes[pat]++;
		nsch++;
		if (s->st.malicious == before)
			break;
	}
}

/* Every event in time order, until none is left. */
static void
run_events(struct k_simwallet *s)
{
	while (s->nh > 0 && !s->oom) {
		struct ev v = ev_pop(s);
		switch (v.type) {
		case EV_SESSION:
			if (v.aux == 1) {
				/* a new wallet: funded, then active soon after */
				fund_new(s, v.ent, v.t);
				int64_t t = v.t + minutes(&s->e[v.ent].rng, 30);
				ev_push(s, t, EV_SESSION, v.ent, 0, 0);
			} else {
				session(s, v.ent, v.t);
			}
			break;
		case EV_FORWARD:
			forward_all(s, v.ent, v.aux, v.t);
			break;
		case EV_MIXOUT:
			mixout(s, v.ent, v.aux, v.t);
			break;
		case EV_LAUNCH:
			launch(s, v.t);
			break;
		case EV_SPAM:
			spam(s, v.t);
			break;
		case EV_DRAIN:
			drain(s, v.ent, (size_t)v.aux, v.t);
			break;
		}
	}
}

/* Drop the records that fell outside the span. */
static void
trim_to_span(struct k_simwallet *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nr; i++)
		if (s->r[i].ts >= s->p.start_ms && s->r[i].ts < s->end_ms)
			s->r[n++] = s->r[i];
	s->nr = n;
	s->ntxrec = n;
}

/* One market record per hour of the span. */
static void
add_market(struct k_simwallet *s)
{
	for (size_t h = 0; h < s->hours; h++) {
		int64_t t = s->p.start_ms + (int64_t)h * K_MS_PER_HOUR;
		if (t >= s->end_ms)
			break;
		struct rec *x = rec_new(s);
		if (x == NULL)
			break;
		x->type = RT_MARKET;
		x->ts = t;
		x->txno = (uint32_t)h;
		s->nmarket++;
	}
}

/* Count the labelled addresses, and add their label records unless
 * --no-labels. */
static void
add_labels(struct k_simwallet *s)
{
	for (size_t i = 0; i < s->ne; i++) {
		struct ent *e = &s->e[i];
		if (!e->labelled && e->pattern == K_PAT_NONE)
			continue;
		s->st.addresses++;
		if (e->kind == EK_WALLET)
			s->st.by_arch[e->arch]++;
		if (!s->p.labels)
			continue;
		struct rec *x = rec_new(s);
		if (x == NULL)
			break;
		x->type = RT_LABEL;
		x->ts = s->p.start_ms;
		x->txno = (uint32_t)i;
		s->nlabels++;
	}
}

enum k_status
k_simwallet_run(const struct k_simwallet_params *p, struct k_simwallet **out,
                struct k_error *err)
{
	const char *why = k_simwallet_check(p);
	*out = NULL;
	if (why != NULL)
		return k_error_set(err, K_EUSAGE, "%s", why);
	struct k_simwallet *s = calloc(1, sizeof *s);
	if (s == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	s->p = *p;
	s->end_ms = p->start_ms + (int64_t)(p->days * K_MS_PER_DAY);
	s->hash_key = mix64(p->seed ^ UINT64_C(0x6b746f6f6c73));
	k_rng_seed(&s->env, p->seed, 1);
	if (build_market(s) < 0)
		goto oom;
	init_fixed(s);
	populate(s);
	schedule_launches_and_spam(s);
	plant_schemes(s);
	run_events(s);
	if (s->oom)
		goto oom;
	trim_to_span(s);
	if (p->market)
		add_market(s);
	add_labels(s);
	if (s->oom)
		goto oom;
	qsort(s->r, s->nr, sizeof *s->r, rec_cmp);
	s->st.tx = s->ntxrec;
	s->st.labels = s->nlabels;
	s->st.market = s->nmarket;
	*out = s;
	return K_OK;
oom:
	k_simwallet_free(s);
	return k_error_set(err, K_ENOMEM, "out of memory");
}

size_t
k_simwallet_len(const struct k_simwallet *s)
{
	return s->nr;
}

void
k_simwallet_stats(const struct k_simwallet *s, struct k_simwallet_stats *st)
{
	*st = s->st;
}

void
k_simwallet_free(struct k_simwallet *s)
{
	if (s == NULL)
		return;
	free(s->eth_usd);
	free(s->gas);
	free(s->tvl);
	free(s->e);
	free(s->r);
	free(s->heap);
	free(s->camp);
	free(s);
}

int
k_simwallet_arch_index(const char *name)
{
	for (int i = 0; i < K_ARCH_N; i++)
		if (strcmp(name, k_simwallet_arch_names[i]) == 0)
			return i;
	return -1;
}

int
k_simwallet_pattern_index(const char *name)
{
	for (int i = 1; i < K_PAT_N; i++)
		if (strcmp(name, k_simwallet_pattern_names[i]) == 0)
			return i;
	return -1;
}

/* ---- output ---- */

static void
hex_addr(const struct k_simwallet *s, int32_t id, char *out)
{
	out[0] = '\0';
	if (id < 0)
		return;
	out[0] = '0';
	out[1] = 'x';
	memcpy(out + 2, s->e[id].addr, 41);
}

static void
hex_hash(const struct k_simwallet *s, uint32_t no, char *h)
{
	static const char hex[] = "0123456789abcdef";
	h[0] = '0';
	h[1] = 'x';
	uint64_t x = mix64(s->hash_key ^ (UINT64_C(0x7478) << 40) ^ no);
	for (int i = 0; i < 64; i++) {
		if (i % 16 == 0)
			x = mix64(x + (uint64_t)i);
		h[2 + i] = hex[(x >> (4 * (i % 16))) & 0xf];
	}
	h[66] = '\0';
}

static void
write_tx(const struct k_simwallet *s, const struct rec *x, struct k_buf *b)
{
	struct k_tx t;
	const struct token *tk = &tokens[x->token];

	k_tx_init(&t);
	t.ts = x->ts;
	hex_hash(s, x->txno, t.hash);
	hex_addr(s, x->from, t.from);
	hex_addr(s, x->to, t.to);
	if (x->token == T_SPAM && x->raw == UINT64_MAX) {
		for (int i = 0; i < 4; i++)
			t.value_wei.w[i] = UINT64_MAX;
	} else {
		k_wei_from_u64(&t.value_wei, x->raw);
		for (unsigned i = tk->prec; i < tk->decimals; i++)
			k_wei_mul_u64(&t.value_wei, 10);
	}
	t.decimals = tk->decimals;
	if (x->token != T_ETH) {
		snprintf(t.token, sizeof t.token, "%s", tk->sym);
		hex_addr(s, s->tok_ent[x->token], t.token_address);
	}
	t.gas_price_gwei = k_round(x->gas_price, 3);
	t.gas_used = x->gas_used;
	t.success = x->success;
	if (methods[x->method] != NULL && x->xfer == X_NATIVE && x->to >= 0)
		snprintf(t.method, sizeof t.method, "%s", methods[x->method]);
	t.transfer = x->xfer == X_NATIVE ? K_TX_NATIVE :
	             x->xfer == X_INTERNAL ? K_TX_INTERNAL : K_TX_TOKEN;
	t.block = BLOCK0 + (x->ts - BLOCK0_MS) / SLOT_MS;
	if (x->xfer == X_TOKEN)
		t.log_index = x->part;
	else if (x->xfer == X_INTERNAL)
		snprintf(t.trace_id, sizeof t.trace_id, "%u", (unsigned)x->part);
	if (x->created >= 0)
		hex_addr(s, x->created, t.contract_address);
	k_tx_write(b, &t);
}

static void
write_market(const struct k_simwallet *s, const struct rec *x,
             struct k_jsonw *w)
{
	char ts[32];
	size_t h = x->txno;
	k_time_format(x->ts, ts, sizeof ts);
	/* fear & greed from the 7-day return */
	size_t h7 = h >= 168 ? h - 168 : 0;
	double ret = s->eth_usd[h] / s->eth_usd[h7] - 1;
	double fg = 50 + 250 * ret;
	fg = fg < 1 ? 1 : fg > 99 ? 99 : floor(fg + 0.5);
	k_jsonw_obj(w);
	k_jsonw_key(w, "kind");
	k_jsonw_str(w, "market");
	k_jsonw_key(w, "ts");
	k_jsonw_str(w, ts);
	k_jsonw_key(w, "eth_usd");
	k_jsonw_num(w, s->eth_usd[h]);
	k_jsonw_key(w, "gas_gwei");
	k_jsonw_num(w, s->gas[h]);
	k_jsonw_key(w, "tvl_usd");
	k_jsonw_num(w, s->tvl[h]);
	k_jsonw_key(w, "fear_greed");
	k_jsonw_num(w, fg);
	k_jsonw_key(w, "source");
	k_jsonw_str(w, "simulate");
	k_jsonw_obj_end(w);
}

static void
write_label(const struct k_simwallet *s, const struct rec *x,
            struct k_jsonw *w)
{
	char ts[32];
	const struct ent *e = &s->e[x->txno];
	k_time_format(x->ts, ts, sizeof ts);
	k_jsonw_obj(w);
	k_jsonw_key(w, "kind");
	k_jsonw_str(w, "label");
	k_jsonw_key(w, "ts");
	k_jsonw_str(w, ts);
	char addr[K_TX_ADDR];
	hex_addr(s, (int32_t)x->txno, addr);
	k_jsonw_key(w, "entity");
	k_jsonw_str(w, addr);
	k_jsonw_key(w, "archetype");
	if (e->arch < K_ARCH_N)
		k_jsonw_str(w, k_simwallet_arch_names[e->arch]);
	else
		k_jsonw_null(w);
	k_jsonw_key(w, "malicious");
	k_jsonw_bool(w, e->pattern != K_PAT_NONE);
	k_jsonw_key(w, "pattern");
	if (e->pattern != K_PAT_NONE)
		k_jsonw_str(w, k_simwallet_pattern_names[e->pattern]);
	else
		k_jsonw_null(w);
	k_jsonw_key(w, "role");
	k_jsonw_str(w, roles[e->role]);
	k_jsonw_key(w, "victim_of");
	if (e->victim != K_PAT_NONE)
		k_jsonw_str(w, k_simwallet_pattern_names[e->victim]);
	else
		k_jsonw_null(w);
	k_jsonw_key(w, "source");
	k_jsonw_str(w, "simulate");
	k_jsonw_obj_end(w);
}

void
k_simwallet_write(const struct k_simwallet *s, size_t i, struct k_buf *b)
{
	struct k_jsonw w;
	const struct rec *x = &s->r[i];

	if (x->type == RT_TX) {
		write_tx(s, x, b);
		return;
	}
	k_jsonw_init(&w, b);
	if (x->type == RT_MARKET)
		write_market(s, x, &w);
	else
		write_label(s, x, &w);
}
