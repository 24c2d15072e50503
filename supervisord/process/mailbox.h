/* Actors' mailbox directories (mailbox.c): for the driver, which starts
 * and reaps actor processes, and main.c. */
#ifndef HERDD_MAILBOX_H
#define HERDD_MAILBOX_H

#include <stddef.h>
#include <sys/types.h>

struct herdd;
struct child;

/* An actor child c about to start: gives it its incarnation and its
 * mailbox directory run_dir/actors/<incarnation>/ (owned by UID:GID, the
 * actor's, 0711); *env_inc and *env_mailbox (caller frees) are its
 * HERD_INCARNATION and HERD_MAILBOX. -1 with cause if it cannot. */
int mailbox_prepare(struct herdd *h, struct child *c, uid_t uid, gid_t gid,
    char **env_inc, char **env_mailbox, char *cause, size_t len);
/* c's process ended: its mailbox directory goes. */
void mailbox_remove(struct herdd *h, struct child *c);
/* At start: removes the mailbox directories a previous herdd left. */
void mailbox_sweep(struct herdd *h);

#endif
