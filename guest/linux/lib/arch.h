/* The Linux system call ABI of the two architectures the user space is built for: i386 (the
 * guest: `int $0x80`, number in EAX, arguments in EBX ECX EDX ESI EDI) and x86-64 (the same
 * sources run natively to test their logic: `syscall`, number in RAX, arguments in RDI RSI RDX
 * R10 R8). Numbers are from the kernel's syscall tables (arch/x86/syscalls/syscall_32.tbl and
 * syscall_64.tbl); `make -C guest linux-check` compares them with the host's <asm/unistd_*.h>.
 * A call returns the result, or -errno (-4095..-1) on failure. */
#ifndef LX_ARCH_H
#define LX_ARCH_H

#if defined(__i386__)

#define SYS_exit            1
#define SYS_fork            2
#define SYS_read            3
#define SYS_write           4
#define SYS_open            5
#define SYS_close           6
#define SYS_unlink         10
#define SYS_execve         11
#define SYS_chdir          12
#define SYS_getpid         20
#define SYS_mount          21
#define SYS_sync           36
#define SYS_kill           37
#define SYS_mkdir          39
#define SYS_rmdir          40
#define SYS_umount2        52
#define SYS_ioctl          54
#define SYS_setpgid        57
#define SYS_dup2           63
#define SYS_getppid        64
#define SYS_setsid         66
#define SYS_reboot         88
#define SYS_wait4         114
#define SYS_fsync         118
#define SYS_uname         122
#define SYS__llseek       140
#define SYS_sched_yield   158
#define SYS_nanosleep     162
#define SYS_rt_sigreturn  173
#define SYS_rt_sigaction  174
#define SYS_getcwd        183
#define SYS_getdents64    220
#define SYS_exit_group    252
#define SYS_clock_gettime 265

static inline long lx_syscall5(long n, long a, long b, long c, long d, long e)
{
    long ret;
    __asm__ volatile("int $0x80"
                     : "=a"(ret)
                     : "a"(n), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e)
                     : "memory");
    return ret;
}

#elif defined(__x86_64__)

#define SYS_read            0
#define SYS_write           1
#define SYS_open            2
#define SYS_close           3
#define SYS_lseek           8
#define SYS_rt_sigaction   13
#define SYS_rt_sigreturn   15
#define SYS_ioctl          16
#define SYS_sched_yield    24
#define SYS_dup2           33
#define SYS_nanosleep      35
#define SYS_getpid         39
#define SYS_fork           57
#define SYS_execve         59
#define SYS_exit           60
#define SYS_wait4          61
#define SYS_kill           62
#define SYS_uname          63
#define SYS_fsync          74
#define SYS_getcwd         79
#define SYS_chdir          80
#define SYS_mkdir          83
#define SYS_rmdir          84
#define SYS_unlink         87
#define SYS_setpgid       109
#define SYS_getppid       110
#define SYS_setsid        112
#define SYS_sync          162
#define SYS_mount         165
#define SYS_umount2       166
#define SYS_reboot        169
#define SYS_getdents64    217
#define SYS_clock_gettime 228
#define SYS_exit_group    231

static inline long lx_syscall5(long n, long a, long b, long c, long d, long e)
{
    long ret;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    return ret;
}

#else
#error "the user space is built for i386 (the guest) or x86-64 (native tests) only"
#endif

#define lx_syscall0(n)             lx_syscall5((n), 0, 0, 0, 0, 0)
#define lx_syscall1(n, a)          lx_syscall5((n), (long)(a), 0, 0, 0, 0)
#define lx_syscall2(n, a, b)       lx_syscall5((n), (long)(a), (long)(b), 0, 0, 0)
#define lx_syscall3(n, a, b, c)    lx_syscall5((n), (long)(a), (long)(b), (long)(c), 0, 0)
#define lx_syscall4(n, a, b, c, d) lx_syscall5((n), (long)(a), (long)(b), (long)(c), (long)(d), 0)

#endif
