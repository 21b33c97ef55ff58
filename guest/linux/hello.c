/* The second program: /init forks a child that execs this, and the shell runs it by name. It
 * shows that exec passed its arguments and that it is a process of its own. `hello exit=N`
 * exits with status N, so a caller can see the status come back through wait4. */
#include "lib/sys.h"

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    int status = 0;
    printf("hello: I am pid %d, child of %d, with %d argument(s):", sys_getpid(), sys_getppid(), argc - 1);
    for (int i = 1; i < argc; i++) {
        printf(" %s", argv[i]);
        uint32_t n;
        if (strncmp(argv[i], "exit=", 5) == 0 && lx_parse_u32(argv[i] + 5, &n) && n < 256)
            status = (int)n;
    }
    printf("\n");
    return status;
}
