#include "words.h"
#include "sys.h"

static int blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int split_words(char *line, char **words, int max)
{
    int n = 0;
    char *r = line, *w = line;
    for (;;) {
        while (blank(*r))
            r++;
        if (!*r)
            break;
        if (n >= max - 1)
            return -1;
        words[n++] = w;
        while (*r && !blank(*r)) {
            if (*r == '\'' || *r == '"') {
                char quote = *r++;
                while (*r && *r != quote)
                    *w++ = *r++;
                if (!*r)
                    return -2;
                r++;
            } else {
                *w++ = *r++;
            }
        }
        /* The terminator may land on the blank just read past, never beyond it. */
        if (*r)
            r++;
        *w++ = '\0';
    }
    words[n] = 0;
    return n;
}

const char *cmdline_value(const char *cmdline, const char *key, char *buf, uint32_t size)
{
    const char *found = 0;
    size_t klen = strlen(key);
    for (const char *p = cmdline; *p; p++) {
        if ((p == cmdline || blank(p[-1])) && strncmp(p, key, klen) == 0 && p[klen] == '=')
            found = p + klen + 1;
    }
    if (!found)
        return 0;
    uint32_t n = 0;
    while (found[n] && !blank(found[n])) {
        if (n + 1 >= size)
            return 0;
        buf[n] = found[n];
        n++;
    }
    buf[n] = '\0';
    return buf;
}

int parse_disk_spec(const char *spec, uint32_t *seed, uint32_t *start, uint32_t *count)
{
    char copy[64];
    if (strlen(spec) >= sizeof copy)
        return 0;
    strcpy(copy, spec);
    char *parts[4] = { copy, 0, 0, 0 };
    int n = 1;
    for (char *p = copy; *p; p++)
        if (*p == ',') {
            if (n == 3)
                return 0;
            *p = '\0';
            parts[n++] = p + 1;
        }
    uint32_t v[3] = { 0, 0, 128 };
    for (int i = 0; i < n; i++)
        if (!lx_parse_u32(parts[i], &v[i]))
            return 0;
    if (v[2] == 0)
        return 0;
    *seed = v[0];
    *start = v[1];
    *count = v[2];
    return 1;
}
