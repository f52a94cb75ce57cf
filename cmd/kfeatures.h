/*
 * kfeatures.h - the feature sets kfeatures can compute. Each set lives in
 * cmd/kfeatures_<set>.c with its own argp parser and a main-like entry
 * taking the arguments after the set (argv[0] is "kfeatures <set>").
 */
#ifndef KFEATURES_H
#define KFEATURES_H

int kfeatures_hyperliquid(int argc, char **argv);
int kfeatures_wallet(int argc, char **argv);

#endif
