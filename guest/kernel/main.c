#include "kernel.h"

/* Shared with the host after LGUEST_INIT; page-aligned so it never straddles pages. */
struct lguest_data lguest_data __attribute__((aligned(4096)));

static int has_arg(const char *cmdline, const char *arg)
{
    size_t n = strlen(arg);
    for (const char *p = cmdline; *p; p++)
        if ((p == cmdline || p[-1] == ' ') && strncmp(p, arg, n) == 0 && (p[n] == 0 || p[n] == ' '))
            return 1;
    return 0;
}

int main(void)
{
    lg_hcall(LHCALL_LGUEST_INIT, (uint32_t)(uintptr_t)&lguest_data, 0, 0, 0);
    traps_init();
    devices_init();
    timer_init();
    irq_enable();
    if (console_init() != 0)
        lg_shutdown("kernel: no usable virtio console in the device page", LGUEST_SHUTDOWN_POWEROFF);
    net_init();             /* optional: a VM without a net device has no network */
    rng_init();             /* optional too: the shell's rng command says when it is missing */
    if (blk_init() != 0 && device_find(VIRTIO_ID_BLOCK))
        kprintf("kernel: the block device is unusable (too little RAM for its buffers, or a short ring)\n");
    if (has_arg(lg_cmdline(), "run=selftest"))
        return selftest_run();
    if (has_arg(lg_cmdline(), "run=blktest"))
        return blktest_run();
    if (has_arg(lg_cmdline(), "run=blkbench"))
        return blkbench_run();
    const char *run = kernel_arg("run=");
    if (run && strncmp(run, "count", 5) == 0)
        return count_run();
    if (run && strncmp(run, "rng", 3) == 0)
        return rng_run();
    if (run && strncmp(run, "selftest", 8) != 0)
        return net_run(run);
    shell_run();
    return 0;
}
