/* Output, files and errors on top of the system calls. Formatting is the sample kernel's
 * (guest/runtime/format.c), so both guests print numbers the same way. */
#include "sys.h"

void out(int fd, const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        long w = sys_write(fd, s, n);
        if (w == -EINTR)
            continue;
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static int voutf(int fd, const char *fmt, va_list ap)
{
    char line[1024];
    int n = lg_vsnprintf(line, sizeof line, fmt, ap);
    out(fd, line);
    return n;
}

int outf(int fd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = voutf(fd, fmt, ap);
    va_end(ap);
    return n;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = voutf(1, fmt, ap);
    va_end(ap);
    return n;
}

/* format.c's lg_printf prints through lg_puts: in user space that is standard output. */
void lg_puts(const char *s)
{
    out(1, s);
}

const char *lx_strerror(long err)
{
    static const struct {
        int no;
        const char *name;
    } names[] = {
        { EPERM, "EPERM (operation not permitted)" },
        { ENOENT, "ENOENT (no such file or directory)" },
        { EINTR, "EINTR (interrupted)" },
        { EIO, "EIO (I/O error)" },
        { ENXIO, "ENXIO (no such device or address)" },
        { EBADF, "EBADF (bad file descriptor)" },
        { ECHILD, "ECHILD (no child processes)" },
        { EAGAIN, "EAGAIN (try again)" },
        { ENOMEM, "ENOMEM (out of memory)" },
        { EACCES, "EACCES (permission denied)" },
        { EBUSY, "EBUSY (device or resource busy)" },
        { EEXIST, "EEXIST (file exists)" },
        { ENODEV, "ENODEV (no such device)" },
        { ENOTDIR, "ENOTDIR (not a directory)" },
        { EISDIR, "EISDIR (is a directory)" },
        { EINVAL, "EINVAL (invalid argument)" },
        { ENOTTY, "ENOTTY (not a terminal)" },
        { ENOSPC, "ENOSPC (no space left on device)" },
        { EROFS, "EROFS (read-only file system)" },
        { ENOSYS, "ENOSYS (no such system call)" },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (-err == names[i].no)
            return names[i].name;
    static char other[32];
    lg_snprintf(other, sizeof other, "error %ld", -err);
    return other;
}

long read_file(const char *path, char *buf, size_t size)
{
    int fd = sys_open(path, O_RDONLY, 0);
    if (fd < 0)
        return fd;
    size_t len = 0;
    while (len + 1 < size) {
        long r = sys_read(fd, buf + len, size - 1 - len);
        if (r == -EINTR)
            continue;
        if (r < 0) {
            sys_close(fd);
            return r;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    buf[len] = '\0';
    sys_close(fd);
    return (long)len;
}

long copy_to(int fd, const char *path)
{
    int in = sys_open(path, O_RDONLY, 0);
    if (in < 0)
        return in;
    char buf[1024];
    long total = 0;
    for (;;) {
        long r = sys_read(in, buf, sizeof buf);
        if (r == -EINTR)
            continue;
        if (r <= 0) {
            sys_close(in);
            return r < 0 ? r : total;
        }
        for (long done = 0; done < r;) {
            long w = sys_write(fd, buf + done, (size_t)(r - done));
            if (w == -EINTR)
                continue;
            if (w <= 0) {
                sys_close(in);
                return w < 0 ? w : -EIO;
            }
            done += w;
        }
        total += r;
    }
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (!*s)
            return 0;
    }
}

int lx_parse_u32(const char *s, uint32_t *value)
{
    uint64_t v = 0;
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s)
        return 0;
    for (; *s; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            return 0;
        v = v * base + d;
        if (v > 0xFFFFFFFFu)
            return 0;
    }
    *value = (uint32_t)v;
    return 1;
}
