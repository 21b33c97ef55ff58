#include "kernel.h"

struct exc_frame {
    uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax;
    uint32_t vector, error, eip, cs, eflags;
};

extern const uint32_t irq_stubs[32];
#define EXC(n) extern char exc_##n[];
EXC(0) EXC(1) EXC(2) EXC(3) EXC(4) EXC(5) EXC(6) EXC(7) EXC(8) EXC(9)
EXC(10) EXC(11) EXC(12) EXC(13) EXC(14) EXC(16) EXC(17)

static irq_handler_t handlers[32];
volatile uint32_t irq_counts[32];

static uint16_t kernel_cs(void)
{
    uint16_t cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    return cs;
}

/* An IDT gate as the two words LOAD_IDT_ENTRY takes: P, DPL 0, type 0xE (interrupt gate, so
 * the host clears irq_enabled on delivery and the handler runs with interrupts off). */
static void set_gate(uint32_t vector, uint32_t handler)
{
    uint32_t low = ((uint32_t)kernel_cs() << 16) | (handler & 0xFFFF);
    uint32_t high = (handler & 0xFFFF0000u) | 0x8E00u;
    lg_hcall(LHCALL_LOAD_IDT_ENTRY, vector, low, high, 0);
}

void traps_init(void)
{
    static const struct { uint32_t vec; char *fn; } exceptions[] = {
        {0, exc_0}, {1, exc_1}, {2, exc_2}, {3, exc_3}, {4, exc_4}, {5, exc_5}, {6, exc_6},
        {7, exc_7}, {8, exc_8}, {9, exc_9}, {10, exc_10}, {11, exc_11}, {12, exc_12},
        {13, exc_13}, {14, exc_14}, {16, exc_16}, {17, exc_17},
    };
    for (size_t i = 0; i < sizeof exceptions / sizeof exceptions[0]; i++)
        set_gate(exceptions[i].vec, (uint32_t)(uintptr_t)exceptions[i].fn);
    for (uint32_t irq = 0; irq < 32; irq++)
        set_gate(32 + irq, irq_stubs[irq]);
}

void irq_register(int irq, irq_handler_t handler)
{
    handlers[irq] = handler;
}

void irq_dispatch(int irq)
{
    irq_counts[irq]++;
    if (handlers[irq])
        handlers[irq](irq);
}

void irq_enable(void)
{
    lguest_data.irq_enabled = 0x200;
    barrier();
    /* An IRQ that came while we had interrupts off waits in irq_pending: ask for it now. */
    if (lguest_data.irq_pending)
        lg_hcall(LHCALL_SEND_INTERRUPTS, 0, 0, 0, 0);
}

void exception_handler(struct exc_frame *f)
{
    static char reason[128];
    lg_snprintf(reason, sizeof reason, "kernel: exception %u error 0x%x at eip 0x%08x cr2 0x%08x",
                f->vector, f->error, f->eip, lguest_data.cr2);
    lg_puts(reason);
    lg_puts("\n");
    lg_shutdown(reason, LGUEST_SHUTDOWN_RESTART);
}
