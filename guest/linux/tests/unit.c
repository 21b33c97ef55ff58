/* The user space's logic, run natively (x86-64, the same sources and the same system-call layer
 * as the i386 guest programs): `make -C guest linux-check`. Prints one line per failed check and
 * "linux-check: PASS n/n" or "linux-check: FAIL k/n"; exits 0 only when every check passed. */
#include "../lib/disk.h"
#include "../lib/sys.h"
#include "../lib/words.h"
#include "../../runtime/pattern.h"

static int checks, failed;

#define CHECK(cond)                                                              \
    do {                                                                         \
        checks++;                                                                \
        if (!(cond)) {                                                           \
            failed++;                                                            \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                        \
    } while (0)

static void words_split_at_blanks_and_keep_quoted_blanks(void)
{
    char line[] = "  echo 'a b'  \"c\"d\te  ";
    char *w[8];
    CHECK(split_words(line, w, 8) == 4);
    CHECK(strcmp(w[0], "echo") == 0);
    CHECK(strcmp(w[1], "a b") == 0);
    CHECK(strcmp(w[2], "cd") == 0);
    CHECK(strcmp(w[3], "e") == 0 && w[4] == 0);
    char many[] = "a b c d";
    CHECK(split_words(many, w, 4) == -1);
    char open[] = "echo 'oops";
    CHECK(split_words(open, w, 8) == -2);
    char empty[] = "   ";
    CHECK(split_words(empty, w, 8) == 0 && w[0] == 0);
}

static void cmdline_values_are_whole_words_and_the_last_wins(void)
{
    char buf[16];
    const char *line = "console=hvc0 xinit.disk=1 init.disk=7,8,9 init.then=poweroff init.disk=3";
    CHECK(cmdline_value(line, "init.disk", buf, sizeof buf) && strcmp(buf, "3") == 0);
    CHECK(cmdline_value(line, "init.then", buf, sizeof buf) && strcmp(buf, "poweroff") == 0);
    CHECK(cmdline_value(line, "console", buf, sizeof buf) && strcmp(buf, "hvc0") == 0);
    CHECK(cmdline_value(line, "init", buf, sizeof buf) == 0);
    CHECK(cmdline_value("init.then=averyveryverylongvalue", "init.then", buf, sizeof buf) == 0);
    CHECK(cmdline_value("init.disk=5\n", "init.disk", buf, sizeof buf) && strcmp(buf, "5") == 0);
}

static void disk_specs_default_start_and_count(void)
{
    uint32_t seed, start, count;
    CHECK(parse_disk_spec("7", &seed, &start, &count) && seed == 7 && start == 0 && count == 128);
    CHECK(parse_disk_spec("7,2048", &seed, &start, &count) && start == 2048 && count == 128);
    CHECK(parse_disk_spec("0x10,1,4096", &seed, &start, &count) && seed == 16 && start == 1 && count == 4096);
    CHECK(!parse_disk_spec("7,,1", &seed, &start, &count));
    CHECK(!parse_disk_spec("7,1,0", &seed, &start, &count));
    CHECK(!parse_disk_spec("1,2,3,4", &seed, &start, &count));
    CHECK(!parse_disk_spec("seven", &seed, &start, &count));
}

static void numbers_parse_in_decimal_and_hex_and_refuse_the_rest(void)
{
    uint32_t v;
    CHECK(lx_parse_u32("4294967295", &v) && v == 4294967295u);
    CHECK(!lx_parse_u32("4294967296", &v));
    CHECK(lx_parse_u32("0xfFfF", &v) && v == 0xFFFF);
    CHECK(!lx_parse_u32("", &v) && !lx_parse_u32("0x", &v) && !lx_parse_u32("12a", &v) && !lx_parse_u32("-1", &v));
}

static void the_pattern_checks_itself_and_finds_a_bad_sector(void)
{
    static uint8_t buf[4 * DISK_SECTOR];
    uint32_t first = 12345;
    disk_fill(buf, 7, 100, 4);
    CHECK(disk_check(buf, 7, 100, 4, &first) == 0 && first == 12345);
    CHECK(disk_check(buf, 8, 100, 4, &first) == 4 && first == 100);
    /* the sample kernel's pattern word for seed 7, sector 100, offset 0 (little-endian) */
    CHECK((buf[0] | buf[1] << 8 | buf[2] << 16 | (uint32_t)buf[3] << 24) == pattern_word(7, 100, 0));
    buf[2 * DISK_SECTOR + 511] ^= 1;
    CHECK(disk_check(buf, 7, 100, 4, &first) == 1 && first == 102);
}

static void errors_have_names(void)
{
    CHECK(strcmp(lx_strerror(-ENOENT), "ENOENT (no such file or directory)") == 0);
    CHECK(strcmp(lx_strerror(-200), "error 200") == 0);
}

/* The system-call layer itself, on this machine's kernel. */
static void files_round_trip_through_the_system_calls(void)
{
    char dir[32], path[64], buf[64];
    /* A unique name without mkdtemp: our pid. */
    lg_snprintf(dir, sizeof dir, "/tmp/lx-unit-%d", sys_getpid());
    CHECK(sys_mkdir(dir, 0700) == 0);
    lg_snprintf(path, sizeof path, "%s/file", dir);
    int fd = sys_open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0);
    CHECK(sys_write(fd, "hello, world", 12) == 12);
    CHECK(sys_lseek(fd, 7, SEEK_SET) == 7);
    CHECK(sys_read(fd, buf, sizeof buf) == 5 && memcmp(buf, "world", 5) == 0);
    CHECK(sys_lseek(fd, 0, SEEK_END) == 12);
    CHECK(sys_fsync(fd) == 0);
    CHECK(sys_close(fd) == 0);
    CHECK(read_file(path, buf, 6) == 5 && strcmp(buf, "hello") == 0);
    CHECK(sys_open("/nonexistent/x", O_RDONLY, 0) == -ENOENT);

    fd = sys_open(dir, O_RDONLY | O_DIRECTORY, 0);
    static char ents[1024] __attribute__((aligned(8)));
    int n = sys_getdents64(fd, ents, sizeof ents), seen = 0;
    for (int off = 0; off < n;) {
        struct lx_dirent64 *d = (struct lx_dirent64 *)(ents + off);
        seen += strcmp(d->d_name, "file") == 0;
        off += d->d_reclen;
    }
    CHECK(seen == 1);
    sys_close(fd);
    CHECK(sys_unlink(path) == 0);
    CHECK(sys_chdir(dir) == 0);
    CHECK(sys_getcwd(buf, sizeof buf) > 0 && strcmp(buf, dir) == 0);
    CHECK(sys_chdir("/") == 0);
    CHECK(sys_rmdir(dir) == 0);
}

