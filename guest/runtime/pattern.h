/* The block test pattern, shared by the sample kernel's `blk write|verify` and the Linux user
 * space's `disk write|verify`, so a disk written by one verifies in the other. A pure function of
 * (seed, sector, byte offset), one little-endian 32-bit word at a time; the host computes the
 * same (src/Host/Experiments/BlockWriteVerifyWorkload.cs Pattern, tests/Actors.Tests/Block/BlockPattern.cs). */
#ifndef LG_PATTERN_H
#define LG_PATTERN_H

#include <stdint.h>

static inline uint32_t pattern_word(uint32_t seed, uint32_t sector, uint32_t offset)
{
    uint32_t x = seed * 0x9E3779B1u ^ sector * 0x85EBCA77u ^ offset * 0xC2B2AE3Du;
    x ^= x >> 15;
    x *= 0x2C1B3C6Du;
    x ^= x >> 12;
    x *= 0x297A2D39u;
    x ^= x >> 15;
    return x;
}

#endif
