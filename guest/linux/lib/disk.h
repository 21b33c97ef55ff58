/* The block test through the Linux block layer: write the shared pattern (runtime/pattern.h) to
 * a range of sectors of a block device, or read it back and count the sectors that differ. */
#ifndef LX_DISK_H
#define LX_DISK_H

#include <stdint.h>

#define DISK_SECTOR 512u

/* Fills `sectors` sectors from `sector` with the pattern of `seed`. */
void disk_fill(uint8_t *buf, uint32_t seed, uint32_t sector, uint32_t sectors);

/* Counts the sectors of buf that are not the pattern; *first gets the first bad one (or stays). */
uint32_t disk_check(const uint8_t *buf, uint32_t seed, uint32_t sector, uint32_t sectors, uint32_t *first);

/* write=1: writes the pattern to [start, start+count) of `dev` and fsyncs it (a FLUSH to the
 * device). write=0: drops the device's page cache (BLKFLSBUF), so every read goes to the device,
 * reads the range back and checks it. Returns the number of bad sectors (0 after a write), or
 * -errno; `msg` gets one line saying what happened. `dev` may also be a regular file. */
long disk_pattern(const char *dev, int write, uint32_t seed, uint32_t start, uint32_t count, char *msg, uint32_t size);

#endif
