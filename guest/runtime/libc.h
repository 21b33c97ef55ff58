/* The freestanding runtime's little libc: string functions, a printf-ish formatter. */
#ifndef LG_LIBC_H
#define LG_LIBC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strcpy(char *dst, const char *src);

/* %d %i %u %x %X %s %c %p %% with optional '0' flag, width, and l / ll length modifiers. */
int lg_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int lg_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int lg_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parses "name=<decimal>" from a command line; returns fallback if absent. */
uint32_t lg_cmdline_u32(const char *cmdline, const char *name, uint32_t fallback);

#endif
