#include "kernel.h"
#include "pattern.h"

/* virtio block: one request queue. Each request takes three descriptors (header, data, status)
 * from a fixed slot, so up to BLK_SLOTS requests are in flight at once. */
#define BLK_T_IN 0u
#define BLK_T_OUT 1u
#define BLK_T_FLUSH 4u
#define BLK_T_GET_ID 8u
#define BLK_F_RO 5
#define BLK_F_FLUSH 9
#define BLK_SLOTS 32
#define BLK_MAX_BYTES 65536u

struct blk_header {
    uint32_t type;
    uint32_t ioprio;
    uint64_t sector;
};

struct blk_slot {
    struct blk_header hdr;
    volatile uint8_t status;
    uint8_t busy;
    uint32_t tag;       /* the caller's cookie, returned on completion */
};

static struct lg_device *blk;
static struct virtqueue vq;
static struct blk_slot slots[BLK_SLOTS];
static int inflight;
uint64_t blk_capacity;
int blk_readonly;
static int blk_flush_ok;
/* Data buffers: one 64 KiB buffer per slot, at the top of RAM (2 MiB) so a small guest that
 * has no disk does not pay for them. */
extern char _end[];
static uint8_t (*blk_data)[BLK_MAX_BYTES];

static int has_feature(int bit)
{
    return (blk->features[bit / 8] >> (bit % 8)) & 1;
}

static void accept_feature(int bit)
{
    blk->features[blk->feature_len + bit / 8] |= (uint8_t)(1u << (bit % 8));
}

int blk_present(void) { return blk != 0; }

int blk_init(void)
{
    struct lg_device *d = device_find(VIRTIO_ID_BLOCK);
    if (!d || d->num_vq < 1 || d->config_len < 24)
        return -1;
    uint32_t need = BLK_SLOTS * BLK_MAX_BYTES;
    uint32_t kernel_end = ((uint32_t)(uintptr_t)_end + 4095u) & ~4095u;
    if (ram_size < need || ram_size - need < kernel_end + 65536u)
        return -1;          /* too little RAM for the buffers (and the stack below them) */
    blk_data = (uint8_t (*)[BLK_MAX_BYTES])(uintptr_t)(ram_size - need);
    blk = d;
    vq_init(&vq, &d->vq[0]);
    if (vq.num < 3 * BLK_SLOTS) {
        blk = 0;
        return -1;
    }
    blk_capacity = *(volatile uint64_t *)(uintptr_t)d->config;
    for (uint8_t i = 0; i < d->feature_len; i++)
        d->features[d->feature_len + i] = 0;
    blk_readonly = has_feature(BLK_F_RO);
    if (blk_readonly)
        accept_feature(BLK_F_RO);
    blk_flush_ok = has_feature(BLK_F_FLUSH);
    if (blk_flush_ok)
        accept_feature(BLK_F_FLUSH);
    /* The same handshake as the console: one NOTIFY after the accepted features, then DRIVER_OK. */
    device_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    device_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK);
    return 0;
}

uint8_t *blk_buffer(int slot) { return blk_data[slot]; }

int blk_failed(void) { return blk && (blk->desc[4] & VIRTIO_STATUS_FAILED); }

/* Queues one request on slot `s` (not kicked). len 0 = no data descriptor. */
static void submit(int s, uint32_t type, uint64_t sector, uint32_t len, int device_writes, uint32_t tag)
{
    struct blk_slot *sl = &slots[s];
    uint16_t d0 = (uint16_t)(3 * s), d = d0;
    sl->hdr.type = type;
    sl->hdr.ioprio = 0;
    sl->hdr.sector = sector;
    sl->status = 0xFF;
    sl->busy = 1;
    sl->tag = tag;
    vq.desc[d].addr = (uint32_t)(uintptr_t)&sl->hdr;
    vq.desc[d].len = sizeof sl->hdr;
    vq.desc[d].flags = VRING_DESC_F_NEXT;
    vq.desc[d].next = (uint16_t)(d + 1);
    d++;
    if (len) {
        vq.desc[d].addr = (uint32_t)(uintptr_t)blk_data[s];
        vq.desc[d].len = len;
        vq.desc[d].flags = VRING_DESC_F_NEXT | (device_writes ? VRING_DESC_F_WRITE : 0);
        vq.desc[d].next = (uint16_t)(d + 1);
        d++;
    }
    vq.desc[d].addr = (uint32_t)(uintptr_t)&sl->status;
    vq.desc[d].len = 1;
    vq.desc[d].flags = VRING_DESC_F_WRITE;
    vq.desc[d].next = 0;
    irq_disable();
    inflight++;
    vq_publish(&vq, d0);
    irq_enable();
}

