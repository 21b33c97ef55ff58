#include "kernel.h"

/* virtio net: queue 0 receives frames into buffers we post, queue 1 transmits ours. Every frame on
 * either queue is preceded by the 10-byte legacy virtio_net_hdr; we accept no offloads, so ours is
 * all zeroes. On top: Ethernet, ARP (answer, resolve with a small cache), IPv4 with a static
 * address from "ip=A.B.C.D", ICMP echo (answer; `ping`), and UDP to port 9 counted (the benchmark's
 * sink). Frames are handled in the receive interrupt, so pings are answered whatever the shell does. */
#define NET_HDR 10
#define FRAME_MAX 1518
#define BUF_SIZE 1536
#define RX_BUFS 256          /* the whole receive ring (lguest's 256 entries), or less if it is smaller */
#define TX_BUFS 128
#define VIRTIO_NET_F_MAC 5
#define VRING_USED_F_NO_NOTIFY 1
#define RX_REPUBLISH 32      /* while draining, hand reposted buffers back every this many frames */

#define ETH_ARP 0x0806
#define ETH_IP 0x0800
#define IP_ICMP 1
#define IP_UDP 17
#define UDP_DISCARD 9

static struct lg_device *nic;
static struct virtqueue rxq, txq;
static uint8_t rx_bufs[RX_BUFS][BUF_SIZE] __attribute__((aligned(16)));
static uint8_t tx_bufs[TX_BUFS][BUF_SIZE] __attribute__((aligned(16)));
static uint16_t tx_free[TX_BUFS];
static int tx_free_count;
static uint16_t tx_unkicked;
static uint16_t rx_posted;   /* receive buffers in use: min(RX_BUFS, ring size) */

uint8_t net_mac[6];
uint32_t net_ip;             /* host order */
struct net_counters net_stats;

#define ARP_CACHE 8
static struct { uint32_t ip; uint8_t mac[6]; } arp_cache[ARP_CACHE];
static int arp_next;

/* The echo reply ping waits for: set in the interrupt handler. */
static volatile uint16_t ping_id, ping_seq_seen;
static volatile int ping_got;

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }

static uint16_t checksum(const uint8_t *p, uint32_t len)
{
    uint32_t sum = 0;
    for (uint32_t i = 0; i + 1 < len; i += 2)
        sum += get16(p + i);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)~sum;
}

/* The value of "name=value" on the kernel command line (name given with its '='), or 0. */
const char *kernel_arg(const char *name)
{
    const char *cmdline = lg_cmdline();
    size_t n = strlen(name);
    for (const char *p = cmdline; *p; p++)
        if ((p == cmdline || p[-1] == ' ') && strncmp(p, name, n) == 0)
            return p + n;
    return 0;
}

int net_parse_ip(const char *s, uint32_t *ip)
{
    uint32_t v = 0;
    for (int part = 0; part < 4; part++) {
        uint32_t n = 0;
        int digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 4) {
            n = n * 10 + (uint32_t)(*s++ - '0');
            digits++;
        }
        if (digits == 0 || n > 255)
            return -1;
        v = v << 8 | n;
        if (part < 3 && *s++ != '.')
            return -1;
    }
    if (*s != 0 && *s != ' ')
        return -1;
    *ip = v;
    return 0;
}

