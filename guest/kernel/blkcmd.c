#include "kernel.h"

/* The block device's shell commands and its non-interactive modes (run=blktest, run=blkbench). */
void console_flush(void);

static const char *skip_spaces(const char *p)
{
    while (*p == ' ')
        p++;
    return p;
}

/* Parses a decimal u32 at *p; advances *p. Returns 0 when there is no number. */
static int parse_u32(const char **p, uint32_t *out)
{
    const char *s = skip_spaces(*p);
    uint32_t v = 0;
    int digits = 0;
    while (*s >= '0' && *s <= '9') {
        v = v * 10u + (uint32_t)(*s - '0');
        s++;
        digits++;
    }
    if (!digits || (*s != 0 && *s != ' '))
        return 0;
    *out = v;
    *p = s;
    return 1;
}

/* "blk info | write SEED START COUNT | verify SEED START COUNT | flush" */
void blk_command(const char *line)
{
    const char *p = skip_spaces(line + 3);
    if (!blk_present()) {
        kprintf("blk: no block device\n");
        return;
    }
    if (strcmp(p, "info") == 0) {
        blk_info();
    } else if (strcmp(p, "flush") == 0) {
        int st = blk_flush();
        kprintf("blk: flush %s (status %d)\n", st == 0 ? "ok" : "FAILED", st);
    } else if (strncmp(p, "write ", 6) == 0 || strncmp(p, "verify ", 7) == 0) {
        int write = p[0] == 'w';
        const char *q = p + (write ? 6 : 7);
        uint32_t seed, start, count;
        if (!parse_u32(&q, &seed) || !parse_u32(&q, &start) || !parse_u32(&q, &count) || *skip_spaces(q)) {
            kprintf("usage: blk %s SEED START COUNT\n", write ? "write" : "verify");
            return;
        }
        char msg[160];
        int rc = blk_pattern_command(write, seed, start, count, msg, sizeof msg);
        kprintf("blk: %s: %s\n", rc == 0 ? "ok" : "FAILED", msg);
    } else {
        kprintf("usage: blk info | blk write SEED START COUNT | blk verify SEED START COUNT | blk flush\n");
    }
}

static void poweroff_with(const char *reason)
{
    kprintf("%s\n", reason);
    console_flush();
    lg_shutdown(reason, LGUEST_SHUTDOWN_POWEROFF);
}

static int arg_is(const char *cmdline, const char *arg)
{
    size_t n = strlen(arg);
    for (const char *p = cmdline; *p; p++)
        if ((p == cmdline || p[-1] == ' ') && strncmp(p, arg, n) == 0 && (p[n] == 0 || p[n] == ' '))
            return 1;
    return 0;
}

/* run=blktest seed=N start=S count=C mode=write|verify: powers off with "blktest: PASS ..." or "blktest: FAIL ...". */
int blktest_run(void)
{
    static char reason[200];
    char msg[160];
    const char *cmdline = lg_cmdline();
    uint32_t seed = lg_cmdline_u32(cmdline, "seed", 1);
    uint32_t start = lg_cmdline_u32(cmdline, "start", 0);
    uint32_t count = lg_cmdline_u32(cmdline, "count", 128);
    int write = arg_is(cmdline, "mode=write");
    if (!write && !arg_is(cmdline, "mode=verify")) {
        poweroff_with("blktest: FAIL (mode=write or mode=verify is required)");
        return 0;
    }
    if (!blk_present()) {
        poweroff_with("blktest: FAIL (no block device)");
        return 0;
    }
    int rc = blk_pattern_command(write, seed, start, count, msg, sizeof msg);
    lg_snprintf(reason, sizeof reason, "blktest: %s %s", rc == 0 ? "PASS" : "FAIL", msg);
    poweroff_with(reason);
    return 0;
}

/* run=blkbench mb=N: the benchmark lines, then "blkbench: PASS" or "blkbench: FAIL". */
int blkbench_run(void)
{
    uint32_t mb = lg_cmdline_u32(lg_cmdline(), "mb", 16);
    if (!blk_present()) {
        poweroff_with("blkbench: FAIL (no block device)");
        return 0;
    }
    int rc = blk_bench(mb);
    poweroff_with(rc == 0 ? "blkbench: PASS" : "blkbench: FAIL (I/O errors)");
    return 0;
}
