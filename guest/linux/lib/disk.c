#include "disk.h"
#include "sys.h"
#include "../../runtime/pattern.h"

/* 64 KiB at a time: big enough that the block layer sends multi-page requests, small enough for
 * a guest with little RAM. */
#define CHUNK_SECTORS 128u
static uint8_t chunk[CHUNK_SECTORS * DISK_SECTOR] __attribute__((aligned(4096)));

void disk_fill(uint8_t *buf, uint32_t seed, uint32_t sector, uint32_t sectors)
{
    for (uint32_t s = 0; s < sectors; s++)
        for (uint32_t o = 0; o < DISK_SECTOR; o += 4) {
            uint32_t w = pattern_word(seed, sector + s, o);
            uint8_t *p = buf + s * DISK_SECTOR + o;
            p[0] = (uint8_t)w;
            p[1] = (uint8_t)(w >> 8);
            p[2] = (uint8_t)(w >> 16);
            p[3] = (uint8_t)(w >> 24);
        }
}

uint32_t disk_check(const uint8_t *buf, uint32_t seed, uint32_t sector, uint32_t sectors, uint32_t *first)
{
    uint32_t bad = 0;
    for (uint32_t s = 0; s < sectors; s++) {
        const uint8_t *p = buf + s * DISK_SECTOR;
        for (uint32_t o = 0; o < DISK_SECTOR; o += 4) {
            uint32_t w = (uint32_t)p[o] | (uint32_t)p[o + 1] << 8 | (uint32_t)p[o + 2] << 16 | (uint32_t)p[o + 3] << 24;
            if (w != pattern_word(seed, sector + s, o)) {
                if (bad == 0)
                    *first = sector + s;
                bad++;
                break;
            }
        }
    }
    return bad;
}

/* The whole buffer, retrying short transfers; -errno, or -EIO at the end of the device. */
static long transfer(int fd, int write, uint8_t *buf, uint32_t bytes)
{
    uint32_t done = 0;
    while (done < bytes) {
        long r = write ? sys_write(fd, buf + done, bytes - done) : sys_read(fd, buf + done, bytes - done);
        if (r == -EINTR)
            continue;
        if (r < 0)
            return r;
        if (r == 0)
            return -EIO;
        done += (uint32_t)r;
    }
    return 0;
}

long disk_pattern(const char *dev, int write, uint32_t seed, uint32_t start, uint32_t count, char *msg, uint32_t size)
{
    const char *verb = write ? "write" : "verify";
    int fd = sys_open(dev, write ? O_RDWR : O_RDONLY, 0);
    if (fd < 0) {
        lg_snprintf(msg, size, "%s %s: cannot open: %s", verb, dev, lx_strerror(fd));
        return fd;
    }
    /* A regular file works too (its size from lseek, no cache to drop): the native tests use one. */
    uint64_t bytes = 0;
    long r = sys_ioctl(fd, BLKGETSIZE64, &bytes);
    int file = r == -ENOTTY;
    if (file) {
        int64_t end = sys_lseek(fd, 0, SEEK_END);
        r = end < 0 ? (long)end : 0;
        bytes = end < 0 ? 0 : (uint64_t)end;
    }
    if (r < 0) {
        lg_snprintf(msg, size, "%s %s: cannot tell its size: %s", verb, dev, lx_strerror(r));
        sys_close(fd);
        return r;
    }
    uint64_t sectors = bytes / DISK_SECTOR;
    if ((uint64_t)start + count > sectors) {
        lg_snprintf(msg, size, "%s %s: sectors %u..%u are past the end of the disk (%llu sectors)", verb, dev,
                    start, start + count, (unsigned long long)sectors);
        sys_close(fd);
        return -EINVAL;
    }
    if (!write && !file && (r = sys_ioctl(fd, BLKFLSBUF, 0)) < 0) {
        lg_snprintf(msg, size, "verify %s: BLKFLSBUF: %s", dev, lx_strerror(r));
        sys_close(fd);
        return r;
    }
    int64_t at = sys_lseek(fd, (int64_t)start * DISK_SECTOR, SEEK_SET);
    if (at < 0) {
        lg_snprintf(msg, size, "%s %s: lseek: %s", verb, dev, lx_strerror((long)at));
        sys_close(fd);
        return (long)at;
    }
    uint32_t bad = 0, first = 0;
    for (uint32_t s = start; s < start + count;) {
        uint32_t n = start + count - s < CHUNK_SECTORS ? start + count - s : CHUNK_SECTORS;
        if (write)
            disk_fill(chunk, seed, s, n);
        r = transfer(fd, write, chunk, n * DISK_SECTOR);
        if (r < 0) {
            lg_snprintf(msg, size, "%s %s: %s at sector %u: %s", verb, dev, write ? "write" : "read", s, lx_strerror(r));
            sys_close(fd);
            return r;
        }
        if (!write) {
            uint32_t first_here = 0, bad_here = disk_check(chunk, seed, s, n, &first_here);
            if (bad == 0 && bad_here > 0)
                first = first_here;
            bad += bad_here;
        }
        s += n;
    }
    if (write && (r = sys_fsync(fd)) < 0) {
        lg_snprintf(msg, size, "write %s: fsync: %s", dev, lx_strerror(r));
        sys_close(fd);
        return r;
    }
    sys_close(fd);
    if (write)
        lg_snprintf(msg, size, "wrote %u sectors from %u seed %u to %s", count, start, seed, dev);
    else if (bad == 0)
        lg_snprintf(msg, size, "verified %u sectors from %u seed %u on %s: all match", count, start, seed, dev);
    else
        lg_snprintf(msg, size, "verified %u sectors from %u seed %u on %s: %u bad, the first at sector %u", count, start,
                    seed, dev, bad, first);
    return bad;
}
