/*
 * k_rng.h - the one source of randomness: xoshiro256** seeded through
 * splitmix64. Modules take a generator from the caller; nothing seeds
 * itself from the clock, so the same seed gives the same model.
 */
#ifndef K_RNG_H
#define K_RNG_H

#include <stdint.h>

struct k_rng {
	uint64_t s[4];
};

/* Seed; stream selects an independent sequence for the same seed (a tree
 * index, a worker), so results do not depend on scheduling. */
void k_rng_seed(struct k_rng *r, uint64_t seed, uint64_t stream);
uint64_t k_rng_u64(struct k_rng *r);
/* Uniform in [0, 1), 53 random bits. */
double k_rng_uniform(struct k_rng *r);
/* Uniform in (0, 1): never 0, for logarithms. */
double k_rng_open01(struct k_rng *r);
/* Uniform integer in [0, n), unbiased; n > 0. */
uint64_t k_rng_below(struct k_rng *r, uint64_t n);
/* Standard normal (Marsaglia polar method). */
double k_rng_normal(struct k_rng *r);

#endif