/* A free slot, or -1 when all are in flight. */
static int free_slot(void)
{
    for (int s = 0; s < BLK_SLOTS; s++)
        if (!slots[s].busy)
            return s;
    return -1;
}

/* Takes one completion, sleeping until there is one. Returns the slot; *status its status byte. */
static int complete_one(uint8_t *status)
{
    uint32_t id, len;
    irq_disable();
    while (!vq_get_used(&vq, &id, &len)) {
        if (blk_failed()) {
            irq_enable();
            return -1;
        }
        idle_io();
        irq_disable();
    }
    inflight--;
    irq_enable();
    int s = (int)(id / 3);
    *status = slots[s].status;
    slots[s].busy = 0;
    return s;
}

/* One request, waited for: the data goes through slot 0's buffer. */
static int sync_request(uint32_t type, uint64_t sector, uint32_t len, int device_writes)
{
    uint8_t status;
    submit(0, type, sector, len, device_writes, 0);
    vq_kick(&vq);
    if (complete_one(&status) < 0)
        return -1;
    return status;
}

static void fill_pattern(uint8_t *buf, uint32_t seed, uint32_t sector, uint32_t sectors)
{
    uint32_t *w = (uint32_t *)buf;
    for (uint32_t s = 0; s < sectors; s++)
        for (uint32_t o = 0; o < 512; o += 4)
            *w++ = pattern_word(seed, sector + s, o);
}

/* Returns the number of sectors that do not match. */
static uint32_t check_pattern(const uint8_t *buf, uint32_t seed, uint32_t sector, uint32_t sectors)
{
    const uint32_t *w = (const uint32_t *)buf;
    uint32_t bad = 0;
    for (uint32_t s = 0; s < sectors; s++) {
        int ok = 1;
        for (uint32_t o = 0; o < 512; o += 4)
            if (*w++ != pattern_word(seed, sector + s, o))
                ok = 0;
        bad += !ok;
    }
    return bad;
}

static uint64_t now_us(void)
{
    return clock_ns() / 1000u;
}

static uint32_t kib_per_s(uint64_t bytes, uint64_t us)
{
    if (us == 0)
        us = 1;
    return (uint32_t)((bytes * 1000000u / 1024u) / us);
}

/* Writes (write=1) or verifies (write=0) the pattern over [start, start+count) with up to `depth`
 * 64 KiB requests in flight. Returns bad sectors (verify), or -1 on an I/O error. */
struct blk_run {
    uint32_t bad;
    uint32_t ioerrs;
    uint64_t us;
};

static int run_pattern(int write, uint32_t seed, uint32_t start, uint32_t count, int depth, struct blk_run *r)
{
    uint32_t per = BLK_MAX_BYTES / 512, next = start, end = start + count;
    uint32_t sectors_of[BLK_SLOTS];
    r->bad = r->ioerrs = 0;
    uint64_t t0 = now_us();
    while (next < end || inflight > 0) {
        int queued = 0;
        while (next < end && inflight < depth) {
            int s = free_slot();
            if (s < 0)
                break;
            uint32_t n = end - next < per ? end - next : per;
            if (write)
                fill_pattern(blk_data[s], seed, next, n);
            sectors_of[s] = n;
            submit(s, write ? BLK_T_OUT : BLK_T_IN, next, n * 512u, !write, next);
            next += n;
            queued = 1;
        }
        if (queued)
            vq_kick(&vq);
        uint8_t status;
        int s = complete_one(&status);
        if (s < 0)
            return -1;
        if (status != 0)
            r->ioerrs++;
        else if (!write)
            r->bad += check_pattern(blk_data[s], seed, slots[s].tag, sectors_of[s]);
    }
    if (write && blk_flush_ok && sync_request(BLK_T_FLUSH, 0, 0, 0) != 0)
        r->ioerrs++;
    r->us = now_us() - t0;
    return 0;
}

static const char *check_range(uint32_t start, uint32_t count)
{
    if (!blk)
        return "no block device";
    if (count == 0 || (uint64_t)start + count > blk_capacity)
        return "range outside the disk";
    return 0;
}

