/* Text the programs take apart: a shell line into words, the kernel command line into keys. */
#ifndef LX_WORDS_H
#define LX_WORDS_H

#include <stdint.h>

/* Splits `line` in place at blanks; '...' and "..." keep blanks inside a word. Returns the number
 * of words (words[n] = 0), -1 for more than `max` - 1 words, -2 for an unterminated quote. */
int split_words(char *line, char **words, int max);

/* The value of `key=value` among the blank-separated words of `cmdline`, copied into buf; 0 if
 * the key is absent (or its value does not fit). The last occurrence wins, as in the kernel. */
const char *cmdline_value(const char *cmdline, const char *key, char *buf, uint32_t size);

/* "SEED[,START[,COUNT]]": 1 and the numbers (START default 0, COUNT default 128), or 0. */
int parse_disk_spec(const char *spec, uint32_t *seed, uint32_t *start, uint32_t *count);

#endif
