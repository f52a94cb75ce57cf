/*
 * k_tx.h - the `tx` record of DESIGN.md as a C struct, one writer and one
 * strict reader, so that every wallet source (etherscan, ethrpc, csv, the
 * simulator) writes the same keys in the same order with the same types,
 * and kfeatures wallet reads them back with messages naming the field.
 */
#ifndef K_TX_H
#define K_TX_H

#include <stddef.h>
#include <stdint.h>

#include "base/k_buf.h"
#include "base/k_status.h"
#include "text/k_jscan.h"
#include "text/k_wei.h"

#define K_TX_ADDR 43     /* "0x" + 40 lower-case hex + NUL */
#define K_TX_HASH 67     /* "0x" + 64 hex + NUL */
#define K_TX_SYM 48      /* token symbol */
#define K_TX_METHOD 64   /* method name, "transfer", "0xa9059cbb" */

/* The bounds a tx record's reader holds its fields to, so that every
 * source checks against them what it is about to write: counts (gas,
 * block, log index) are exact in a double, and a time is one RFC 3339
 * writes (up to 9999-12-31T23:59:59Z; in seconds, as APIs send it). */
#define K_TX_COUNT_MAX  (INT64_C(1) << 53)
#define K_TX_TIME_MAX_S INT64_C(253402300799)

/* What moved: the transaction's own value, ETH moved by a contract during
 * it (a trace), or an ERC-20 Transfer event (a log). */
enum k_tx_transfer { K_TX_NATIVE, K_TX_INTERNAL, K_TX_TOKEN };

struct k_tx {
	int64_t ts;                    /* block time, ms since the epoch */
	char chain[16];                /* "ethereum" */
	char hash[K_TX_HASH];          /* "" if not known */
	char from[K_TX_ADDR];
	char to[K_TX_ADDR];            /* "" for a contract creation (null) */
	struct k_wei value_wei;        /* exact, in base units */
	unsigned decimals;             /* 18 for ETH */
	char token[K_TX_SYM];          /* "" for ETH (null) */
	char token_address[K_TX_ADDR]; /* "" if none (omitted) */
	double gas_price_gwei;         /* NAN: not known (null) */
	long long gas_used;            /* -1: not known (null) */
	int success;                   /* 1 or 0; -1: not known (null) */
	char method[K_TX_METHOD];      /* "" when there is no call data (null) */
	enum k_tx_transfer transfer;
	long long block;               /* -1: omitted */
	long long log_index;           /* -1: omitted (token transfers) */
	char trace_id[32];             /* "" omitted (internal transfers) */
	char contract_address[K_TX_ADDR]; /* created contract, "" omitted */
	int has_value;                 /* reader: "value" was given */
	double value;                  /* reader: "value" as given */
};

/* Defaults: chain "ethereum", decimals 18, success 1, unknowns as above. */
void k_tx_init(struct k_tx *t);

/* The number written as "value": value_wei / 10^decimals (k_wei.h). */
double k_tx_value(const struct k_tx *t);

/* Append t as one compact JSON object (no newline), keys in the order
 * kind, ts, chain, hash, from, to, value_wei, value, token,
 * gas_price_gwei, gas_used, success, method, transfer, then block,
 * token_address, decimals, log_index, trace_id, contract_address when
 * known. */
void k_tx_write(struct k_buf *b, const struct k_tx *t);

/* The method of a call from its input data ("0xa9059cbb..."): the name
 * for well-known selectors ("transfer", "approve", "swapExactETHForTokens",
 * ...), else the selector itself ("0x12345678"); "" when there is no call
 * data ("0x" or shorter than a selector). out has K_TX_METHOD bytes. */
void k_tx_method_from_input(const char *input, char *out);

/* Normalise an address: "0x" + 40 hex digits in any case (EIP-55
 * checksums are not verified) into lower case in out (K_TX_ADDR bytes).
 * Returns 0, or -1 if malformed. */
int k_tx_addr_norm(const char *in, size_t n, char *out);

/*
 * Opaque ids (the plain node ids of research graphs) in the place of
 * addresses, reversibly: an id of 1 to 20 printable bytes is the address
 * "0x" + the hex of its bytes, right-aligned and zero-filled to 20 bytes
 * ("17" is 0x000...003137). k_tx_id_addr writes it into out (K_TX_ADDR
 * bytes): 0, or -1 for an empty, longer or unprintable id.
 * k_tx_addr_id turns such an address back into the id (cap >= 21): 0, or
 * -1 if the address is not one.
 */
int k_tx_id_addr(const char *id, size_t n, char *out);
int k_tx_addr_id(const char *addr, char *out, size_t cap);

/*
 * An --address argument: comma-separated addresses, split in place (arg
 * is modified) and appended to list (n entries so far, room for max),
 * unnormalised. Returns 0; -1 with *bad the malformed one; -2 when more
 * than max.
 */
int k_tx_addr_list(char *arg, const char **list, int *n, int max,
                   const char **bad);

/*
 * An address file: one address a line, blank lines and '#' comments
 * skipped, trailing spaces and CRs trimmed. Each address, normalised, goes
 * to fn; a malformed one is K_EDATA "path:line: '...' is not an address
 * (0x and 40 hex digits)"; a status other than K_OK from fn stops the read
 * and is returned (fn fills err). K_ENOINPUT or K_EIO for the file itself.
 */
enum k_status k_tx_addr_file(const char *path,
                             enum k_status (*fn)(void *arg, const char *addr,
                                                 struct k_error *err),
                             void *arg, struct k_error *err);

/*
 * Read a record already scanned by s (kind "tx"): ts, from, to and
 * value_wei are required; hash, value, token, token_address, decimals,
 * gas_price_gwei, gas_used, success, method, transfer, block, log_index,
 * trace_id and contract_address are optional, null meaning not known.
 * Addresses in upper or mixed case are accepted and lower-cased.
 * "transfer" defaults to "token" when token is a string, else "native";
 * "decimals" defaults to 18. K_EDATA with err->field set and a message
 * like: field 'from': malformed address "0x12"
 */
enum k_status k_tx_read(const struct k_jscan *s, struct k_tx *t,
                        struct k_error *err);

#endif
