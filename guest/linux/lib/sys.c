/* The typed system calls over arch.h. Each returns what the kernel returned: the result, or
 * -errno. The only differences between i386 and x86-64 that show here are lseek (i386 needs
 * _llseek for 64-bit offsets) and how a signal handler returns (rt_sigreturn, through our own
 * restorer). */
#include "arch.h"
#include "sys.h"

long sys_read(int fd, void *buf, size_t n) { return lx_syscall3(SYS_read, fd, buf, n); }
long sys_write(int fd, const void *buf, size_t n) { return lx_syscall3(SYS_write, fd, buf, n); }
int sys_open(const char *path, int flags, int mode) { return (int)lx_syscall3(SYS_open, path, flags, mode); }
int sys_close(int fd) { return (int)lx_syscall1(SYS_close, fd); }
int sys_ioctl(int fd, unsigned long request, void *arg) { return (int)lx_syscall3(SYS_ioctl, fd, request, arg); }
int sys_fsync(int fd) { return (int)lx_syscall1(SYS_fsync, fd); }
void sys_sync(void) { lx_syscall0(SYS_sync); }
int sys_dup2(int from, int to) { return (int)lx_syscall2(SYS_dup2, from, to); }
int sys_mkdir(const char *path, int mode) { return (int)lx_syscall2(SYS_mkdir, path, mode); }
int sys_unlink(const char *path) { return (int)lx_syscall1(SYS_unlink, path); }
int sys_rmdir(const char *path) { return (int)lx_syscall1(SYS_rmdir, path); }
int sys_chdir(const char *path) { return (int)lx_syscall1(SYS_chdir, path); }
int sys_getcwd(char *buf, size_t size) { return (int)lx_syscall2(SYS_getcwd, buf, size); }
int sys_getdents64(int fd, void *buf, size_t size) { return (int)lx_syscall3(SYS_getdents64, fd, buf, size); }
int sys_umount(const char *target) { return (int)lx_syscall2(SYS_umount2, target, 0); }
int sys_fork(void) { return (int)lx_syscall0(SYS_fork); }
int sys_getpid(void) { return (int)lx_syscall0(SYS_getpid); }
int sys_getppid(void) { return (int)lx_syscall0(SYS_getppid); }
int sys_setsid(void) { return (int)lx_syscall0(SYS_setsid); }
int sys_setpgid(int pid, int pgid) { return (int)lx_syscall2(SYS_setpgid, pid, pgid); }
int sys_kill(int pid, int sig) { return (int)lx_syscall2(SYS_kill, pid, sig); }
int sys_uname(struct lx_utsname *u) { return (int)lx_syscall1(SYS_uname, u); }
int sys_nanosleep(const struct lx_timespec *t) { return (int)lx_syscall2(SYS_nanosleep, t, 0); }
int sys_clock_gettime(int clock, struct lx_timespec *t) { return (int)lx_syscall2(SYS_clock_gettime, clock, t); }
int sys_sched_yield(void) { return (int)lx_syscall0(SYS_sched_yield); }

int sys_mount(const char *source, const char *target, const char *type, unsigned long flags, const void *data)
{
    return (int)lx_syscall5(SYS_mount, (long)source, (long)target, (long)type, (long)flags, (long)data);
}

int sys_execve(const char *path, char *const argv[], char *const envp[])
{
    return (int)lx_syscall3(SYS_execve, path, argv, envp);
}

int sys_wait4(int pid, int *status, int options) { return (int)lx_syscall4(SYS_wait4, pid, status, options, 0); }

int sys_reboot(unsigned int cmd)
{
    return (int)lx_syscall4(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, cmd, 0);
}

__attribute__((noreturn)) void sys_exit(int code)
{
    for (;;)
        lx_syscall1(SYS_exit_group, code);
}

int64_t sys_lseek(int fd, int64_t offset, int whence)
{
#if defined(__i386__)
    /* _llseek(fd, offset_high, offset_low, &result, whence): off_t is 32 bits on i386. */
    int64_t result = 0;
    long r = lx_syscall5(SYS__llseek, fd, (long)(uint32_t)((uint64_t)offset >> 32), (long)(uint32_t)offset,
                         (long)&result, whence);
    return r < 0 ? r : result;
#else
    return lx_syscall3(SYS_lseek, fd, offset, whence);
#endif
}

/* The kernel's struct sigaction for rt_sigaction (not libc's): handler, flags, restorer, mask. */
struct lx_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

/* A handler returns here; rt_sigreturn restores the interrupted context. With no libc to
 * provide it, SA_RESTORER points the kernel at this. SA_SIGINFO too: without it an i386 kernel
 * builds the old-style frame, which only sigreturn (not rt_sigreturn) can unwind. */
void lx_sigreturn(void);
#define LX_STR_(x) #x
#define LX_STR(x) LX_STR_(x)
#if defined(__i386__)
__asm__(".text\n.globl lx_sigreturn\n.type lx_sigreturn,@function\nlx_sigreturn:\n"
        "\tmovl $" LX_STR(SYS_rt_sigreturn) ", %eax\n\tint $0x80\n");
#else
__asm__(".text\n.globl lx_sigreturn\n.type lx_sigreturn,@function\nlx_sigreturn:\n"
        "\tmovq $" LX_STR(SYS_rt_sigreturn) ", %rax\n\tsyscall\n");
#endif

int sys_signal(int sig, void (*handler)(int))
{
    struct lx_sigaction sa = { handler, SA_SIGINFO | SA_RESTORER, lx_sigreturn, 0 };
    return (int)lx_syscall4(SYS_rt_sigaction, sig, &sa, 0, sizeof sa.mask);
}
