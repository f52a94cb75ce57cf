/*
 * k_rng.c - xoshiro256** (Blackman and Vigna, public domain algorithm),
 * seeded by splitmix64.
 */
#include "base/k_rng.h"

#include <math.h>

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

void
k_rng_seed(struct k_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * UINT64_C(0xd1b54a32d192ed03));

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
k_rng_u64(struct k_rng *r)
{
	uint64_t *s = r->s;
	const uint64_t result = rotl(s[1] * 5, 7) * 9;
	const uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double
k_rng_uniform(struct k_rng *r)
{
	return (double)(k_rng_u64(r) >> 11) * 0x1.0p-53;
}

double
k_rng_open01(struct k_rng *r)
{
	return ((double)(k_rng_u64(r) >> 12) + 0.5) * 0x1.0p-52;
}

uint64_t
k_rng_below(struct k_rng *r, uint64_t n)
{
	/* Lemire's multiply-shift with rejection. */
	__uint128_t m = (__uint128_t)k_rng_u64(r) * n;
	uint64_t l = (uint64_t)m;
	if (l < n) {
		uint64_t t = -n % n;
		while (l < t) {
			m = (__uint128_t)k_rng_u64(r) * n;
			l = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

double
k_rng_normal(struct k_rng *r)
{
	double u, v, s;

	do {
		u = 2 * k_rng_uniform(r) - 1;
		v = 2 * k_rng_uniform(r) - 1;
		s = u * u + v * v;
	} while (s >= 1 || s == 0);
	return u * sqrt(-2 * log(s) / s);
}
