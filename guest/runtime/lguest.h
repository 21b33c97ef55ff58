/* The guest side of the lguest hypercall ABI (final i386 ABI, Linux 2.6.3x-4.13):
 * int $0x1f (LGUEST_TRAP_ENTRY), call number in EAX, arguments in EBX ECX EDX ESI,
 * result in EAX. Numbers must match src/Cpu/Lguest/Hypercalls.cs. */
#ifndef LGUEST_H
#define LGUEST_H

#include <stdint.h>

#define LHCALL_LGUEST_INIT    1u
#define LHCALL_SHUTDOWN       2u
#define LHCALL_HALT          10u
#define LHCALL_NOTIFY        17u

#define LGUEST_SHUTDOWN_POWEROFF 1u
#define LGUEST_SHUTDOWN_RESTART  2u

#ifdef LGUEST_HOST_BUILD
/* Native x86-64 build of the same sources: the host shim stands in for the hypercalls. */
uint32_t lg_hcall(uint32_t call, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4);
#else
static inline uint32_t lg_hcall(uint32_t call, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4)
{
    uint32_t ret;
    __asm__ volatile("int $0x1f"
                     : "=a"(ret)
                     : "a"(call), "b"(a1), "c"(a2), "d"(a3), "S"(a4)
                     : "memory");
    return ret;
}
#endif

/* Early console: NOTIFY with an address inside RAM prints the NUL-terminated string there. */
void lg_puts(const char *s);

/* SHUTDOWN with a reason string; how = LGUEST_SHUTDOWN_POWEROFF or _RESTART. */
__attribute__((noreturn)) void lg_shutdown(const char *reason, uint32_t how);

/* The boot_params ("zero page") address the launcher passed in ESI; 0 in the standalone runner
 * means "the zero page at physical 0", which is also where it lives. */
extern uint32_t lg_boot_params;

/* The kernel command line from boot_params.hdr.cmd_line_ptr (0x228), or "" if none. */
const char *lg_cmdline(void);

#endif
