/* Interrupt and exception entry stubs. lguest delivers IRQ n through IDT vector 32 + n with
 * an EFLAGS, CS, EIP frame; processor exceptions use vectors 0-31, some with an error code. */
    .text

.macro EXC_NOERR vec
    .globl exc_\vec
exc_\vec:
    pushl $0
    pushl $\vec
    jmp exc_common
.endm

.macro EXC_ERR vec
    .globl exc_\vec
exc_\vec:
    pushl $\vec
    jmp exc_common
.endm

.macro IRQPTR n
    .long irq_\n
.endm

.macro IRQ n
    .globl irq_\n
irq_\n:
    pushl $\n
    jmp irq_common
.endm

EXC_NOERR 0
EXC_NOERR 1
EXC_NOERR 2
EXC_NOERR 3
EXC_NOERR 4
EXC_NOERR 5
EXC_NOERR 6
EXC_NOERR 7
EXC_ERR 8
EXC_NOERR 9
EXC_ERR 10
EXC_ERR 11
EXC_ERR 12
EXC_ERR 13
EXC_ERR 14
EXC_NOERR 16
EXC_ERR 17

/* Exceptions are fatal in this kernel: report vector, error code and EIP, then shut down. */
exc_common:
    pushal
    pushl %esp                  /* struct exc_frame * */
    call exception_handler
1:  jmp 1b

.altmacro
.set i, 0
.rept 32
    IRQ %i
    .set i, i + 1
.endr

irq_common:
    pushal
    cld
    pushl 32(%esp)              /* the irq number pushed by the stub */
    call irq_dispatch
    addl $4, %esp
    popal
    addl $4, %esp               /* drop the irq number */
    iret                        /* restores irq_enabled from the popped IF */

    .section .rodata
    .align 4
    .globl irq_stubs
irq_stubs:
.set i, 0
.rept 32
    IRQPTR %i
    .set i, i + 1
.endr

    .section .note.GNU-stack, "", @progbits
