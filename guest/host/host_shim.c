/* Stands in for the lguest hypercalls when a guest's C is built natively for x86-64:
 * NOTIFY prints the string, SHUTDOWN prints the reason and exits (0 on "PASS"/power-off). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lguest.h"

uint32_t lg_hcall(uint32_t call, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4)
{
    (void)a1, (void)a2, (void)a3, (void)a4;
    fprintf(stderr, "host shim: hypercall %u is not available natively\n", call);
    exit(3);
}

void lg_puts(const char *s)
{
    fputs(s, stdout);
    fflush(stdout);
}

void lg_shutdown(const char *reason, uint32_t how)
{
    printf("SHUTDOWN(%s, %u)\n", reason, how);
    exit(strstr(reason, "FAIL") ? 1 : 0);
}

const char *lg_cmdline(void)
{
    return "";
}
