/* The benchmark as an i386 guest: the work size comes from the command line ("scale=N") the
 * runner puts in the zero page, so one image serves quick runs and the full measurement. */
#include "bench.h"
#include "libc.h"
#include "lguest.h"

int main(void)
{
    uint32_t scale = lg_cmdline_u32(lg_cmdline(), "scale", BENCH_DEFAULT_SCALE);
    uint32_t sum = bench_run(scale);
    lg_printf("bench: scale %u checksum 0x%08x\n", scale, sum);
    lg_shutdown("bench: done", LGUEST_SHUTDOWN_POWEROFF);
}
