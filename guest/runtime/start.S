/* Guest entry, as DESIGN §5 boots it: flat 4 GiB segments, paging off in the standalone
 * runner (we are linked at physical addresses), ESI = boot_params, other registers 0.
 * The runtime owns its stack: it lives in .bss, which the loader zeroes. */
    .section .text.start, "ax"
    .globl _start
    .type _start, @function
_start:
    movl $lg_stack_top, %esp
    xorl %ebp, %ebp
    movl %esi, lg_boot_params
    call main
    pushl $1                    /* LGUEST_SHUTDOWN_POWEROFF */
    pushl $main_returned
    call lg_shutdown
1:  hlt
    jmp 1b
    .size _start, . - _start

    .section .rodata
main_returned:
    .asciz "guest: main returned"

    .bss
    .align 16
    .globl lg_stack_top
lg_stack:
    .skip 65536
lg_stack_top:

    .section .note.GNU-stack, "", @progbits
