/* The second program: /init forks a child that execs this, and the shell runs it by name. It
 * shows that exec passed its arguments and that it is a process of its own. `hello exit=N`
 * exits with status N, so a caller can see the status come back through wait4.
 *
 * `hello x87` computes with the x87 (the vCPU has none, so each instruction traps to the
 * kernel's math emulator); `hello fork-x87` does the same in a forked child that has not
 * exec'd, and reports how that child ended (docs/LINUX.md, "What works and what does not"). */
#include "lib/sys.h"

/* 355000 / 113 rounded to an integer by the x87 (3141.59... -> 3142 under the default
 * round-to-nearest). Inline assembly: the programs are built without floating point
 * (-mgeneral-regs-only), so every x87 instruction here is one we chose. */
static int x87_pi_times_1000(void)
{
    int a = 355000, b = 113, r = 0;
    __asm__ volatile("fildl %1\n\tfidivl %2\n\tfistpl %0" : "=m"(r) : "m"(a), "m"(b));
    return r;
}

static void say_x87(const char *who)
{
    printf("hello: %s: the x87 says 355000/113 = %d\n", who, x87_pi_times_1000());
}

static void fork_x87(void)
{
    int pid = sys_fork();
    if (pid < 0) {
        printf("hello: fork: %s\n", lx_strerror(pid));
        return;
    }
    if (pid == 0) {
        say_x87("forked child");
        sys_exit(0);
    }
    int status = 0;
    int r = sys_wait4(pid, &status, 0);
    if (r < 0)
        printf("hello: wait4: %s\n", lx_strerror(r));
    else if (LX_WIFEXITED(status))
        printf("hello: forked child %d exited with status %d\n", pid, LX_WEXITSTATUS(status));
    else
        printf("hello: forked child %d was killed by signal %d\n", pid, LX_WTERMSIG(status));
}

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    int status = 0;
    /* The line is written with one write: its parent (init) prints while this runs, and a tty
     * keeps one write whole but may interleave two writers' pieces. */
    char line[512];
    size_t len = (size_t)lg_snprintf(line, sizeof line, "hello: I am pid %d, child of %d, with %d argument(s):",
                                     sys_getpid(), sys_getppid(), argc - 1);
    for (int i = 1; i < argc; i++) {
        if (len < sizeof line)
            len += (size_t)lg_snprintf(line + len, sizeof line - len, " %s", argv[i]);
        uint32_t n;
        if (strncmp(argv[i], "exit=", 5) == 0 && lx_parse_u32(argv[i] + 5, &n) && n < 256)
            status = (int)n;
    }
    printf("%s\n", line);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "x87") == 0)
            say_x87("after exec");
        else if (strcmp(argv[i], "fork-x87") == 0)
            fork_x87();
    }
    return status;
}
