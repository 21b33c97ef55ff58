#ifndef BENCH_H
#define BENCH_H
#include <stdint.h>

/* The full work size: the one docs/PERFORMANCE.md reports. */
#define BENCH_DEFAULT_SCALE 800u

/* Runs the integer workload `scale` rounds and returns a checksum of everything it computed.
 * Portable C with fixed-width types: the i386 guest and the x86-64 native build agree. */
uint32_t bench_run(uint32_t scale);

#endif
