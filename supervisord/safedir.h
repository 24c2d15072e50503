/* Directories and files herdd writes, safe from other local users
 * (safedir.c). */
#ifndef HERDD_SAFEDIR_H
#define HERDD_SAFEDIR_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Opens directory PATH (WHAT names it in messages: "run_dir"), creating
 * what is missing (the last with MODE, exactly, the others 0755), after
 * checking every directory from / down: owner root or herdd's euid, not
 * writable by others. Returns its fd (caller closes), or -1 with cause
 * naming the directory, its owner and mode.
 */
int safedir_open(const char *what, const char *path, mode_t mode,
    char *cause, size_t len);
/* Opens the directories of REL ("api/sub", relative, no "." or "..")
 * beneath DIRFD, creating missing ones with MODE, each checked as the
 * last one of safedir_open. Returns the fd of the last (caller closes;
 * a dup of DIRFD for ""), or -1 with cause. */
int safedir_sub(int dirfd, const char *rel, mode_t mode, char *cause,
    size_t len);
/*
 * openat(DIRFD, NAME, FLAGS) never through a symlink; with O_CREAT a new
 * file gets exactly MODE. The file must be a regular file with one link,
 * owned by root or herdd's euid, else -1 with errno EPERM. Returns the fd
 * (close-on-exec), or -1 with errno.
 */
int safefile_open(int dirfd, const char *name, int flags, mode_t mode);

#endif
