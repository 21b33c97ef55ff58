/* /bin/sh: a tiny interactive shell for the Linux guest's console. One command per line:
 * a built-in (sh_builtins.c; `help` lists them) or a program (/bin/NAME, or a path with a '/'),
 * run in a child process and waited for. `> FILE` sends a command's output to FILE. Ctrl-C
 * interrupts the running program (the shell itself only starts a new line). End of input or
 * `exit` leaves. */
#include "lib/sys.h"
#include "lib/words.h"
#include "sh.h"

#define MAX_WORDS 32

static char line[1024];
static char *words[MAX_WORDS];
static volatile int interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* One line from fd 0 without its newline: 1, or 0 at end of input. A terminal hands read() one
 * line at a time; a pipe may hand over several, so the rest is kept for the next call. */
static int read_line(void)
{
    static char pending[1024];
    static unsigned have;
    for (;;) {
        for (unsigned i = 0; i < have; i++)
            if (pending[i] == '\n') {
                unsigned n = i < sizeof line - 1 ? i : sizeof line - 1;
                memcpy(line, pending, n);
                line[n] = '\0';
                memmove(pending, pending + i + 1, have - i - 1);
                have -= i + 1;
                return 1;
            }
        if (have == sizeof pending)
            have = 0; /* a line longer than the buffer: drop it whole rather than run half */
        long r = sys_read(0, pending + have, sizeof pending - have);
        if (r == -EINTR && interrupted) {
            /* Ctrl-C at the prompt: forget the half-typed line and prompt again. */
            have = 0;
            out(1, "\n");
            line[0] = '\0';
            return 1;
        }
        if (r == -EINTR)
            continue;
        if (r <= 0) {
            if (have == 0)
                return 0;
            memcpy(line, pending, have);
            line[have] = '\0';
            have = 0;
            return 1;
        }
        have += (unsigned)r;
    }
}

static int run_program(char **argv)
{
    char path[256];
    if (strchr(argv[0], '/'))
        lg_snprintf(path, sizeof path, "%s", argv[0]);
    else
        lg_snprintf(path, sizeof path, "/bin/%s", argv[0]);
    int pid = sys_fork();
    if (pid < 0) {
        outf(2, "sh: fork: %s\n", lx_strerror(pid));
        return 1;
    }
    if (pid == 0) {
        int r = sys_execve(path, argv, lx_environ);
        outf(2, "sh: %s: %s\n", argv[0], r == -ENOENT ? "command not found (try 'help')" : lx_strerror(r));
        sys_exit(127);
    }
    for (;;) {
        int status = 0;
        int r = sys_wait4(pid, &status, 0);
        if (r == -EINTR)
            continue;
        if (r < 0)
            return 1;
        if (LX_WIFEXITED(status))
            return LX_WEXITSTATUS(status);
        outf(2, "sh: %s: killed by signal %d\n", argv[0], LX_WTERMSIG(status));
        return 128 + LX_WTERMSIG(status);
    }
}

/* `... > FILE` as the last two words: returns the saved stdout (to restore), -1 for none, -2 on error. */
static int redirect(int *argc)
{
    if (*argc < 3 || strcmp(words[*argc - 2], ">") != 0)
        return -1;
    const char *file = words[*argc - 1];
    int fd = sys_open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        outf(2, "sh: %s: %s\n", file, lx_strerror(fd));
        return -2;
    }
    int saved = sys_dup2(1, 10);
    sys_dup2(fd, 1);
    sys_close(fd);
    *argc -= 2;
    words[*argc] = 0;
    return saved;
}

static int run_line(void)
{
    int argc = split_words(line, words, MAX_WORDS);
    if (argc == -1) {
        outf(2, "sh: too many words (at most %d)\n", MAX_WORDS - 1);
        return 2;
    }
    if (argc == -2) {
        outf(2, "sh: unterminated quote\n");
        return 2;
    }
    if (argc == 0 || words[0][0] == '#')
        return 0;
    int saved = redirect(&argc);
    if (saved == -2)
        return 1;
    const struct builtin *b = find_builtin(words[0]);
    int status = b ? b->run(argc, words) : run_program(words);
    if (saved >= 0) {
        sys_dup2(saved, 1);
        sys_close(saved);
    }
    return status;
}

int main(int argc, char **argv, char **envp)
{
    (void)argc, (void)argv, (void)envp;
    sys_signal(SIGINT, on_sigint);
    char cwd[256];
    while (!sh_exit_requested) {
        if (sys_getcwd(cwd, sizeof cwd) < 0)
            strcpy(cwd, "?");
        outf(1, "%s # ", cwd);
        interrupted = 0;
        if (!read_line()) {
            out(1, "exit\n");
            break;
        }
        run_line();
    }
    return sh_exit_status;
}
