#include "kernel.h"

/* The network's shell commands and its non-interactive modes (run=ping, run=serve, run=blast). */
void console_flush(void);

static void poweroff(const char *reason)
{
    kprintf("%s\n", reason);
    console_flush();
    lg_shutdown(reason, LGUEST_SHUTDOWN_POWEROFF);
}

static int target_arg(uint32_t *target)
{
    const char *t = kernel_arg("target=");
    return t && net_parse_ip(t, target) == 0 ? 0 : -1;
}

/* run=ping target=A.B.C.D [count=N]: ping, then power off with "ping: PASS/FAIL r/n ...".
 * run=serve: answer ARP and pings until the host powers us off.
 * run=blast target=A.B.C.D [count=N] [size=BYTES]: send N UDP frames to port 9, power off with the rate. */
int net_run(const char *mode)
{
    static char reason[160];
    char me[16], to[16];
    uint32_t target = 0;
    net_format_ip(me, net_ip);
    if (!net_ready() || net_ip == 0) {
        lg_snprintf(reason, sizeof reason, "%.5s: FAIL no network (a net device and ip=A.B.C.D are needed)", mode);
        poweroff(reason);
    }
    kprintf("net: %s mac %02x:%02x:%02x:%02x:%02x:%02x\n", me, net_mac[0], net_mac[1], net_mac[2], net_mac[3],
            net_mac[4], net_mac[5]);
    if (strncmp(mode, "serve", 5) == 0) {
        kprintf("net: serving (answering ARP and ping) until powered off\n");
        for (;;)
            idle();
    }
    if (target_arg(&target) != 0) {
        lg_snprintf(reason, sizeof reason, "%.5s: FAIL no target=A.B.C.D on the command line", mode);
        poweroff(reason);
    }
    net_format_ip(to, target);
    if (strncmp(mode, "ping", 4) == 0) {
        int count = (int)lg_cmdline_u32(lg_cmdline(), "count", 3);
        int got = net_ping(target, count, 0);
        lg_snprintf(reason, sizeof reason, "ping: %s %d/%d replies from %s", got == count ? "PASS" : "FAIL", got, count, to);
        poweroff(reason);
    }
    if (strncmp(mode, "blast", 5) == 0) {
        uint32_t count = lg_cmdline_u32(lg_cmdline(), "count", 10000);
        uint32_t size = lg_cmdline_u32(lg_cmdline(), "size", 64);
        uint64_t us = net_blast(target, count, size);
        if (us == 0)
            lg_snprintf(reason, sizeof reason, "blast: FAIL no ARP reply from %s", to);
        else
            lg_snprintf(reason, sizeof reason, "blast: DONE %u frames of %u bytes to %s in %u us", count, size, to, (uint32_t)us);
        poweroff(reason);
    }
    lg_snprintf(reason, sizeof reason, "run: unknown mode '%.20s'", mode);
    poweroff(reason);
    return 0;
}

/* ping ADDR [count] */
void cmd_ping(const char *args)
{
    uint32_t target;
    if (net_parse_ip(args, &target) != 0) {
        kprintf("usage: ping A.B.C.D [count]\n");
        return;
    }
    const char *sp = args;
    while (*sp && *sp != ' ')
        sp++;
    int count = 4;
    if (*sp == ' ') {
        count = 0;
        for (sp++; *sp >= '0' && *sp <= '9'; sp++)
            count = count * 10 + (*sp - '0');
        if (count <= 0)
            count = 1;
    }
    net_ping(target, count, 0);
}

void cmd_net(void)
{
    char me[16];
    if (!net_ready()) {
        kprintf("net: no net device\n");
        return;
    }
    net_format_ip(me, net_ip);
    kprintf("net: ip %s mac %02x:%02x:%02x:%02x:%02x:%02x\n", net_ip ? me : "(none: add ip=A.B.C.D)", net_mac[0],
            net_mac[1], net_mac[2], net_mac[3], net_mac[4], net_mac[5]);
    kprintf("net: rx %u frames, tx %u frames (%u dropped), %u pings answered, %u udp datagrams to port 9\n",
            net_stats.rx_frames, net_stats.tx_frames, net_stats.tx_dropped, net_stats.echo_answered, net_stats.udp_received);
}
