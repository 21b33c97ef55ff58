/* The user space's own system-call layer: typed wrappers over arch.h, the constants and kernel
 * structures they take, and small helpers every program uses. No libc: every call returns the
 * kernel's result, or -errno on failure (never a global errno). */
#ifndef LX_SYS_H
#define LX_SYS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "../../runtime/libc.h"

/* open(2) flags and modes (asm-generic/fcntl.h: the same on i386 and x86-64). */
#define O_RDONLY    0
#define O_WRONLY    1
#define O_RDWR      2
#define O_CREAT     0100
#define O_TRUNC     01000
#define O_NOCTTY    0400
#define O_DIRECTORY 0200000

#define SEEK_SET 0
#define SEEK_END 2

/* errno values this code names (asm-generic/errno-base.h). */
#define EPERM   1
#define ENOENT  2
#define EINTR   4
#define EIO     5
#define ENXIO   6
#define EBADF   9
#define ECHILD 10
#define EAGAIN 11
#define ENOMEM 12
#define EACCES 13
#define EBUSY  16
#define EEXIST 17
#define ENODEV 19
#define ENOTDIR 20
#define EISDIR 21
#define EINVAL 22
#define ENOTTY 25
#define ENOSPC 28
#define EROFS  30
#define ENOSYS 38

/* reboot(2): the magic numbers and the commands (linux/reboot.h). */
#define LINUX_REBOOT_MAGIC1         0xfee1deadu
#define LINUX_REBOOT_MAGIC2         672274793
#define LINUX_REBOOT_CMD_RESTART    0x01234567u
#define LINUX_REBOOT_CMD_POWER_OFF  0x4321FEDCu

/* ioctl numbers: block devices (linux/fs.h) and terminals (asm-generic/ioctls.h). */
#define BLKFLSBUF    0x1261u                      /* _IO(0x12, 97): drop the buffer cache */
#define BLKGETSIZE64 (0x80041272u + ((sizeof(long) - 4u) << 16)) /* _IOR(0x12, 114, size_t) */
#define TIOCSCTTY    0x540Eu
#define TIOCSPGRP    0x5410u

/* Signals and rt_sigaction (asm/signal.h): SA_RESTORER because there is no libc to supply one. */
#define SIGINT   2
#define SIGKILL  9
#define SIGTERM 15
#define SIGCHLD 17
#define SA_SIGINFO  0x00000004u
#define SA_RESTORER 0x04000000u
#define SIG_DFL ((void (*)(int))0)
#define SIG_IGN ((void (*)(int))1)

#define WNOHANG 1

/* mount(2) flags (linux/fs.h). */
#define MS_RDONLY 1u

#define CLOCK_MONOTONIC 1

struct lx_utsname {
    char sysname[65];
    char nodename[65];
    char release[65];
    char version[65];
    char machine[65];
    char domainname[65];
};

struct lx_timespec {
    long tv_sec;
    long tv_nsec;
};

/* What getdents64 returns, one after another. */
struct lx_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

#define DT_CHR 2
#define DT_DIR 4
#define DT_BLK 6
#define DT_REG 8
#define DT_LNK 10

/* Status words of wait4 (the macros of <sys/wait.h>, written out). */
#define LX_WIFEXITED(s)   (((s) & 0x7f) == 0)
#define LX_WEXITSTATUS(s) (((s) >> 8) & 0xff)
#define LX_WTERMSIG(s)    ((s) & 0x7f)

/* The calls. */
long sys_read(int fd, void *buf, size_t n);
long sys_write(int fd, const void *buf, size_t n);
int sys_open(const char *path, int flags, int mode);
int sys_close(int fd);
int64_t sys_lseek(int fd, int64_t offset, int whence);
int sys_ioctl(int fd, unsigned long request, void *arg);
int sys_fsync(int fd);
void sys_sync(void);
int sys_dup2(int from, int to);
int sys_mkdir(const char *path, int mode);
int sys_unlink(const char *path);
int sys_rmdir(const char *path);
int sys_chdir(const char *path);
int sys_getcwd(char *buf, size_t size);
int sys_getdents64(int fd, void *buf, size_t size);
int sys_mount(const char *source, const char *target, const char *type, unsigned long flags, const void *data);
int sys_umount(const char *target);
int sys_fork(void);
int sys_execve(const char *path, char *const argv[], char *const envp[]);
int sys_wait4(int pid, int *status, int options);
int sys_getpid(void);
int sys_getppid(void);
int sys_setsid(void);
int sys_setpgid(int pid, int pgid);
int sys_kill(int pid, int sig);
int sys_uname(struct lx_utsname *u);
int sys_nanosleep(const struct lx_timespec *t);
int sys_clock_gettime(int clock, struct lx_timespec *t);
int sys_sched_yield(void);
int sys_reboot(unsigned int cmd);
int sys_signal(int sig, void (*handler)(int));
__attribute__((noreturn)) void sys_exit(int code);

/* Helpers over the calls (io.c). */
void out(int fd, const char *s);                      /* the whole string, retrying short writes */
int outf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *lx_strerror(long err);                    /* "ENOENT", ... for a negative result */
long read_file(const char *path, char *buf, size_t size); /* NUL-terminated; -errno on failure */
long copy_to(int fd, const char *path);               /* cat; returns bytes or -errno */
char *strchr(const char *s, int c);
int lx_parse_u32(const char *s, uint32_t *value);     /* whole string, decimal or 0x hex: 1 ok, 0 not */

/* The program's entry point (start.c calls it and exits with its result). */
int main(int argc, char **argv, char **envp);
extern char **lx_environ;

#endif
