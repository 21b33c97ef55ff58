#include "kernel.h"

/* Legacy split ring with lguest's alignment (the page size): descriptors, then the available
 * ring, then at the next page boundary the used ring. */
void vq_init(struct virtqueue *vq, const struct lg_vqconfig *cfg)
{
    uint32_t base = cfg->pfn << 12;
    uint32_t num = cfg->num;
    vq->num = (uint16_t)num;
    vq->irq = cfg->irq;
    vq->ring_addr = base;
    vq->desc = (volatile struct vring_desc *)(uintptr_t)base;
    uint32_t avail = base + 16 * num;
    vq->avail_flags = (volatile uint16_t *)(uintptr_t)avail;
    vq->avail_idx = (volatile uint16_t *)(uintptr_t)(avail + 2);
    vq->avail_ring = (volatile uint16_t *)(uintptr_t)(avail + 4);
    uint32_t used = (avail + 4 + 2 * num + 2 + 4095) & ~4095u;
    vq->used_idx = (volatile uint16_t *)(uintptr_t)(used + 2);
    vq->used_ring = (volatile uint32_t *)(uintptr_t)(used + 4);
    *vq->avail_flags = 0;
    *vq->avail_idx = 0;
    *(volatile uint16_t *)(uintptr_t)used = 0;
    *vq->used_idx = 0;
    vq->avail_shadow = 0;
    vq->last_used = 0;
}

void vq_publish(struct virtqueue *vq, uint16_t head)
{
    vq->avail_ring[vq->avail_shadow % vq->num] = head;
    barrier();
    vq->avail_shadow++;
    *vq->avail_idx = vq->avail_shadow;
    barrier();
}

void vq_kick(struct virtqueue *vq)
{
    /* NOTIFY of a ring's address (pfn << 12) kicks that queue. */
    lg_hcall(LHCALL_NOTIFY, vq->ring_addr, 0, 0, 0);
}

int vq_has_used(struct virtqueue *vq)
{
    barrier();
    return *vq->used_idx != vq->last_used;
}

int vq_get_used(struct virtqueue *vq, uint32_t *id, uint32_t *len)
{
    if (!vq_has_used(vq))
        return 0;
    uint32_t slot = vq->last_used % vq->num;
    *id = vq->used_ring[2 * slot];
    *len = vq->used_ring[2 * slot + 1];
    vq->last_used++;
    return 1;
}
