/* Compiled (never run) by `make linux-check`, for i386 and for x86-64: our system-call numbers,
 * flags and ioctl values must be the kernel's, as the host's own kernel headers give them. The
 * kernel's values are captured in an enum first, because sys.h uses the same names. */
#include <stddef.h>

#include <asm/fcntl.h>
#include <asm/ioctls.h>
#include <asm/signal.h>
#include <asm/unistd.h>
#include <linux/fs.h>
#include <linux/reboot.h>
#include <linux/wait.h>

enum {
    K_O_CREAT = O_CREAT, K_O_TRUNC = O_TRUNC, K_O_NOCTTY = O_NOCTTY, K_O_DIRECTORY = O_DIRECTORY,
    K_SIGINT = SIGINT, K_SIGTERM = SIGTERM, K_SIGCHLD = SIGCHLD, K_SA_RESTORER = SA_RESTORER, K_SA_SIGINFO = SA_SIGINFO,
    K_TIOCSCTTY = TIOCSCTTY, K_TIOCSPGRP = TIOCSPGRP, K_WNOHANG = WNOHANG, K_MS_RDONLY = MS_RDONLY,
    K_MAGIC1 = (int)LINUX_REBOOT_MAGIC1, K_MAGIC2 = LINUX_REBOOT_MAGIC2,
    K_BLKFLSBUF = (int)BLKFLSBUF, K_BLKGETSIZE64 = (int)BLKGETSIZE64,
    K_POWER_OFF = (int)LINUX_REBOOT_CMD_POWER_OFF, K_RESTART = (int)LINUX_REBOOT_CMD_RESTART,
};
#undef O_CREAT
#undef O_TRUNC
#undef O_NOCTTY
#undef O_DIRECTORY
#undef O_RDONLY
#undef O_WRONLY
#undef O_RDWR
#undef SIGINT
#undef SIGKILL
#undef SIGTERM
#undef SIGCHLD
#undef SA_RESTORER
#undef SA_SIGINFO
#undef SIG_DFL
#undef SIG_IGN
#undef TIOCSCTTY
#undef TIOCSPGRP
#undef WNOHANG
#undef MS_RDONLY
#undef BLKFLSBUF
#undef BLKGETSIZE64
#undef LINUX_REBOOT_MAGIC1
#undef LINUX_REBOOT_MAGIC2
#undef LINUX_REBOOT_CMD_RESTART
#undef LINUX_REBOOT_CMD_POWER_OFF

#include "../lib/arch.h"
#include "../lib/sys.h"

#define SAME(ours, theirs) _Static_assert((ours) == (theirs), #ours " is not the kernel's")

SAME(SYS_exit, __NR_exit);
SAME(SYS_fork, __NR_fork);
SAME(SYS_read, __NR_read);
SAME(SYS_write, __NR_write);
SAME(SYS_open, __NR_open);
SAME(SYS_close, __NR_close);
SAME(SYS_unlink, __NR_unlink);
SAME(SYS_execve, __NR_execve);
SAME(SYS_chdir, __NR_chdir);
SAME(SYS_getpid, __NR_getpid);
SAME(SYS_mount, __NR_mount);
SAME(SYS_sync, __NR_sync);
SAME(SYS_kill, __NR_kill);
SAME(SYS_mkdir, __NR_mkdir);
SAME(SYS_rmdir, __NR_rmdir);
SAME(SYS_umount2, __NR_umount2);
SAME(SYS_ioctl, __NR_ioctl);
SAME(SYS_setpgid, __NR_setpgid);
SAME(SYS_dup2, __NR_dup2);
SAME(SYS_getppid, __NR_getppid);
SAME(SYS_setsid, __NR_setsid);
SAME(SYS_reboot, __NR_reboot);
SAME(SYS_wait4, __NR_wait4);
SAME(SYS_fsync, __NR_fsync);
SAME(SYS_uname, __NR_uname);
SAME(SYS_sched_yield, __NR_sched_yield);
SAME(SYS_nanosleep, __NR_nanosleep);
SAME(SYS_rt_sigreturn, __NR_rt_sigreturn);
SAME(SYS_rt_sigaction, __NR_rt_sigaction);
SAME(SYS_getcwd, __NR_getcwd);
SAME(SYS_getdents64, __NR_getdents64);
SAME(SYS_exit_group, __NR_exit_group);
SAME(SYS_clock_gettime, __NR_clock_gettime);
#if defined(__i386__)
SAME(SYS__llseek, __NR__llseek);
#else
SAME(SYS_lseek, __NR_lseek);
#endif

SAME(O_CREAT, K_O_CREAT);
SAME(O_TRUNC, K_O_TRUNC);
SAME(O_NOCTTY, K_O_NOCTTY);
SAME(O_DIRECTORY, K_O_DIRECTORY);
SAME(SIGINT, K_SIGINT);
SAME(SIGTERM, K_SIGTERM);
SAME(SIGCHLD, K_SIGCHLD);
SAME(SA_RESTORER, K_SA_RESTORER);
SAME(SA_SIGINFO, K_SA_SIGINFO);
SAME(TIOCSCTTY, K_TIOCSCTTY);
SAME(TIOCSPGRP, K_TIOCSPGRP);
SAME(WNOHANG, K_WNOHANG);
SAME(MS_RDONLY, K_MS_RDONLY);
SAME((int)LINUX_REBOOT_MAGIC1, K_MAGIC1);
SAME(LINUX_REBOOT_MAGIC2, K_MAGIC2);
SAME((int)BLKFLSBUF, K_BLKFLSBUF);
SAME((int)BLKGETSIZE64, K_BLKGETSIZE64);
SAME((int)LINUX_REBOOT_CMD_POWER_OFF, K_POWER_OFF);
SAME((int)LINUX_REBOOT_CMD_RESTART, K_RESTART);
