#include "kernel.h"

int console_input_waiting(void);
void console_flush(void);
void cmd_ping(const char *args);
void cmd_net(void);

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void read_line(char *buf, size_t size)
{
    size_t n = 0;
    for (;;) {
        int c = console_getc();
        if (c < 0) {
            irq_disable();
            if (!console_input_waiting())
                idle();     /* no polling, no tick: sleep until the console interrupts */
            irq_enable();
            continue;
        }
        if (c == '\r' || c == '\n') {
            console_write("\n", 1);
            buf[n] = 0;
            return;
        }
        if (c == 0x7f || c == 0x08) {
            if (n > 0) {
                n--;
                console_write("\b \b", 3);
            }
            continue;
        }
        if (c < 0x20 || n + 1 >= size)
            continue;
        buf[n++] = (char)c;
        char ch = (char)c;
        console_write(&ch, 1);   /* the host terminal is raw: we echo */
    }
}

static void cmd_devices(void)
{
    kprintf("%d device(s) in the device page at 0x%08x\n", lg_device_count, ram_size);
    for (int i = 0; i < lg_device_count; i++) {
        struct lg_device *d = &lg_devices[i];
        kprintf("  %d: %s type %u status 0x%02x features %u byte(s) config %u byte(s)\n", i,
                device_type_name(d->type), d->type, d->desc[4], d->feature_len, d->config_len);
        for (int q = 0; q < d->num_vq; q++)
            kprintf("     vq%d: num %u irq %u pfn 0x%x\n", q, d->vq[q].num, d->vq[q].irq, d->vq[q].pfn);
    }
}

static void cmd_uptime(void)
{
    uint32_t ms = uptime_ms();
    kprintf("up %u.%03u s (%u clock events); host clock %u.%09u\n", ms / 1000, ms % 1000, irq_counts[0],
            lguest_data.time_sec, lguest_data.time_nsec);
}

/* spin SECONDS: keep the vCPU busy (interrupts on, never halting) for that long on the host's
 * clock, then print uptime: guest time measured while the guest never halts. */
static void cmd_spin(const char *arg)
{
    uint32_t seconds = 0;
    while (*arg >= '0' && *arg <= '9')
        seconds = seconds * 10 + (uint32_t)(*arg++ - '0');
    uint64_t end = clock_ns() + (uint64_t)seconds * 1000000000u;
    volatile uint32_t work = 0;
    while (clock_ns() < end)
        work++;
    cmd_uptime();
}

static void poweroff(const char *reason)
{
    console_flush();
    lg_shutdown(reason, LGUEST_SHUTDOWN_POWEROFF);
}

/* panic TEXT: what a kernel does when it cannot go on (Linux's panic(): the message on the
 * console, then the panic notifier's SHUTDOWN). The host exits 1 with the reason, as lguest's
 * launcher did. */
static void cmd_panic(const char *text)
{
    static char reason[160];
    lg_snprintf(reason, sizeof reason, "Kernel panic - not syncing: %s", text);
    kprintf("%s\n", reason);
    console_flush();
    lg_shutdown(reason, LGUEST_SHUTDOWN_POWEROFF);
}

void shell_run(void)
{
    char line[256];
    kprintf("LguestActors sample kernel: %d device(s), %u MiB RAM. Type 'help'.\n", lg_device_count,
            ram_size >> 20);
    for (;;) {
        kprintf("lguest> ");
        read_line(line, sizeof line);
        if (line[0] == 0)
            continue;
        if (strcmp(line, "help") == 0)
            kprintf("commands: help, devices, echo TEXT, uptime, spin SECONDS, net, ping ADDR [count], blk info|write|verify|flush, panic TEXT, poweroff\n");
        else if (strcmp(line, "devices") == 0)
            cmd_devices();
        else if (strcmp(line, "echo") == 0)
            kprintf("\n");
        else if (starts_with(line, "echo "))
            kprintf("%s\n", line + 5);
        else if (strcmp(line, "blk") == 0 || starts_with(line, "blk "))
            blk_command(line);
        else if (strcmp(line, "uptime") == 0)
            cmd_uptime();
        else if (starts_with(line, "spin "))
            cmd_spin(line + 5);
        else if (starts_with(line, "panic "))
            cmd_panic(line + 6);
        else if (strcmp(line, "net") == 0)
            cmd_net();
        else if (starts_with(line, "ping "))
            cmd_ping(line + 5);
        else if (strcmp(line, "poweroff") == 0) {
            kprintf("Power down.\n");
            poweroff("poweroff");
        } else
            kprintf("%s: unknown command (try 'help')\n", line);
    }
}

/* run=selftest: checks what this kernel can see of the machine, prints each result, and powers
 * off with "selftest: PASS n/n" or "selftest: FAIL ..." as the SHUTDOWN reason. */
int selftest_run(void)
{
    static char reason[128];
    int passed = 0, total = 0;
    const char *first_failure = 0;
#define CHECK(name, cond)                                                    \
    do {                                                                     \
        int ok_ = (cond);                                                    \
        total++;                                                             \
        if (ok_)                                                             \
            passed++;                                                        \
        else if (!first_failure)                                             \
            first_failure = name;                                            \
        kprintf("selftest: %s: %s\n", name, ok_ ? "ok" : "FAILED");        \
    } while (0)

    struct lg_device *c = device_find(VIRTIO_ID_CONSOLE);
    CHECK("device page lists a console", c != 0);
    CHECK("console has two queues", c && c->num_vq == 2);
    CHECK("queue IRQs are distinct, from 1", c && c->vq[0].irq >= 1 && c->vq[1].irq > c->vq[0].irq);
    CHECK("device accepted the handshake", c && (c->desc[4] & VIRTIO_STATUS_FAILED) == 0);
    /* An event armed earlier (a console wait's) may come first; the guest's clock is as fresh as
     * its slice, so the event may come a little after the clock passed the deadline: wait for an
     * event taken at or after the deadline (a second at most). */
    uint64_t t0 = clock_ns(), deadline = t0 + 20000000u, limit = t0 + 1000000000u;
    irq_disable();
    while (clock_event_ns < deadline && clock_ns() < limit) {
        idle_until(clock_ns() < deadline ? deadline : limit);
        irq_disable();
    }
    irq_enable();
    CHECK("a one-shot clock event comes after the 20 ms asked for", clock_event_ns >= deadline && clock_event_ns < limit);
    CHECK("host keeps lguest_data.time", lguest_data.time_sec != 0 || lguest_data.time_nsec != 0);
    /* The device publishes the used entries before its interrupt reaches the vCPU (an IRQ is a
     * message, as lguest's launcher wrote the IRQ after the used ring): a flush can end before
     * the interrupt for its last buffer came. Wait for it, a second at most. */
    console_flush();
    uint64_t irq_limit = clock_ns() + 1000000000u;
    irq_disable();
    while (c && irq_counts[c->vq[1].irq] == 0 && clock_ns() < irq_limit) {
        idle_until(irq_limit);
        irq_disable();
    }
    irq_enable();
    CHECK("console output interrupts", c && irq_counts[c->vq[1].irq] > 0);
    console_flush();
    if (passed == total)
        lg_snprintf(reason, sizeof reason, "selftest: PASS %d/%d", passed, total);
    else
        lg_snprintf(reason, sizeof reason, "selftest: FAIL %d/%d (%s)", passed, total, first_failure);
    kprintf("%s\n", reason);
    poweroff(reason);
    return 0;
}
