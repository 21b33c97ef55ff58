/* The sample LguestActors guest kernel: boots by the lguest protocol, finds its devices in the
 * lguest device page, and drives a virtio console with interrupts. */
#ifndef KERNEL_H
#define KERNEL_H

#include <stdint.h>
#include "lguest.h"
#include "libc.h"

#define LHCALL_NEW_PGTABLE       4u
#define LHCALL_LOAD_IDT_ENTRY    6u
#define LHCALL_SET_CLOCKEVENT    9u
#define LHCALL_SEND_INTERRUPTS  19u

/* struct lguest_data, i386 layout (DESIGN §3). */
struct lguest_data {
    volatile uint32_t irq_enabled;
    volatile uint32_t blocked_interrupts;
    volatile uint32_t cr2;
    volatile uint32_t time_sec;
    volatile uint32_t time_nsec;
    volatile int32_t irq_pending;
    volatile uint8_t hcall_status[64];
    volatile uint32_t hcalls[64][5];
    volatile uint32_t reserve_mem;
    volatile uint32_t tsc_khz;
    volatile uint32_t noirq_start;
    volatile uint32_t noirq_end;
    volatile uint32_t kernel_address;
    volatile uint32_t syscall_vec;
};
extern struct lguest_data lguest_data;

#define barrier() __asm__ volatile("" ::: "memory")

/* Interrupts are virtual: lguest_data.irq_enabled is our EFLAGS.IF. */
static inline void irq_disable(void) { lguest_data.irq_enabled = 0; barrier(); }
void irq_enable(void);

/* trap.c */
void traps_init(void);
typedef void (*irq_handler_t)(int irq);
void irq_register(int irq, irq_handler_t handler);
extern volatile uint32_t irq_counts[32];

/* timer.c: the host's clock and the one-shot clock event (IRQ 0), tickless */
void timer_init(void);
uint64_t clock_ns(void);          /* the host's clock, lguest_data.time */
uint32_t uptime_ms(void);
extern volatile uint64_t clock_event_ns; /* clock_ns() when the last clock event was taken */

/* devices.c: the lguest device page */
struct lg_vqconfig {
    uint16_t num;
    uint16_t irq;
    uint32_t pfn;
} __attribute__((packed));

struct lg_device {
    volatile uint8_t *desc;     /* the descriptor in the device page */
    uint8_t type, num_vq, feature_len, config_len;
    struct lg_vqconfig *vq;     /* num_vq entries */
    volatile uint8_t *features; /* offered; accepted follow at + feature_len */
    volatile uint8_t *config;
};
#define LG_MAX_DEVICES 16
extern struct lg_device lg_devices[LG_MAX_DEVICES];
extern int lg_device_count;
extern uint32_t ram_size;
void devices_init(void);
struct lg_device *device_find(uint8_t type);
const char *device_type_name(uint8_t type);
void device_set_status(struct lg_device *dev, uint8_t status);

#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG 4
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FAILED 0x80

/* virtio.c: legacy split rings, page aligned */
struct vring_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define VRING_AVAIL_F_NO_INTERRUPT 1

struct virtqueue {
    uint16_t num;
    uint16_t irq;
    uint32_t ring_addr;
    volatile struct vring_desc *desc;
    volatile uint16_t *avail_flags, *avail_idx, *avail_ring;
    volatile uint16_t *used_idx;
    volatile uint32_t *used_ring; /* {id, len} pairs */
    uint16_t avail_shadow;
    uint16_t last_used;
};
void vq_init(struct virtqueue *vq, const struct lg_vqconfig *cfg);
/* Publishes descriptor chain head `head` in the available ring (does not kick). */
void vq_publish(struct virtqueue *vq, uint16_t head);
void vq_kick(struct virtqueue *vq);
/* Takes the next used entry; returns 0 when there is none. */
int vq_get_used(struct virtqueue *vq, uint32_t *id, uint32_t *len);
int vq_has_used(struct virtqueue *vq);

/* console.c */
int console_init(void);
void console_write(const char *s, size_t len);
int console_getc(void); /* -1 when nothing is buffered */
int console_ready(void);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern uint32_t console_rx_bytes, console_tx_bytes;

/* net.c: virtio net, ARP, IPv4, ICMP echo, a UDP sink on port 9 */
struct net_counters {
    uint32_t rx_frames, tx_frames, tx_dropped, echo_answered, udp_received;
    uint64_t udp_bytes;
};
extern struct net_counters net_stats;
extern uint8_t net_mac[6];
extern uint32_t net_ip;
int net_init(void);
int net_ready(void);
const char *kernel_arg(const char *name);
int net_parse_ip(const char *s, uint32_t *ip);
void net_format_ip(char *buf, uint32_t ip);
uint64_t net_now_us(void);
int net_ping(uint32_t target, int count, int quiet);
uint64_t net_blast(uint32_t target, uint32_t count, uint32_t frame_len);
int net_run(const char *mode);
int count_run(void);
void console_flush(void);

/* block.c */
int blk_init(void);
int blk_present(void);
void blk_info(void);
int blk_flush(void);
int blk_pattern_command(int write, uint32_t seed, uint32_t start, uint32_t count, char *msg, size_t size);
int blk_bench(uint32_t mb);
int blktest_run(void);
int blkbench_run(void);
void blk_command(const char *line);

/* rng.c: virtio entropy */
int rng_init(void);
int rng_present(void);
int rng_read(uint8_t *buf, uint32_t len);
void rng_command(const char *args);
int rng_run(void);
extern uint32_t rng_requests, rng_bytes;

/* shell.c */
void shell_run(void);
int selftest_run(void);

/* Waiting, called with interrupts off after finding nothing to do; HALT means "enable interrupts
 * and wait", so they are on when these return (unless the deadline had already passed). */
void idle(void);                  /* until an interrupt; no clock event stays armed */
void idle_until(uint64_t deadline_ns); /* until an interrupt or clock_ns() reaches the deadline */
void idle_io(void);               /* waiting for a device: also looks again every 10 ms */
#endif
