#include "kernel.h"

/* IRQ 0 is lguest's one-shot clock event. Like Linux's tick on a one-shot clockevent, each tick
 * is programmed at an absolute time on the clock source (lguest_data.time, the host's clock):
 * jiffies counts the periods that have passed on that clock, so a late event (a slow host, a
 * long stretch with interrupts off) delays a tick but never loses one, and uptime keeps to the
 * host's clock instead of drifting by each event's latency. */
volatile uint32_t jiffies;
uint32_t timer_period_ms;
static uint64_t next_tick_ns;   /* host time of the next tick */

/* lguest_data.time as nanoseconds; the host writes sec and nsec separately, so read until stable. */
uint64_t clock_now_ns(void)
{
    uint32_t s, ns;
    do {
        s = lguest_data.time_sec;
        ns = lguest_data.time_nsec;
        barrier();
    } while (s != lguest_data.time_sec);
    return (uint64_t)s * 1000000000u + ns;
}

static void arm(uint64_t now)
{
    uint64_t period = (uint64_t)timer_period_ms * 1000000u;
    while (next_tick_ns <= now) {   /* every period that has passed is a tick */
        jiffies++;
        next_tick_ns += period;
    }
    lg_hcall(LHCALL_SET_CLOCKEVENT, (uint32_t)(next_tick_ns - now), 0, 0, 0);
}

static void timer_tick(int irq)
{
    (void)irq;
    arm(clock_now_ns());
}

void timer_init(uint32_t period_ms)
{
    timer_period_ms = period_ms;
    irq_register(0, timer_tick);
    uint64_t now = clock_now_ns();
    next_tick_ns = now + (uint64_t)period_ms * 1000000u;
    arm(now);
}
