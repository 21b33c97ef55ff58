#include "kernel.h"

/* virtio console: queue 0 carries host input into buffers we post, queue 1 our output. */
#define RX_BUFS 16
#define RX_BUF_SIZE 128
#define TX_BUFS 32
#define TX_BUF_SIZE 256

static struct lg_device *con;
static struct virtqueue rxq, txq;
static uint8_t rx_bufs[RX_BUFS][RX_BUF_SIZE];
static uint8_t tx_bufs[TX_BUFS][TX_BUF_SIZE];
static uint16_t tx_free[TX_BUFS];
static int tx_free_count;

/* Input taken from used RX buffers but not yet read by the shell. */
static uint8_t in_fifo[1024];
static uint32_t in_head, in_tail;

uint32_t console_rx_bytes, console_tx_bytes;

static void post_rx(uint16_t id)
{
    rxq.desc[id].addr = (uint32_t)(uintptr_t)rx_bufs[id];
    rxq.desc[id].len = RX_BUF_SIZE;
    rxq.desc[id].flags = VRING_DESC_F_WRITE;
    rxq.desc[id].next = 0;
    vq_publish(&rxq, id);
}

static void reclaim_tx(void)
{
    uint32_t id, len;
    while (vq_get_used(&txq, &id, &len))
        if (id < TX_BUFS)
            tx_free[tx_free_count++] = (uint16_t)id;
}

int console_ready(void)
{
    return con != 0;
}

int console_init(void)
{
    struct lg_device *d = device_find(VIRTIO_ID_CONSOLE);
    if (!d || d->num_vq < 2)
        return -1;
    vq_init(&rxq, &d->vq[0]);
    vq_init(&txq, &d->vq[1]);
    if (rxq.num < RX_BUFS || txq.num < TX_BUFS)
        return -1;
    for (uint16_t i = 0; i < TX_BUFS; i++)
        tx_free[i] = i;
    tx_free_count = TX_BUFS;
    for (uint16_t i = 0; i < RX_BUFS; i++)
        post_rx(i);

    /* The handshake Linux's lguest driver does: ACKNOWLEDGE and DRIVER, accept no features, one
     * NOTIFY of the descriptor (the device starts on it), then DRIVER_OK. */
    for (uint8_t i = 0; i < d->feature_len; i++)
        d->features[d->feature_len + i] = 0;
    device_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    device_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK);
    con = d;
    vq_kick(&rxq);
    return 0;
}

static void send(const uint8_t *p, uint32_t len)
{
    irq_disable();
    reclaim_tx();
    while (tx_free_count == 0) {
        idle_io();          /* a TX completion interrupt (or the 10 ms fallback) wakes us */
        irq_disable();
        reclaim_tx();
    }
    uint16_t id = tx_free[--tx_free_count];
    irq_enable();
    memcpy(tx_bufs[id], p, len);
    txq.desc[id].addr = (uint32_t)(uintptr_t)tx_bufs[id];
    txq.desc[id].len = len;
    txq.desc[id].flags = 0;
    txq.desc[id].next = 0;
    vq_publish(&txq, id);
    vq_kick(&txq);
    console_tx_bytes += len;
}

/* Writes text, turning "\n" into "\r\n" as a terminal's onlcr would. */
void console_write(const char *s, size_t len)
{
    uint8_t chunk[TX_BUF_SIZE];
    uint32_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (n + 2 > TX_BUF_SIZE) {
            send(chunk, n);
            n = 0;
        }
        if (s[i] == '\n')
            chunk[n++] = '\r';
        chunk[n++] = (uint8_t)s[i];
    }
    if (n)
        send(chunk, n);
}

int console_getc(void)
{
    if (in_head == in_tail) {
        uint32_t id, len;
        int reposted = 0;
        irq_disable();
        while (in_tail - in_head < sizeof in_fifo - RX_BUF_SIZE && vq_get_used(&rxq, &id, &len)) {
            if (id >= RX_BUFS)
                continue;
            if (len > RX_BUF_SIZE)
                len = RX_BUF_SIZE;
            for (uint32_t i = 0; i < len; i++)
                in_fifo[in_tail++ % sizeof in_fifo] = rx_bufs[id][i];
            console_rx_bytes += len;
            post_rx((uint16_t)id);
            reposted = 1;
        }
        irq_enable();
        if (reposted)
            vq_kick(&rxq);
    }
    if (in_head == in_tail)
        return -1;
    return in_fifo[in_head++ % sizeof in_fifo];
}

int console_input_waiting(void)
{
    return in_head != in_tail || vq_has_used(&rxq);
}

void kprintf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = lg_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 1)
        n = sizeof buf - 1;
    if (con)
        console_write(buf, (size_t)n);
    else
        lg_puts(buf);
}

/* Waits until the device has consumed every output buffer, so nothing is lost at SHUTDOWN. */
void console_flush(void)
{
    irq_disable();
    reclaim_tx();
    while (tx_free_count < TX_BUFS) {
        idle_io();
        irq_disable();
        reclaim_tx();
    }
    irq_enable();
}
