/*
 * test_combine.c - the rule that reads two anomaly detectors together
 * (score/k_combine): the mean of the percentiles, the flag when both flag
 * or the mean reaches 95, a single detector's own score and flag, none,
 * and the agreement words.
 */
#include <string.h>

#include "score/k_combine.h"
#include "ktest.h"

static struct k_det_result
det(int scored, double score, double pct, int flag)
{
	return (struct k_det_result){ scored, score, pct, flag };
}

int
main(void)
{
	struct k_det_result r[2];
	struct k_combined c;

	/* Both scored, neither flags, mean below 95. */
	r[0] = det(1, 44, 60, 0);
	r[1] = det(1, 80, 80, 0);
	k_combine(r, 2, &c);
	KT_NEAR(c.score, 70, 1e-12);
	KT_CHECK(!c.flag && c.scored == 2 && c.flagged == 0 && c.single == -1);
	KT_EQ_STR(k_combine_agreement(&c), "none");
	/* One flags, the mean reaches 95: flagged, "one". */
	r[0] = det(1, 60, 99, 1);
	r[1] = det(1, 91, 91, 0);
	k_combine(r, 2, &c);
	KT_NEAR(c.score, 95, 1e-12);
	KT_CHECK(c.flag);
	KT_EQ_STR(k_combine_agreement(&c), "one");
	/* One flags, the mean below 95: not flagged. */
	r[1] = det(1, 80, 80, 0);
	k_combine(r, 2, &c);
	KT_CHECK(!c.flag);
	/* Both flag, whatever the mean. */
	r[0] = det(1, 51, 90, 1);
	r[1] = det(1, 90, 90, 1);
	k_combine(r, 2, &c);
	KT_CHECK(c.flag && c.score < 95);
	KT_EQ_STR(k_combine_agreement(&c), "both");
	/* Only the second scored: its own score and flag. */
	r[0] = det(0, 0, 0, 0);
	r[1] = det(1, 97.5, 97.5, 0);
	k_combine(r, 2, &c);
	KT_NEAR(c.score, 97.5, 0);
	KT_CHECK(!c.flag && c.single == 1 && c.scored == 1);
	/* Neither. */
	r[1] = det(0, 0, 0, 0);
	k_combine(r, 2, &c);
	KT_CHECK(c.scored == 0 && !c.flag);
	KT_DONE();
}