void net_format_ip(char *buf, uint32_t ip)
{
    lg_snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

/* Microseconds from the host's wall clock in lguest_data (kept current every vCPU slice). */
uint64_t net_now_us(void)
{
    return clock_ns() / 1000u;
}

/* Receive descriptor id always points at rx_bufs[id]: set once, then only its head is reposted. */
static void setup_rx(uint16_t id)
{
    rxq.desc[id].addr = (uint32_t)(uintptr_t)rx_bufs[id];
    rxq.desc[id].len = BUF_SIZE;
    rxq.desc[id].flags = VRING_DESC_F_WRITE;
    rxq.desc[id].next = 0;
}

/* Puts buffer id back in the available ring without publishing avail.idx (rx_publish does). */
static void repost_rx(uint16_t id)
{
    rxq.avail_ring[rxq.avail_shadow % rxq.num] = id;
    rxq.avail_shadow++;
}

static void rx_publish(void)
{
    barrier();
    *rxq.avail_idx = rxq.avail_shadow;
    barrier();
}

/* The device sets VRING_USED_F_NO_NOTIFY when it looks at the available ring for every frame. */
static void rx_kick_if_wanted(void)
{
    volatile uint16_t *used_flags = (volatile uint16_t *)((uintptr_t)rxq.used_idx - 2);
    if (!(*used_flags & VRING_USED_F_NO_NOTIFY))
        vq_kick(&rxq);
}

static void reclaim_tx(void)
{
    uint32_t id, len;
    while (vq_get_used(&txq, &id, &len))
        if (id < TX_BUFS)
            tx_free[tx_free_count++] = (uint16_t)id;
}

static void kick_tx(void)
{
    if (tx_unkicked) {
        tx_unkicked = 0;
        vq_kick(&txq);
    }
}

/* A free transmit buffer (its frame part), or 0. With wait, sleeps until the device returns one;
 * without (interrupt context), gives up. Called with interrupts off. */
static uint8_t *tx_alloc(int wait, uint16_t *id)
{
    reclaim_tx();
    while (tx_free_count == 0) {
        if (!wait)
            return 0;
        kick_tx();
        idle_io();           /* a transmit interrupt (or the 10 ms fallback) wakes us */
        irq_disable();
        reclaim_tx();
    }
    *id = tx_free[--tx_free_count];
    memset(tx_bufs[*id], 0, NET_HDR);
    return tx_bufs[*id] + NET_HDR;
}

/* Queues the frame in buffer id; kicks now unless batching (then every 32 frames, or when the
 * sender runs out of buffers). Interrupts off. */
static void tx_submit(uint16_t id, uint32_t frame_len, int batch)
{
    txq.desc[id].addr = (uint32_t)(uintptr_t)tx_bufs[id];
    txq.desc[id].len = NET_HDR + frame_len;
    txq.desc[id].flags = 0;
    txq.desc[id].next = 0;
    vq_publish(&txq, id);
    tx_unkicked++;
    net_stats.tx_frames++;
    if (!batch || tx_unkicked >= 32)
        kick_tx();
}

static uint8_t *eth_start(uint8_t *f, const uint8_t *dst, uint16_t type)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, net_mac, 6);
    put16(f + 12, type);
    return f + 14;
}

static const uint8_t *arp_lookup(uint32_t ip)
{
    for (int i = 0; i < ARP_CACHE; i++)
        if (arp_cache[i].ip == ip && ip != 0)
            return arp_cache[i].mac;
    return 0;
}

static void arp_learn(uint32_t ip, const uint8_t *mac)
{
    for (int i = 0; i < ARP_CACHE; i++)
        if (arp_cache[i].ip == ip) {
            memcpy(arp_cache[i].mac, mac, 6);
            return;
        }
    arp_cache[arp_next].ip = ip;
    memcpy(arp_cache[arp_next].mac, mac, 6);
    arp_next = (arp_next + 1) % ARP_CACHE;
}

static void arp_send(int wait, uint16_t op, const uint8_t *dst_mac, const uint8_t *tha, uint32_t tpa)
{
    uint16_t id;
    uint8_t *f = tx_alloc(wait, &id);
    if (!f) {
        net_stats.tx_dropped++;
        return;
    }
    uint8_t *a = eth_start(f, dst_mac, ETH_ARP);
    put16(a, 1);
    put16(a + 2, ETH_IP);
    a[4] = 6;
    a[5] = 4;
    put16(a + 6, op);
    memcpy(a + 8, net_mac, 6);
    put32(a + 14, net_ip);
    memcpy(a + 18, tha, 6);
    put32(a + 24, tpa);
    tx_submit(id, 14 + 28 + 18, 0); /* padded to the 60-byte Ethernet minimum */
}

static void handle_arp(const uint8_t *a, uint32_t len)
{
    if (len < 28 || get16(a) != 1 || get16(a + 2) != ETH_IP || a[4] != 6 || a[5] != 4)
        return;
    uint32_t spa = get32(a + 14), tpa = get32(a + 24);
    if (tpa != net_ip)
        return;
    arp_learn(spa, a + 8);
    if (get16(a + 6) == 1)
        arp_send(0, 2, a + 8, a + 8, spa);
}

/* Starts an IPv4 packet to dst_mac/dst; returns where the payload goes. */
static uint8_t *ip_start(uint8_t *f, const uint8_t *dst_mac, uint32_t dst, uint8_t proto, uint32_t payload_len)
{
    static uint16_t ip_id;
    uint8_t *ip = eth_start(f, dst_mac, ETH_IP);
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)(20 + payload_len));
    put16(ip + 4, ip_id++);
    ip[8] = 64;
    ip[9] = proto;
    put32(ip + 12, net_ip);
    put32(ip + 16, dst);
    put16(ip + 10, checksum(ip, 20));
    return ip + 20;
}

