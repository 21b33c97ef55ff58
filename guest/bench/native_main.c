/* The benchmark as a native x86-64 Linux program: same workload source, its own timing.
 * Usage: bench-native [scale]. Prints the checksum line exactly as the guest does, then the time. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"

int main(int argc, char **argv)
{
    uint32_t scale = argc > 1 ? (uint32_t)strtoul(argv[1], 0, 10) : BENCH_DEFAULT_SCALE;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint32_t sum = bench_run(scale);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("bench: scale %u checksum 0x%08x\n", scale, sum);
    printf("native-seconds %.6f\n", (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    return 0;
}