static void a_child_process_exits_with_its_status(void)
{
    int pid = sys_fork();
    if (pid == 0)
        sys_exit(42);
    int status = 0;
    CHECK(pid > 0);
    CHECK(sys_wait4(pid, &status, 0) == pid);
    CHECK(LX_WIFEXITED(status) && LX_WEXITSTATUS(status) == 42);
    CHECK(sys_wait4(-1, &status, WNOHANG) == -ECHILD);
}

static volatile int got_signal;
static void on_signal(int sig) { got_signal = sig; }

static void a_signal_handler_runs_and_returns_through_our_restorer(void)
{
    CHECK(sys_signal(SIGTERM, on_signal) == 0);
    CHECK(sys_kill(sys_getpid(), SIGTERM) == 0);
    CHECK(got_signal == SIGTERM);
    CHECK(sys_signal(SIGTERM, SIG_DFL) == 0);
}

static void the_kernel_answers_uname_and_the_clock(void)
{
    struct lx_utsname u;
    struct lx_timespec a, b;
    CHECK(sys_uname(&u) == 0 && strcmp(u.sysname, "Linux") == 0);
    CHECK(sys_clock_gettime(CLOCK_MONOTONIC, &a) == 0);
    CHECK(sys_clock_gettime(CLOCK_MONOTONIC, &b) == 0);
    CHECK(b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec));
}

int main(int argc, char **argv, char **envp)
{
    (void)argc, (void)argv, (void)envp;
    words_split_at_blanks_and_keep_quoted_blanks();
    cmdline_values_are_whole_words_and_the_last_wins();
    disk_specs_default_start_and_count();
    numbers_parse_in_decimal_and_hex_and_refuse_the_rest();
    the_pattern_checks_itself_and_finds_a_bad_sector();
    errors_have_names();
    files_round_trip_through_the_system_calls();
    a_child_process_exits_with_its_status();
    a_signal_handler_runs_and_returns_through_our_restorer();
    the_kernel_answers_uname_and_the_clock();
    printf("linux-check: %s %d/%d\n", failed ? "FAIL" : "PASS", checks - failed, checks);
    return failed != 0;
}