static void handle_icmp(const uint8_t *eth_src, uint32_t src, const uint8_t *icmp, uint32_t len)
{
    if (len < 8)
        return;
    if (icmp[0] == 8 && len <= FRAME_MAX - 14 - 20) {          /* echo request: answer */
        uint16_t id;
        uint8_t *f = tx_alloc(0, &id);
        if (!f) {
            net_stats.tx_dropped++;
            return;
        }
        uint8_t *r = ip_start(f, eth_src, src, IP_ICMP, len);
        memcpy(r, icmp, len);
        r[0] = 0;
        put16(r + 2, 0);
        put16(r + 2, checksum(r, len));
        tx_submit(id, 14 + 20 + (len < 26 ? 26 : len), 0);
        net_stats.echo_answered++;
    } else if (icmp[0] == 0 && get16(icmp + 4) == ping_id) {   /* echo reply to our ping */
        ping_seq_seen = get16(icmp + 6);
        ping_got = 1;
    }
}

static void handle_frame(const uint8_t *f, uint32_t len)
{
    if (len < 14)
        return;
    if (memcmp(f, net_mac, 6) != 0 && !(f[0] & 1))
        return;                                    /* not for us (a flooded unicast) */
    uint16_t type = get16(f + 12);
    if (type == ETH_ARP) {
        handle_arp(f + 14, len - 14);
        return;
    }
    if (type != ETH_IP || len < 34)
        return;
    const uint8_t *ip = f + 14;
    uint32_t ihl = (ip[0] & 15) * 4u, total = get16(ip + 2);
    if ((ip[0] >> 4) != 4 || ihl < 20 || total < ihl || total > len - 14 || get32(ip + 16) != net_ip)
        return;
    uint32_t src = get32(ip + 12);
    if (ip[9] == IP_ICMP)
        handle_icmp(f + 6, src, ip + ihl, total - ihl);
    else if (ip[9] == IP_UDP && total - ihl >= 8 && get16(ip + ihl + 2) == UDP_DISCARD) {
        net_stats.udp_received++;
        net_stats.udp_bytes += len;
    }
}

/* The receive interrupt (and the transmit one): take every used buffer, handle it, post it again.
 * While draining, the device is asked not to interrupt (VRING_AVAIL_F_NO_INTERRUPT); after turning
 * interrupts back on the ring is checked once more, so a frame completed in between is not left
 * waiting for the next one. Reposts are published in batches, with at most one kick. */
static void net_irq(int irq)
{
    (void)irq;
    uint32_t id, len;
    int reposted = 0;
    for (;;) {
        *rxq.avail_flags = VRING_AVAIL_F_NO_INTERRUPT;
        while (vq_get_used(&rxq, &id, &len)) {
            if (id >= rx_posted)
                continue;
            net_stats.rx_frames++;
            if (len > NET_HDR && len <= BUF_SIZE)
                handle_frame(rx_bufs[id] + NET_HDR, len - NET_HDR);
            repost_rx((uint16_t)id);
            if (++reposted % RX_REPUBLISH == 0)
                rx_publish();
        }
        rx_publish();
        *rxq.avail_flags = 0;
        barrier();
        if (!vq_has_used(&rxq))
            break;
    }
    if (reposted)
        rx_kick_if_wanted();
    reclaim_tx();
    kick_tx();
}

int net_ready(void)
{
    return nic != 0;
}

int net_init(void)
{
    struct lg_device *d = device_find(VIRTIO_ID_NET);
    if (!d || d->num_vq < 2)
        return -1;
    const char *ip = kernel_arg("ip=");
    if (!ip || net_parse_ip(ip, &net_ip) != 0)
        net_ip = 0;
    vq_init(&rxq, &d->vq[0]);
    vq_init(&txq, &d->vq[1]);
    if (txq.num < TX_BUFS || rxq.num == 0)
        return -1;
    rx_posted = rxq.num < RX_BUFS ? rxq.num : RX_BUFS;
    int has_mac = d->feature_len > 0 && (d->features[0] & (1u << VIRTIO_NET_F_MAC)) && d->config_len >= 6;
    for (int i = 0; i < 6; i++)
        net_mac[i] = has_mac ? d->config[i] : (uint8_t)(i == 0 ? 0x52 : i);
    for (uint16_t i = 0; i < TX_BUFS; i++)
        tx_free[i] = i;
    tx_free_count = TX_BUFS;
    for (uint16_t i = 0; i < rx_posted; i++) {
        setup_rx(i);
        repost_rx(i);
    }
    rx_publish();
    irq_register(rxq.irq, net_irq);
    irq_register(txq.irq, net_irq);

    /* The console's handshake: accept only MAC, one NOTIFY of the descriptor, then DRIVER_OK. */
    for (uint8_t i = 0; i < d->feature_len; i++)
        d->features[d->feature_len + i] = 0;
    if (has_mac)
        d->features[d->feature_len] = 1u << VIRTIO_NET_F_MAC;
    device_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    device_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK);
    nic = d;
    vq_kick(&rxq);
    return 0;
}

