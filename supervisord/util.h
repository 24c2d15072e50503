/* Small allocation and string helpers for herdd; allocation failure in the
 * daemon is fatal (STYLE.md, errors). */
#ifndef HERDD_UTIL_H
#define HERDD_UTIL_H

#include <stddef.h>
#include <stdint.h>

void *xcalloc(size_t n, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* CLOCK_MONOTONIC in milliseconds and microseconds. */
uint64_t mono_ms(void);
/* The wall clock in ms since the epoch (for people: when it happened). */
int64_t wall_ms(void);
uint64_t mono_us(void);
/* "TERM" for SIGTERM, or the number as text. */
const char *signal_name(int sig, char *buf, size_t len);

#endif
