/* The shell's built-in commands. Each is small on purpose: together they let a person look
 * around a running Linux (files, processes, mounts, the disk) and end the VM. */
#include "lib/disk.h"
#include "lib/sys.h"
#include "sh.h"

int sh_exit_requested, sh_exit_status;

static int usage(const char *name)
{
    const struct builtin *b = find_builtin(name);
    outf(2, "usage: %s\n", b->usage);
    return 2;
}

static int cmd_help(int argc, char **argv)
{
    (void)argc, (void)argv;
    printf("built-in commands:\n");
    for (const struct builtin *b = builtins; b->name; b++)
        printf("  %s\n", b->usage);
    printf("anything else runs /bin/NAME (or a path); 'CMD ... > FILE' writes its output to FILE\n");
    return 0;
}

static int cmd_echo(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        printf(i > 1 ? " %s" : "%s", argv[i]);
    printf("\n");
    return 0;
}

static int cmd_cat(int argc, char **argv)
{
    int status = 0;
    for (int i = 1; i < argc; i++) {
        long r = copy_to(1, argv[i]);
        if (r < 0) {
            outf(2, "cat: %s: %s\n", argv[i], lx_strerror(r));
            status = 1;
        }
    }
    return argc < 2 ? usage("cat") : status;
}

static const char *type_mark(unsigned char t)
{
    switch (t) {
    case DT_DIR: return "/";
    case DT_CHR: return "%";
    case DT_BLK: return "#";
    case DT_LNK: return "@";
    default: return "";
    }
}

static int list(const char *dir)
{
    int fd = sys_open(dir, O_RDONLY | O_DIRECTORY, 0);
    if (fd < 0) {
        outf(2, "ls: %s: %s\n", dir, lx_strerror(fd));
        return 1;
    }
    static char buf[4096] __attribute__((aligned(8)));
    int n;
    while ((n = sys_getdents64(fd, buf, sizeof buf)) > 0)
        for (int off = 0; off < n;) {
            struct lx_dirent64 *d = (struct lx_dirent64 *)(buf + off);
            if (d->d_name[0] != '.')
                printf("%s%s\n", d->d_name, type_mark(d->d_type));
            off += d->d_reclen;
        }
    sys_close(fd);
    if (n < 0) {
        outf(2, "ls: %s: %s\n", dir, lx_strerror(n));
        return 1;
    }
    return 0;
}

static int cmd_ls(int argc, char **argv)
{
    if (argc < 2)
        return list(".");
    int status = 0;
    for (int i = 1; i < argc; i++) {
        if (argc > 2)
            printf("%s:\n", argv[i]);
        status |= list(argv[i]);
    }
    return status;
}

static int cmd_cd(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/";
    int r = sys_chdir(dir);
    if (r < 0) {
        outf(2, "cd: %s: %s\n", dir, lx_strerror(r));
        return 1;
    }
    return 0;
}

static int cmd_pwd(int argc, char **argv)
{
    (void)argc, (void)argv;
    char cwd[256];
    int r = sys_getcwd(cwd, sizeof cwd);
    if (r < 0) {
        outf(2, "pwd: %s\n", lx_strerror(r));
        return 1;
    }
    printf("%s\n", cwd);
    return 0;
}

static int cmd_uname(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct lx_utsname u;
    int r = sys_uname(&u);
    if (r < 0) {
        outf(2, "uname: %s\n", lx_strerror(r));
        return 1;
    }
    printf("%s %s %s %s %s\n", u.sysname, u.nodename, u.release, u.version, u.machine);
    return 0;
}

/* Every process: /proc/PID/stat is "PID (COMM) STATE PPID ...". */
static int cmd_ps(int argc, char **argv)
{
    (void)argc, (void)argv;
    int fd = sys_open("/proc", O_RDONLY | O_DIRECTORY, 0);
    if (fd < 0) {
        outf(2, "ps: /proc: %s (is proc mounted?)\n", lx_strerror(fd));
        return 1;
    }
    static char buf[4096] __attribute__((aligned(8)));
    char path[64], stat[256];
    printf("  PID  PPID S COMMAND\n");
    int n;
    while ((n = sys_getdents64(fd, buf, sizeof buf)) > 0)
        for (int off = 0; off < n;) {
            struct lx_dirent64 *d = (struct lx_dirent64 *)(buf + off);
            off += d->d_reclen;
            uint32_t pid;
            if (!lx_parse_u32(d->d_name, &pid))
                continue;
            lg_snprintf(path, sizeof path, "/proc/%s/stat", d->d_name);
            if (read_file(path, stat, sizeof stat) <= 0)
                continue;
            char *open = strchr(stat, '('), *close = open ? strchr(open, ')') : 0;
            if (!close || close[1] != ' ' || !close[2])
                continue;
            *close = '\0';
            char state = close[2];
            uint32_t ppid = 0;
            char *p = close + 4, *end = strchr(p, ' ');
            if (end)
                *end = '\0';
            lx_parse_u32(p, &ppid);
            printf("%5u %5u %c %s\n", pid, ppid, state, open + 1);
        }
    sys_close(fd);
    return 0;
}

