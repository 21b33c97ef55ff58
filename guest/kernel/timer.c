#include "kernel.h"

/* IRQ 0 is lguest's one-shot clock event: the handler re-arms it each tick. */
volatile uint32_t jiffies;
uint32_t timer_period_ms;

static void arm(void)
{
    lg_hcall(LHCALL_SET_CLOCKEVENT, timer_period_ms * 1000000u, 0, 0, 0);
}

static void timer_tick(int irq)
{
    (void)irq;
    jiffies++;
    arm();
}

void timer_init(uint32_t period_ms)
{
    timer_period_ms = period_ms;
    irq_register(0, timer_tick);
    arm();
}