void blk_info(void)
{
    if (!blk) {
        kprintf("blk: no block device\n");
        return;
    }
    kprintf("blk: %u sectors (%u KiB), %s, flush %s, irq %u\n", (uint32_t)blk_capacity,
            (uint32_t)(blk_capacity / 2), blk_readonly ? "read-only" : "read-write",
            blk_flush_ok ? "yes" : "no", vq.irq);
    int st = sync_request(BLK_T_GET_ID, 0, 20, 1);
    if (st == 0) {
        char id[21];
        memcpy(id, blk_data[0], 20);
        id[20] = 0;
        kprintf("blk: serial '%s'\n", id);
    }
}

/* `blk write|verify SEED START COUNT`, and run=blktest: 0 = success. */
int blk_pattern_command(int write, uint32_t seed, uint32_t start, uint32_t count, char *msg, size_t size)
{
    const char *err = check_range(start, count);
    if (err) {
        lg_snprintf(msg, size, "%s", err);
        return -1;
    }
    struct blk_run r;
    if (run_pattern(write, seed, start, count, 8, &r) < 0) {
        lg_snprintf(msg, size, "the device failed");
        return -1;
    }
    uint32_t ms = (uint32_t)(r.us / 1000u);
    lg_snprintf(msg, size, "%s %u sectors from %u seed %u: %u bad, %u I/O errors, %u ms, %u KiB/s",
                write ? "wrote" : "verified", count, start, seed, r.bad, r.ioerrs, ms,
                kib_per_s((uint64_t)count * 512u, r.us));
    return r.bad || r.ioerrs ? -1 : 0;
}

int blk_flush(void)
{
    if (!blk)
        return -1;
    return sync_request(BLK_T_FLUSH, 0, 0, 0);
}

/* A small PRNG for random offsets (xorshift32). */
static uint32_t rng_state = 2463534242u;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* Sequential (bs 64 KiB) or random (bs 4 KiB) reads/writes of `total` bytes at queue depth
 * `depth`; prints one line "blkbench: NAME qd=D bs=B ops=N bytes=X us=T KiB/s=K iops=I". */
static int bench(const char *name, int write, int random, uint32_t bs, int depth, uint64_t total)
{
    uint32_t per = bs / 512;
    uint64_t disk_units = blk_capacity / per;
    if (disk_units == 0)
        return -1;
    uint64_t ops = total / bs, issued = 0, done = 0, unit = 0;
    uint32_t errs = 0;
    uint64_t t0 = now_us();
    while (done < ops) {
        int queued = 0;
        while (issued < ops && inflight < depth) {
            int s = free_slot();
            if (s < 0)
                break;
            uint64_t u = random ? rnd() % disk_units : unit++ % disk_units;
            submit(s, write ? BLK_T_OUT : BLK_T_IN, u * per, bs, !write, 0);
            issued++;
            queued = 1;
        }
        if (queued)
            vq_kick(&vq);
        uint8_t status;
        if (complete_one(&status) < 0)
            return -1;
        errs += status != 0;
        done++;
    }
    if (write && blk_flush_ok)
        sync_request(BLK_T_FLUSH, 0, 0, 0);
    uint64_t us = now_us() - t0;
    if (us == 0)
        us = 1;
    kprintf("blkbench: %s qd=%d bs=%u ops=%u bytes=%u us=%u KiB/s=%u iops=%u errors=%u\n", name, depth, bs,
            (uint32_t)ops, (uint32_t)(ops * bs), (uint32_t)us, kib_per_s(ops * bs, us),
            (uint32_t)(ops * 1000000u / us), errs);
    return errs ? -1 : 0;
}

/* run=blkbench mb=N: sequential 64 KiB read and write at QD 1 and 32, random 4 KiB reads at QD 1 and 32. */
int blk_bench(uint32_t mb)
{
    if (!blk)
        return -1;
    uint64_t total = (uint64_t)mb << 20;
    if (total > blk_capacity * 512u)
        total = blk_capacity * 512u;
    int rc = 0;
    if (!blk_readonly) {
        rc |= bench("seq-write", 1, 0, 65536, 1, total);
        rc |= bench("seq-write", 1, 0, 65536, 32, total);
    }
    rc |= bench("seq-read", 0, 0, 65536, 1, total);
    rc |= bench("seq-read", 0, 0, 65536, 32, total);
    rc |= bench("rand-read", 0, 1, 4096, 1, total / 4);
    rc |= bench("rand-read", 0, 1, 4096, 32, total / 4);
    return rc;
}
