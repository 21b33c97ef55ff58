/* Process entry without a libc. The kernel starts a static ELF at _start with the stack holding
 * argc, argv[], NULL, envp[], NULL (the System V ABI's initial process stack, both arches); we
 * align the stack as the ABI wants at a call, run main and exit with its result. */
#include "sys.h"

char **lx_environ;

__attribute__((noreturn, used)) void lx_start_c(long *sp)
{
    int argc = (int)sp[0];
    char **argv = (char **)(sp + 1);
    lx_environ = argv + argc + 1;
    sys_exit(main(argc, argv, lx_environ));
}

#if defined(__i386__)
__asm__(".text\n.globl _start\n.type _start,@function\n_start:\n"
        "\txorl %ebp, %ebp\n"
        "\tmovl %esp, %eax\n"
        "\tandl $-16, %esp\n"
        "\tsubl $12, %esp\n"
        "\tpushl %eax\n"
        "\tcall lx_start_c\n"
        "\thlt\n");
#else
__asm__(".text\n.globl _start\n.type _start,@function\n_start:\n"
        "\txorl %ebp, %ebp\n"
        "\tmovq %rsp, %rdi\n"
        "\tandq $-16, %rsp\n"
        "\tcall lx_start_c\n"
        "\thlt\n");
#endif
