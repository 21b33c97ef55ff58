/* /init of the Linux guest's initramfs (the kernel runs it as pid 1). It mounts devtmpfs and
 * proc, shows what the kernel sees (uname, /proc/cpuinfo, /proc/interrupts), runs /bin/hello in
 * a child process, optionally writes and reads back a pattern on /dev/vda, and then either
 * powers off or gives the console to /bin/sh. Keys it reads from the kernel command line:
 *   init.disk=SEED[,START[,COUNT]]  write the pattern to COUNT sectors (default 128) from START
 *                                   (default 0) of /dev/vda, then read them back and check
 *   init.then=shell|poweroff        what to do after that (default shell)
 * pid 1 must never exit (the kernel panics), so every failure is a line and the run goes on. */
#include "lib/disk.h"
#include "lib/sys.h"
#include "lib/words.h"

#define SHELL "/bin/sh"
#define HELLO "/bin/hello"

static void mount_or_say(const char *type, const char *dir)
{
    sys_mkdir(dir, 0755);
    int r = sys_mount(type, dir, type, 0, 0);
    if (r < 0)
        printf("init: mount %s on %s: %s\n", type, dir, lx_strerror(r));
    else
        printf("init: mounted %s on %s\n", type, dir);
}

static void show_file(const char *path)
{
    printf("init: --- %s ---\n", path);
    long r = copy_to(1, path);
    if (r < 0)
        printf("init: cannot read %s: %s\n", path, lx_strerror(r));
}

static void show_uname(void)
{
    struct lx_utsname u;
    int r = sys_uname(&u);
    if (r < 0)
        printf("init: uname: %s\n", lx_strerror(r));
    else
        printf("init: uname: %s %s %s %s %s\n", u.sysname, u.nodename, u.release, u.version, u.machine);
}

/* Waits for `pid`, reaping any other child on the way (pid 1 adopts orphans). */
static int wait_for(int pid)
{
    for (;;) {
        int status = 0;
        int r = sys_wait4(-1, &status, 0);
        if (r == pid)
            return status;
        if (r == -ECHILD)
            return -1;
    }
}

static void say_status(const char *what, int pid, int status)
{
    if (status < 0)
        printf("init: %s (pid %d) vanished\n", what, pid);
    else if (LX_WIFEXITED(status))
        printf("init: %s (pid %d) exited with status %d\n", what, pid, LX_WEXITSTATUS(status));
    else
        printf("init: %s (pid %d) was killed by signal %d\n", what, pid, LX_WTERMSIG(status));
}

static void run_hello(void)
{
    int pid = sys_fork();
    if (pid < 0) {
        printf("init: fork: %s\n", lx_strerror(pid));
        return;
    }
    if (pid == 0) {
        char *argv[] = { "hello", "from", "a", "child", "of", "init", 0 };
        int r = sys_execve(HELLO, argv, lx_environ);
        printf("init: exec %s: %s\n", HELLO, lx_strerror(r));
        sys_exit(127);
    }
    printf("init: forked pid %d to run %s\n", pid, HELLO);
    say_status(HELLO, pid, wait_for(pid));
}

static void run_disk(const char *spec)
{
    uint32_t seed, start, count;
    char msg[160];
    if (!parse_disk_spec(spec, &seed, &start, &count)) {
        printf("init: init.disk=%s: expected SEED[,START[,COUNT]] (numbers, COUNT > 0)\n", spec);
        return;
    }
    long r = disk_pattern("/dev/vda", 1, seed, start, count, msg, sizeof msg);
    printf("init: disk: %s\n", msg);
    if (r < 0)
        return;
    r = disk_pattern("/dev/vda", 0, seed, start, count, msg, sizeof msg);
    printf("init: disk: %s\n", msg);
    printf("init: disk: %s\n", r == 0 ? "PASS" : "FAIL");
}

static __attribute__((noreturn)) void power_off(void)
{
    printf("init: powering off\n");
    sys_sync();
    int r = sys_reboot(LINUX_REBOOT_CMD_POWER_OFF);
    printf("init: reboot(POWER_OFF): %s\n", lx_strerror(r));
    for (;;) {
        struct lx_timespec t = { 3600, 0 };
        sys_nanosleep(&t);
    }
}

static int shell_once(void)
{
    int pid = sys_fork();
    if (pid < 0) {
        printf("init: fork: %s\n", lx_strerror(pid));
        return 0;
    }
    if (pid == 0) {
        sys_setsid();
        int fd = sys_open("/dev/hvc0", O_RDWR, 0);
        if (fd >= 0) {
            sys_dup2(fd, 0);
            sys_dup2(fd, 1);
            sys_dup2(fd, 2);
            if (fd > 2)
                sys_close(fd);
        }
        char *argv[] = { "sh", 0 };
        int r = sys_execve(SHELL, argv, lx_environ);
        printf("init: exec %s: %s\n", SHELL, lx_strerror(r));
        sys_exit(127);
    }
    int status = wait_for(pid);
    say_status(SHELL, pid, status);
    return status;
}

/* The shell runs in a session of its own on /dev/hvc0, so hvc0 is its controlling terminal and
 * Ctrl-C reaches the command it runs (/dev/console can never be one). Returns when the shell
 * exits; one killed by a signal is started again, as a person at the console would want. */
static void run_shell(void)
{
    for (;;) {
        int status = shell_once();
        if (status < 0 || LX_WIFEXITED(status))
            return;
        printf("init: starting %s again\n", SHELL);
    }
}

int main(int argc, char **argv, char **envp)
{
    (void)argc, (void)argv, (void)envp;
    static char cmdline[2048], value[64], uptime[64];
    printf("init: user space is running as pid %d\n", sys_getpid());
    mount_or_say("devtmpfs", "/dev");
    mount_or_say("proc", "/proc");
    mount_or_say("sysfs", "/sys");
    if (read_file("/proc/uptime", uptime, sizeof uptime) > 0)
        printf("init: /proc/uptime %s", uptime);
    if (read_file("/proc/cmdline", cmdline, sizeof cmdline) < 0)
        cmdline[0] = '\0';
    printf("init: kernel command line: %s", cmdline);
    show_uname();
    show_file("/proc/cpuinfo");
    show_file("/proc/interrupts");
    run_hello();
    if (cmdline_value(cmdline, "init.disk", value, sizeof value))
        run_disk(value);
    const char *then = cmdline_value(cmdline, "init.then", value, sizeof value);
    if (then && strcmp(then, "poweroff") == 0)
        power_off();
    if (then && strcmp(then, "shell") != 0)
        printf("init: init.then=%s: expected shell or poweroff; starting the shell\n", then);
    printf("init: starting %s on /dev/hvc0 (type 'help'; 'poweroff' ends the VM)\n", SHELL);
    run_shell();
    power_off();
}
