#include "kernel.h"

/* run=count n=N: "count 1" .. "count N", one line per virtio console request, then a power-off
 * whose reason says how many were printed. The console workload of the fault experiments: the
 * host checks the output is complete, in order and free of repeats. console_flush waits until
 * the device has returned every buffer, so nothing is in flight when the guest goes. */
int count_run(void)
{
    static char reason[64];
    uint32_t n = lg_cmdline_u32(lg_cmdline(), "n", 100);
    for (uint32_t i = 1; i <= n; i++)
        kprintf("count %u\n", i);
    lg_snprintf(reason, sizeof reason, "count: done %u", n);
    kprintf("%s\n", reason);
    console_flush();
    lg_shutdown(reason, LGUEST_SHUTDOWN_POWEROFF);
    return 0;
}
