#include "kernel.h"

/* virtio entropy (device id 4): one queue of device-writable buffers that the host fills with
 * random bytes; it may return fewer than asked. One request at a time, through one buffer. */
#define RNG_MAX 256u

static struct lg_device *rng;
static struct virtqueue vq;
static uint8_t rng_buf[RNG_MAX];
uint32_t rng_requests, rng_bytes;

int rng_present(void) { return rng != 0; }

int rng_init(void)
{
    struct lg_device *d = device_find(VIRTIO_ID_RNG);
    if (!d || d->num_vq < 1)
        return -1;
    rng = d;
    vq_init(&vq, &d->vq[0]);
    for (uint8_t i = 0; i < d->feature_len; i++)
        d->features[d->feature_len + i] = 0;   /* no device features; the plain ring is enough */
    device_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    device_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK);
    return 0;
}

static int rng_failed(void) { return rng && (rng->desc[4] & VIRTIO_STATUS_FAILED); }

/* Up to `len` (at most 256) random bytes into buf: one request, waited for. Returns the count the
 * device gave, or -1 with no device or a FAILED one. */
int rng_read(uint8_t *buf, uint32_t len)
{
    uint32_t id, got;
    if (!rng)
        return -1;
    if (len > RNG_MAX)
        len = RNG_MAX;
    vq.desc[0].addr = (uint32_t)(uintptr_t)rng_buf;
    vq.desc[0].len = len;
    vq.desc[0].flags = VRING_DESC_F_WRITE;
    vq.desc[0].next = 0;
    irq_disable();
    vq_publish(&vq, 0);
    irq_enable();
    vq_kick(&vq);
    irq_disable();
    while (!vq_get_used(&vq, &id, &got)) {
        if (rng_failed()) {
            irq_enable();
            return -1;
        }
        idle_io();
        irq_disable();
    }
    irq_enable();
    if (got > len)
        got = len;
    memcpy(buf, rng_buf, got);
    rng_requests++;
    rng_bytes += got;
    return (int)got;
}

static void print_hex(const uint8_t *b, int n)
{
    static const char digits[] = "0123456789abcdef";
    char line[2 * RNG_MAX + 1];
    for (int i = 0; i < n; i++) {
        line[2 * i] = digits[b[i] >> 4];
        line[2 * i + 1] = digits[b[i] & 15];
    }
    line[2 * n] = 0;
    kprintf("%s\n", line);
}

/* Shell: "rng [N]" prints N random bytes (default 16, at most 256) in hex. */
void rng_command(const char *args)
{
    uint8_t b[RNG_MAX];
    uint32_t n = 0;
    while (*args == ' ')
        args++;
    while (*args >= '0' && *args <= '9')
        n = n * 10 + (uint32_t)(*args++ - '0');
    if (n == 0)
        n = 16;
    if (n > RNG_MAX)
        n = RNG_MAX;
    if (!rng) {
        kprintf("rng: no entropy device (start the host with --rng)\n");
        return;
    }
    int got = rng_read(b, n);
    if (got < 0) {
        kprintf("rng: the device FAILED\n");
        return;
    }
    print_hex(b, got);
}

/* run=rng n=N: N requests of 16 bytes, one line "rng I HEX" each, then a power-off whose reason
 * says how many were answered. The entropy workload of the fault experiments: every request must
 * be answered exactly once, with 16 bytes. */
int rng_run(void)
{
    static char reason[64];
    uint8_t b[16];
    uint32_t n = lg_cmdline_u32(lg_cmdline(), "n", 100), done = 0;
    for (uint32_t i = 1; i <= n; i++) {
        int got = rng_read(b, sizeof b);
        if (got < 0)
            break;
        kprintf("rng %u ", i);
        print_hex(b, got);
        done++;
    }
    lg_snprintf(reason, sizeof reason, "rng: done %u", done);
    kprintf("%s\n", reason);
    console_flush();
    lg_shutdown(reason, LGUEST_SHUTDOWN_POWEROFF);
    return 0;
}
