#include "kernel.h"

/* Time and the clock event, tickless (Linux's NO_HZ with lguest's clock event).
 *
 * The clock is the host's: lguest_data.time, which the host keeps current before every slice the
 * guest runs (lguest's clocksource). IRQ 0 is lguest's one-shot clock event: SET_CLOCKEVENT(delta
 * ns) arms it, SET_CLOCKEVENT(0) cancels it. There is no periodic tick: the event is armed only
 * while someone waits for a moment (a ping's timeout, an ARP resend) or for a device (a fallback
 * poll, see idle_io), and cancelled when the kernel goes idle with nothing to wait for. A guest
 * waiting at the shell prompt (or in run=serve) is halted with no timer armed, so it costs its host
 * nothing until an interrupt comes. */

/* lguest's clock event takes a 32-bit delta; a longer wait wakes early and re-arms. */
#define MAX_DELTA_NS 4000000000ull
/* How often a wait on a device looks again even without its interrupt, as the 10 ms tick did. */
#define IO_POLL_NS 10000000ull

static uint64_t boot_ns;
static volatile uint64_t armed_ns;   /* the moment the clock event is armed for; 0 = not armed */
volatile uint64_t clock_event_ns;    /* clock_ns() when the last clock event was taken */

uint64_t clock_ns(void)
{
    uint32_t s, ns;
    do {
        s = lguest_data.time_sec;
        ns = lguest_data.time_nsec;
        barrier();
    } while (s != lguest_data.time_sec);
    return (uint64_t)s * 1000000000u + ns;
}

uint32_t uptime_ms(void)
{
    uint64_t now = clock_ns();
    if (boot_ns == 0)           /* the host writes the time from the first slice after LGUEST_INIT */
        boot_ns = now;
    return (uint32_t)((now - boot_ns) / 1000000u);
}

static void clock_event(int irq)
{
    (void)irq;
    armed_ns = 0;               /* one-shot: it has fired */
    clock_event_ns = clock_ns();
}

/* Arms the clock event for `deadline` (0: cancels it). Keeps an armed event that comes no later
 * (even one whose moment the guest's clock has passed: it is on its way): the waiter wakes then,
 * looks, and comes back. */
static void set_clock_event(uint64_t deadline)
{
    uint64_t now = clock_ns();
    if (deadline == 0) {
        if (armed_ns == 0)
            return;
        armed_ns = 0;
        lg_hcall(LHCALL_SET_CLOCKEVENT, 0, 0, 0, 0);
        return;
    }
    if (armed_ns != 0 && armed_ns <= deadline)
        return;
    uint64_t delta = deadline > now ? deadline - now : 1;
    if (delta > MAX_DELTA_NS)
        delta = MAX_DELTA_NS;
    armed_ns = now + delta;
    lg_hcall(LHCALL_SET_CLOCKEVENT, (uint32_t)delta, 0, 0, 0);
}

void idle_until(uint64_t deadline)
{
    if (deadline != 0 && clock_ns() >= deadline)
        return;
    set_clock_event(deadline);
    lg_hcall(LHCALL_HALT, 0, 0, 0, 0);
}

void idle(void)
{
    idle_until(0);
}

void idle_io(void)
{
    idle_until(clock_ns() + IO_POLL_NS);
}

void timer_init(void)
{
    boot_ns = clock_ns();
    irq_register(0, clock_event);
}
