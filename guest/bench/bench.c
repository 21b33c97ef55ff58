/* The interpreter benchmark's workload: ordinary integer code of the kind a kernel runs —
 * CRC32, quicksort, a sieve, an integer matrix multiply, a linked list, a hash table.
 * Each round does the same work; the checksum folds in every result. */
#include <stdint.h>

#include "bench.h"

#define BUF_BYTES   (64u * 1024u)
#define SORT_N      20000u
#define SIEVE_N     200000u
#define MAT_N       48u
#define LIST_N      20000u
#define HASH_BITS   15u
#define HASH_SIZE   (1u << HASH_BITS)
#define HASH_KEYS   20000u

static uint32_t seed;
static uint32_t next_rand(void)
{
    seed = seed * 1664525u + 1013904223u;
    return seed;
}

static uint8_t buf[BUF_BYTES];
static uint32_t crc_table[256];

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32(const uint8_t *p, uint32_t n)
{
    uint32_t c = 0xffffffffu;
    while (n--)
        c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

static int32_t sort_a[SORT_N];

static void quicksort(int32_t *a, int32_t lo, int32_t hi)
{
    while (lo < hi) {
        int32_t pivot = a[lo + (hi - lo) / 2];
        int32_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                int32_t t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                j--;
            }
        }
        /* Recurse into the smaller half, loop on the larger: bounded stack depth. */
        if (j - lo < hi - i) {
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
}

static uint32_t sort_round(void)
{
    for (uint32_t i = 0; i < SORT_N; i++)
        sort_a[i] = (int32_t)next_rand();
    quicksort(sort_a, 0, (int32_t)SORT_N - 1);
    uint32_t h = 0;
    for (uint32_t i = 1; i < SORT_N; i++) {
        if (sort_a[i - 1] > sort_a[i])
            return 0xdead0000u + i;
        h = h * 33u + (uint32_t)sort_a[i];
    }
    return h;
}

static uint8_t composite[SIEVE_N + 1];

static uint32_t sieve_round(void)
{
    for (uint32_t i = 0; i <= SIEVE_N; i++)
        composite[i] = 0;
    uint32_t count = 0, last = 0;
    for (uint32_t i = 2; i <= SIEVE_N; i++) {
        if (composite[i])
            continue;
        count++;
        last = i;
        for (uint32_t j = i * 2; j <= SIEVE_N; j += i)
            composite[j] = 1;
    }
    return count * 65599u + last;
}

static int32_t ma[MAT_N][MAT_N], mb[MAT_N][MAT_N], mc[MAT_N][MAT_N];

static uint32_t matrix_round(void)
{
    for (uint32_t i = 0; i < MAT_N; i++)
        for (uint32_t j = 0; j < MAT_N; j++) {
            ma[i][j] = (int32_t)(next_rand() >> 20) - 2048;
            mb[i][j] = (int32_t)(next_rand() >> 20) - 2048;
        }
    for (uint32_t i = 0; i < MAT_N; i++)
        for (uint32_t j = 0; j < MAT_N; j++) {
            int32_t s = 0;
            for (uint32_t k = 0; k < MAT_N; k++)
                s += ma[i][k] * mb[k][j];
            mc[i][j] = s;
        }
    uint32_t h = 0;
    for (uint32_t i = 0; i < MAT_N; i++)
        h = h * 31u + (uint32_t)mc[i][(i * 7u) % MAT_N];
    return h;
}

struct node {
    struct node *next;
    uint32_t key;
    uint32_t value;
};

static struct node pool[LIST_N];

static uint32_t list_round(void)
{
    struct node *head = 0;
    for (uint32_t i = 0; i < LIST_N; i++) {
        struct node *n = &pool[(i * 7919u) % LIST_N];
        n->key = next_rand();
        n->value = i;
        n->next = head;
        head = n;
    }
    /* Reverse it, then walk it twice. */
    struct node *prev = 0;
    while (head) {
        struct node *nx = head->next;
        head->next = prev;
        prev = head;
        head = nx;
    }
    uint32_t h = 0, odd = 0;
    for (struct node *n = prev; n; n = n->next)
        h = (h ^ n->key) * 16777619u;
    for (struct node *n = prev; n; n = n->next)
        odd += n->value & 1;
    return h + odd;
}

static uint32_t hkeys[HASH_SIZE];
static uint32_t hvals[HASH_SIZE];

static uint32_t hash_round(void)
{
    for (uint32_t i = 0; i < HASH_SIZE; i++)
        hkeys[i] = 0;
    uint32_t first = seed;
    for (uint32_t i = 0; i < HASH_KEYS; i++) {
        uint32_t k = next_rand() | 1u;
        uint32_t slot = (k * 2654435761u) >> (32 - HASH_BITS);
        while (hkeys[slot] && hkeys[slot] != k)
            slot = (slot + 1) & (HASH_SIZE - 1);
        hkeys[slot] = k;
        hvals[slot] = i;
    }
    /* Look every key up again (replaying the generator), plus as many misses. */
    seed = first;
    uint32_t found = 0, sum = 0;
    for (uint32_t i = 0; i < HASH_KEYS * 2; i++) {
        uint32_t k = i < HASH_KEYS ? (next_rand() | 1u) : (i * 2u);
        uint32_t slot = (k * 2654435761u) >> (32 - HASH_BITS);
        while (hkeys[slot]) {
            if (hkeys[slot] == k) {
                found++;
                sum += hvals[slot];
                break;
            }
            slot = (slot + 1) & (HASH_SIZE - 1);
        }
    }
    return found * 1000003u + sum;
}

uint32_t bench_run(uint32_t scale)
{
    uint32_t check = 0;
    seed = 12345u;
    crc_init();
    for (uint32_t i = 0; i < BUF_BYTES; i++)
        buf[i] = (uint8_t)next_rand();
    for (uint32_t round = 0; round < scale; round++) {
        buf[round % BUF_BYTES] ^= (uint8_t)round;
        check = check * 3u + crc32(buf, BUF_BYTES);
        check = check * 3u + sort_round();
        check = check * 3u + sieve_round();
        check = check * 3u + matrix_round();
        check = check * 3u + list_round();
        check = check * 3u + hash_round();
    }
    return check;
}
