/*
 * k_wei.h - ether and token amounts in their base unit (wei, or a token's
 * smallest unit) as exact unsigned 256-bit integers. APIs send them as
 * decimal strings (Etherscan, BigQuery) or hex quantities (JSON-RPC) up to
 * 2^256-1, far beyond a double or uint64_t; tx records keep the exact
 * decimal string and add a rounded number for arithmetic.
 */
#ifndef K_WEI_H
#define K_WEI_H

#include <stddef.h>
#include <stdint.h>

#include "base/k_status.h"

#define K_WEI_DIGITS 78   /* decimal digits of 2^256-1 */
#define K_WEI_STRLEN 80   /* room for the decimal string and its NUL */
#define K_WEI_MAX_DECIMALS 77 /* largest decimals k_wei_to_double takes */

/* An amount: w[0] holds the least significant 64 bits. */
struct k_wei {
	uint64_t w[4];
};

/* Notations k_wei_parse accepts (bit flags). */
enum k_wei_form {
	K_WEI_DEC = 1,   /* decimal digits: "1000000000000000000" */
	K_WEI_HEX = 2,   /* JSON-RPC quantity: "0xde0b6b3a7640000" */
};

/*
 * Parse s[0..n) as an amount in one of the notations in forms. Strict: no
 * sign, no white space, no fraction or exponent, nothing after the digits.
 * Leading zeros are accepted (the value, hence the canonical string, drops
 * them). Returns K_OK with *out set, or K_EDATA with err->text saying what
 * is wrong ("amount '-5': a sign is not allowed, amounts are unsigned",
 * "amount '1157...': exceeds 2^256-1"); *out is then zero.
 */
enum k_status k_wei_parse(const char *s, size_t n, unsigned forms,
                          struct k_wei *out, struct k_error *err);

/*
 * Parse a decimal amount in whole units with an optional fraction ("1.5"
 * ETH, "0.000001") into base units: v = s * 10^decimals, exactly. More
 * fractional digits than decimals is an error unless the extra ones are
 * zeros; otherwise the same strictness as k_wei_parse ("1e18", "-1",
 * " 1", "1,000" are refused). K_OK or K_EDATA.
 */
enum k_status k_wei_parse_units(const char *s, size_t n, unsigned decimals,
                                struct k_wei *out, struct k_error *err);

/* The canonical decimal string of v (no leading zeros; "0" for zero) into
 * buf, NUL-terminated. cap >= K_WEI_STRLEN always suffices. Returns the
 * length, or 0 if it does not fit (buf then holds ""). */
size_t k_wei_format(const struct k_wei *v, char *buf, size_t cap);

/* The same in JSON-RPC hex ("0x0", "0xde0b6b3a7640000"); cap >= 67. */
size_t k_wei_format_hex(const struct k_wei *v, char *buf, size_t cap);

void k_wei_from_u64(struct k_wei *v, uint64_t x);
int k_wei_is_zero(const struct k_wei *v);
/* -1, 0 or 1 as a < b, a == b, a > b. */
int k_wei_cmp(const struct k_wei *a, const struct k_wei *b);
/* *acc += *b; returns 0, or -1 on overflow past 2^256-1 (acc unchanged). */
int k_wei_add(struct k_wei *acc, const struct k_wei *b);
/* *v *= m; returns 0, or -1 on overflow (v unchanged). */
int k_wei_mul_u64(struct k_wei *v, uint64_t m);
/* *v /= d (d > 0); returns the remainder. */
uint32_t k_wei_divmod_u32(struct k_wei *v, uint32_t d);

/*
 * v / 10^decimals as a double (ETH for decimals 18, USDC for 6), rounded
 * once, to nearest with ties to even: the exact quotient is written as
 * "<digits>e-<decimals>" and read by strtod, which glibc rounds correctly
 * and which needs no locale's decimal point. So 100000000000000000 wei is
 * exactly the double 0.1, and values above 2^53 wei lose only what a
 * double cannot hold (relative error at most 2^-53). decimals above
 * K_WEI_MAX_DECIMALS are clamped.
 */
double k_wei_to_double(const struct k_wei *v, unsigned decimals);

/* Number of trailing decimal zeros of v (0 for zero): 10^16 wei, that is
 * 0.01 ETH, has 16. Round amounts (mixer denominations) show up here. */
unsigned k_wei_trailing_zeros(const struct k_wei *v);

#endif
