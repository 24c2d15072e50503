/* Single-instance lock on run_dir (lock.c). */
#ifndef HERDD_LOCK_H
#define HERDD_LOCK_H

#include <stddef.h>

/* Takes herdd.lock in run_dir (open as RUN_DIRFD); returns its fd (keep it
 * open), or -1 with cause naming the running herdd. */
int lock_take(int run_dirfd, const char *run_dir, char *cause, size_t len);
/* Releases the lock; -1 is a no-op. */
void lock_release(int fd, const char *run_dir);

#endif
