#include "kernel.h"

/* The lguest device page sits "just above the top of physical memory": at ram_size, which
 * the launcher gave us as the single e820 RAM entry in the zero page. */
struct lg_device lg_devices[LG_MAX_DEVICES];
int lg_device_count;
uint32_t ram_size;

#define E820_ENTRIES 0x1E8
#define E820_TABLE 0x2D0

void devices_init(void)
{
    const volatile uint8_t *zero = (const volatile uint8_t *)(uintptr_t)lg_boot_params;
    if (zero[E820_ENTRIES] < 1)
        lg_shutdown("kernel: no e820 RAM entry in boot_params", LGUEST_SHUTDOWN_POWEROFF);
    ram_size = *(const volatile uint32_t *)(zero + E820_TABLE + 8);

    volatile uint8_t *page = (volatile uint8_t *)(uintptr_t)ram_size;
    uint32_t off = 0;
    lg_device_count = 0;
    /* Each descriptor: type, num_vq, feature_len, config_len, status, then the vqconfigs,
     * 2 x feature_len feature bytes and config_len config bytes. Type 0 ends the table. */
    while (off + 5 <= 4096 && page[off] != 0 && lg_device_count < LG_MAX_DEVICES) {
        struct lg_device *d = &lg_devices[lg_device_count++];
        d->desc = page + off;
        d->type = page[off];
        d->num_vq = page[off + 1];
        d->feature_len = page[off + 2];
        d->config_len = page[off + 3];
        d->vq = (struct lg_vqconfig *)(uintptr_t)(page + off + 5);
        d->features = page + off + 5 + d->num_vq * 8u;
        d->config = d->features + 2u * d->feature_len;
        off += 5 + d->num_vq * 8u + 2u * d->feature_len + d->config_len;
    }
}

struct lg_device *device_find(uint8_t type)
{
    for (int i = 0; i < lg_device_count; i++)
        if (lg_devices[i].type == type)
            return &lg_devices[i];
    return 0;
}

const char *device_type_name(uint8_t type)
{
    switch (type) {
    case VIRTIO_ID_NET: return "net";
    case VIRTIO_ID_BLOCK: return "block";
    case VIRTIO_ID_CONSOLE: return "console";
    case VIRTIO_ID_RNG: return "rng";
    default: return "unknown";
    }
}

/* A status (or feature) change is announced by NOTIFY of the descriptor's own address. */
void device_set_status(struct lg_device *dev, uint8_t status)
{
    dev->desc[4] = status;
    barrier();
    lg_hcall(LHCALL_NOTIFY, (uint32_t)(uintptr_t)dev->desc, 0, 0, 0);
}
