/* Child output capture to rotated log files (output.c). */
#ifndef HERDD_OUTPUT_H
#define HERDD_OUTPUT_H

#include <stddef.h>

struct event_base;
struct logfile;

/* A log file for one stream of one child, CHILD_PATH.STREAM.log beneath
 * LOG_DIRFD (borrowed: open while herdd runs; LOG_DIR names it in
 * messages); opened at first write. Caller releases with logfile_destroy
 * (pipes still reading keep it alive). */
struct logfile *logfile_create(int log_dirfd, const char *log_dir,
    const char *child_path, const char *stream, size_t max,
    unsigned backups);
void logfile_destroy(struct logfile *f);
const char *logfile_path(const struct logfile *f);

/* A new pipe whose read end herdd drains into f until EOF; *write_fd is for
 * the child (caller closes it after the spawn). Returns 0 or -1 (errno). */
int output_pipe(struct event_base *base, struct logfile *f, int *write_fd);

/* Reads everything buffered in every pipe (before herdd exits). */
void output_drain_all(void);
/* Drains, then closes every pipe. */
void output_close_all(void);

#endif