static int cmd_mount(int argc, char **argv)
{
    if (argc == 1) {
        long r = copy_to(1, "/proc/mounts");
        if (r < 0)
            outf(2, "mount: /proc/mounts: %s\n", lx_strerror(r));
        return r < 0;
    }
    if (argc < 3)
        return usage("mount");
    const char *source = argc > 3 ? argv[3] : argv[1];
    int r = sys_mount(source, argv[2], argv[1], 0, 0);
    if (r < 0) {
        outf(2, "mount: %s on %s: %s\n", argv[1], argv[2], lx_strerror(r));
        return 1;
    }
    return 0;
}

static int cmd_mkdir(int argc, char **argv)
{
    if (argc < 2)
        return usage("mkdir");
    int r = sys_mkdir(argv[1], 0755);
    if (r < 0) {
        outf(2, "mkdir: %s: %s\n", argv[1], lx_strerror(r));
        return 1;
    }
    return 0;
}

/* rm FILE, rmdir DIR: one name each. */
static int cmd_remove(int argc, char **argv)
{
    int dir = strcmp(argv[0], "rmdir") == 0;
    if (argc != 2)
        return usage(argv[0]);
    int r = dir ? sys_rmdir(argv[1]) : sys_unlink(argv[1]);
    if (r < 0) {
        outf(2, "%s: %s: %s\n", argv[0], argv[1], lx_strerror(r));
        return 1;
    }
    return 0;
}

static int cmd_sleep(int argc, char **argv)
{
    uint32_t seconds;
    if (argc != 2 || !lx_parse_u32(argv[1], &seconds) || seconds > 0x7FFFFFFF)
        return usage("sleep");
    struct lx_timespec t = { (long)seconds, 0 };
    return sys_nanosleep(&t) < 0;
}

static int cmd_disk(int argc, char **argv)
{
    uint32_t seed, start, count;
    if (argc < 5 || argc > 6 || (strcmp(argv[1], "write") != 0 && strcmp(argv[1], "verify") != 0)
        || !lx_parse_u32(argv[2], &seed) || !lx_parse_u32(argv[3], &start) || !lx_parse_u32(argv[4], &count) || count == 0)
        return usage("disk");
    char msg[160];
    long r = disk_pattern(argc == 6 ? argv[5] : "/dev/vda", argv[1][0] == 'w', seed, start, count, msg, sizeof msg);
    outf(r == 0 ? 1 : 2, "disk: %s\n", msg);
    return r != 0;
}

static int cmd_kill(int argc, char **argv)
{
    uint32_t pid, sig = SIGTERM;
    if (argc < 2 || argc > 3 || !lx_parse_u32(argv[1], &pid) || (argc == 3 && !lx_parse_u32(argv[2], &sig)))
        return usage("kill");
    int r = sys_kill((int)pid, (int)sig);
    if (r < 0) {
        outf(2, "kill: %u: %s\n", pid, lx_strerror(r));
        return 1;
    }
    return 0;
}

static int cmd_sync(int argc, char **argv)
{
    (void)argc, (void)argv;
    sys_sync();
    return 0;
}

static int cmd_reboot_or_off(int argc, char **argv)
{
    (void)argc;
    int off = strcmp(argv[0], "poweroff") == 0;
    sys_sync();
    int r = sys_reboot(off ? LINUX_REBOOT_CMD_POWER_OFF : LINUX_REBOOT_CMD_RESTART);
    outf(2, "%s: %s\n", argv[0], lx_strerror(r));
    return 1;
}

static int cmd_exit(int argc, char **argv)
{
    uint32_t status = 0;
    if (argc > 2 || (argc == 2 && !lx_parse_u32(argv[1], &status)))
        return usage("exit");
    sh_exit_requested = 1;
    sh_exit_status = (int)(status & 0xFF);
    return sh_exit_status;
}

const struct builtin builtins[] = {
    { "help", "help", cmd_help },
    { "echo", "echo [WORD...]", cmd_echo },
    { "cat", "cat FILE...", cmd_cat },
    { "ls", "ls [DIR...]          (/ directory, % char device, # block device, @ link)", cmd_ls },
    { "cd", "cd [DIR]", cmd_cd },
    { "pwd", "pwd", cmd_pwd },
    { "uname", "uname", cmd_uname },
    { "ps", "ps", cmd_ps },
    { "mount", "mount [TYPE DIR [SOURCE]]   (no arguments: list the mounts)", cmd_mount },
    { "mkdir", "mkdir DIR", cmd_mkdir },
    { "rm", "rm FILE", cmd_remove },
    { "rmdir", "rmdir DIR", cmd_remove },
    { "sleep", "sleep SECONDS", cmd_sleep },
    { "disk", "disk write|verify SEED START COUNT [DEVICE]   (the block test pattern; default /dev/vda)", cmd_disk },
    { "kill", "kill PID [SIGNAL]", cmd_kill },
    { "sync", "sync", cmd_sync },
    { "poweroff", "poweroff", cmd_reboot_or_off },
    { "reboot", "reboot", cmd_reboot_or_off },
    { "exit", "exit [STATUS]", cmd_exit },
    { 0, 0, 0 },
};

const struct builtin *find_builtin(const char *name)
{
    for (const struct builtin *b = builtins; b->name; b++)
        if (strcmp(b->name, name) == 0)
            return b;
    return 0;
}
