/* The tiny shell: sh.c reads lines and runs them, sh_builtins.c holds the commands it knows. */
#ifndef LX_SH_H
#define LX_SH_H

/* A built-in command: argv[0] is its name; returns its exit status. */
struct builtin {
    const char *name;
    const char *usage;
    int (*run)(int argc, char **argv);
};

extern const struct builtin builtins[];

const struct builtin *find_builtin(const char *name);

/* Set by `exit`: the shell leaves after the current line with this status. */
extern int sh_exit_requested, sh_exit_status;

#endif
