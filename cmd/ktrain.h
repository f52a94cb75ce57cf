/*
 * ktrain.h - the model kinds ktrain can train. Each kind lives in
 * cmd/ktrain/<kind>.c with its own argp parser and a main-like entry
 * taking the arguments after the kind (argv[0] is "ktrain <kind>").
 */
#ifndef KTRAIN_H
#define KTRAIN_H

int ktrain_anomaly(int argc, char **argv);
int ktrain_archetype(int argc, char **argv);
int ktrain_forecast(int argc, char **argv);

#endif
