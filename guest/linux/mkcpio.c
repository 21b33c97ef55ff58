/* Packs the initramfs: a newc ("070701") cpio archive, the format the kernel unpacks into its
 * rootfs (Documentation/early-userspace/buffer-format.txt). Byte-reproducible: every entry is
 * owned by root, dated 0 (1970), numbered in list order, and nothing comes from the build
 * machine but the listed files' bytes.
 *
 *   mkcpio LIST SRCDIR OUT
 *
 * LIST has one entry a line ('#' starts a comment):
 *   dir  PATH MODE               a directory
 *   nod  PATH MODE c|b MAJ MIN   a device node
 *   file PATH MODE SRC           the file SRCDIR/SRC
 * MODE is octal permission bits. The archive ends with TRAILER!!!. A bad line stops with one
 * message naming the list, the line and what was expected; exit status 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static FILE *out;
static unsigned long offset, next_ino = 1;
static const char *list_name;
static int line_no;

static void fail(const char *what)
{
    fprintf(stderr, "mkcpio: %s:%d: %s\n", list_name, line_no, what);
    exit(1);
}

static void pad(void)
{
    while (offset % 4) {
        fputc(0, out);
        offset++;
    }
}

static void entry(const char *name, unsigned long mode, unsigned long nlink, const unsigned char *data,
                  unsigned long size, unsigned long rmaj, unsigned long rmin)
{
    unsigned long namesize = strlen(name) + 1;
    offset += (unsigned long)fprintf(out, "070701%08lX%08lX%08lX%08lX%08lX%08lX%08lX%08lX%08lX%08lX%08lX%08lX%08lX",
                                     next_ino++, mode, 0ul, 0ul, nlink, 0ul, size, 0ul, 0ul, rmaj, rmin, namesize, 0ul);
    fwrite(name, 1, namesize, out);
    offset += namesize;
    pad();
    fwrite(data, 1, size, out);
    offset += size;
    pad();
}

static unsigned long octal(const char *s)
{
    char *end;
    unsigned long v = strtoul(s, &end, 8);
    if (*s == '\0' || *end != '\0' || v > 07777)
        fail("MODE must be octal permission bits, like 0755");
    return v;
}

/* Archive names have no leading '/': the kernel unpacks relative to the root. */
static const char *archive_name(const char *path)
{
    if (path[0] != '/' || path[1] == '\0')
        fail("PATH must be absolute, like /bin/sh");
    return path + 1;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: mkcpio LIST SRCDIR OUT\n");
        return 2;
    }
    list_name = argv[1];
    FILE *list = fopen(list_name, "r");
    if (!list) {
        perror(list_name);
        return 1;
    }
    out = fopen(argv[3], "wb");
    if (!out) {
        perror(argv[3]);
        return 1;
    }
    char buf[512];
    while (fgets(buf, sizeof buf, list)) {
        line_no++;
        char kind[8], path[256], mode[16], a[256], b[16], c[16];
        char *hash = strchr(buf, '#');
        if (hash)
            *hash = '\0';
        int n = sscanf(buf, "%7s %255s %15s %255s %15s %15s", kind, path, mode, a, b, c);
        if (n <= 0)
            continue;
        if (strcmp(kind, "dir") == 0 && n == 3) {
            entry(archive_name(path), 0040000 | octal(mode), 2, NULL, 0, 0, 0);
        } else if (strcmp(kind, "nod") == 0 && n == 6 && (strcmp(a, "c") == 0 || strcmp(a, "b") == 0)) {
            entry(archive_name(path), (a[0] == 'c' ? 0020000 : 0060000) | octal(mode), 1, NULL, 0,
                  strtoul(b, NULL, 10), strtoul(c, NULL, 10));
        } else if (strcmp(kind, "file") == 0 && n == 4) {
            char src[1024];
            snprintf(src, sizeof src, "%s/%s", argv[2], a);
            FILE *f = fopen(src, "rb");
            if (!f) {
                perror(src);
                return 1;
            }
            fseek(f, 0, SEEK_END);
            long size = ftell(f);
            fseek(f, 0, SEEK_SET);
            unsigned char *data = malloc(size > 0 ? (size_t)size : 1);
            if (!data || fread(data, 1, (size_t)size, f) != (size_t)size) {
                perror(src);
                return 1;
            }
            fclose(f);
            entry(archive_name(path), 0100000 | octal(mode), 1, data, (unsigned long)size, 0, 0);
            free(data);
        } else {
            fail("expected 'dir PATH MODE', 'nod PATH MODE c|b MAJOR MINOR' or 'file PATH MODE SRC'");
        }
    }
    fclose(list);
    entry("TRAILER!!!", 0, 1, NULL, 0, 0, 0);
    if (fclose(out) != 0) {
        perror(argv[3]);
        return 1;
    }
    return 0;
}
