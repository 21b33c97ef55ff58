#include "lguest.h"
#include "libc.h"

uint32_t lg_boot_params;

void lg_puts(const char *s)
{
    /* Paging is off (or identity-mapped), so the string's address is its physical address. */
    lg_hcall(LHCALL_NOTIFY, (uint32_t)(uintptr_t)s, 0, 0, 0);
}

void lg_shutdown(const char *reason, uint32_t how)
{
    for (;;)
        lg_hcall(LHCALL_SHUTDOWN, (uint32_t)(uintptr_t)reason, how, 0, 0);
}

const char *lg_cmdline(void)
{
#ifdef LGUEST_HOST_BUILD
    return "";
#else
    /* boot_params.hdr.cmd_line_ptr lives at offset 0x228 of the zero page. */
    uint32_t ptr = *(volatile uint32_t *)(uintptr_t)(lg_boot_params + 0x228);
    return ptr ? (const char *)(uintptr_t)ptr : "";
#endif
}