/* Finds target's MAC: the cache, else ARP requests every 100 ms for up to timeout_ms. */
static const uint8_t *arp_resolve(uint32_t target, uint32_t timeout_ms)
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    static const uint8_t zero[6];
    uint64_t start = clock_ns(), end = start + (uint64_t)timeout_ms * 1000000u, last = 0;
    int sent = 0;
    for (;;) {
        irq_disable();
        const uint8_t *mac = arp_lookup(target);
        if (mac) {
            irq_enable();
            return mac;
        }
        uint64_t now = clock_ns();
        if (now >= end) {
            irq_enable();
            return 0;
        }
        if (!sent || now - last >= 100000000u) {
            arp_send(1, 1, bcast, zero, target);
            last = now;
            sent = 1;
        }
        uint64_t resend = last + 100000000u;
        idle_until(resend < end ? resend : end);
        irq_enable();
    }
}

/* Sends count echo requests (56 bytes of data, like ping's default) and prints each round trip.
 * Returns how many replies came back. */
int net_ping(uint32_t target, int count, int quiet)
{
    char addr[16];
    net_format_ip(addr, target);
    if (!nic || net_ip == 0) {
        kprintf("ping: no network (a net device and ip=A.B.C.D on the command line are needed)\n");
        return 0;
    }
    const uint8_t *mac = arp_resolve(target, 10000);
    if (!mac) {
        kprintf("ping: %s: no ARP reply\n", addr);
        return 0;
    }
    uint8_t dst[6];
    memcpy(dst, mac, 6);
    if (!quiet)
        kprintf("PING %s: 56 data bytes\n", addr);
    int received = 0;
    ping_id = (uint16_t)(0x4c47 + uptime_ms());
    for (int seq = 1; seq <= count; seq++) {
        uint16_t id;
        irq_disable();
        ping_got = 0;
        uint8_t *f = tx_alloc(1, &id);
        uint8_t *icmp = ip_start(f, dst, target, IP_ICMP, 64);
        icmp[0] = 8;
        icmp[1] = 0;
        put16(icmp + 2, 0);
        put16(icmp + 4, ping_id);
        put16(icmp + 6, (uint16_t)seq);
        for (int i = 8; i < 64; i++)
            icmp[i] = (uint8_t)i;
        put16(icmp + 2, checksum(icmp, 64));
        uint64_t t0 = net_now_us();
        uint64_t deadline = clock_ns() + 1000000000u;
        tx_submit(id, 14 + 20 + 64, 0);
        while (!(ping_got && ping_seq_seen == (uint16_t)seq) && clock_ns() < deadline) {
            idle_until(deadline);
            irq_disable();
        }
        /* The ICMP sequence field is 16 bits: compare it as one, so ping 65537 wraps as ping(8) does. */
        int ok = ping_got && ping_seq_seen == (uint16_t)seq;
        irq_enable();
        if (ok) {
            uint64_t us = net_now_us() - t0;
            received++;
            if (!quiet)
                kprintf("64 bytes from %s: icmp_seq=%d time=%u.%03u ms\n", addr, seq, (uint32_t)(us / 1000), (uint32_t)(us % 1000));
        } else if (!quiet) {
            kprintf("from %s: icmp_seq=%d timed out\n", addr, seq);
        }
    }
    if (!quiet)
        kprintf("--- %s ping statistics: %d transmitted, %d received\n", addr, count, received);
    return received;
}

/* Sends count UDP datagrams to target:9 in frames of frame_len bytes, as fast as the ring takes
 * them (the benchmark's source). Returns the microseconds it took. */
uint64_t net_blast(uint32_t target, uint32_t count, uint32_t frame_len)
{
    if (frame_len < 14 + 20 + 8)
        frame_len = 14 + 20 + 8;
    if (frame_len > 14 + 1500)
        frame_len = 14 + 1500;
    const uint8_t *mac = arp_resolve(target, 10000);
    if (!mac)
        return 0;
    uint8_t dst[6];
    memcpy(dst, mac, 6);
    uint32_t udp_len = frame_len - 14 - 20;
    uint64_t t0 = net_now_us();
    for (uint32_t n = 0; n < count; n++) {
        uint16_t id;
        irq_disable();
        uint8_t *f = tx_alloc(1, &id);
        uint8_t *udp = ip_start(f, dst, target, IP_UDP, udp_len);
        put16(udp, 9999);
        put16(udp + 2, UDP_DISCARD);
        put16(udp + 4, (uint16_t)udp_len);
        put16(udp + 6, 0);               /* no UDP checksum (allowed over IPv4) */
        put32(udp + 8, n);
        tx_submit(id, frame_len, 1);
        irq_enable();
    }
    irq_disable();
    kick_tx();
    reclaim_tx();
    while (tx_free_count < TX_BUFS) {
        idle_io();
        irq_disable();
        reclaim_tx();
    }
    irq_enable();
    return net_now_us() - t0;
}
