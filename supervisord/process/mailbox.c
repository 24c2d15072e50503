/*
 * Actors' mailbox directories, run_dir/actors/<incarnation>/: one per
 * actor process, made before it starts (owned by the actor's user, 0711:
 * it binds its socket there, others may only pass) and removed when it
 * ends; what a killed herdd left is swept at start. Beneath the run_dir
 * fd checked at start (safedir.c), never following a link.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "herdd.h"
#include "log.h"
#include "mailbox.h"
#include "util.h"

/* Removes directory NAME beneath DIRFD and what is directly in it (never
 * following a link): a mailbox dir holds the actor's socket. */
static void
remove_tree(int parent, const char *name)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	struct dirent *e;
	DIR *d;

	if (fd == -1) {
		unlinkat(parent, name, 0);
		return;
	}
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	if (unlinkat(parent, name, AT_REMOVEDIR) == -1)
		log_warn("run_dir/actors/%s: cannot remove it", name);
}

void
mailbox_sweep(struct herdd *h)
{
	struct dirent *e;
	DIR *d;
	int fd = fcntl(h->actors_dirfd, F_DUPFD_CLOEXEC, 0);

	/* what a herdd killed before it could clean up left */
	if (fd == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	rewinddir(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			remove_tree(h->actors_dirfd, e->d_name);
	closedir(d);
}

int
mailbox_prepare(struct herdd *h, struct child *c, uid_t uid, gid_t gid,
    char **env_inc, char **env_mailbox, char *cause, size_t len)
{
	char name[32];

	c->incarnation = ++h->actor_serial;
	snprintf(name, sizeof name, "%llu", (unsigned long long)c->incarnation);
	/* the actor's own: it binds its socket there; others may only pass */
	if (mkdirat(h->actors_dirfd, name, 0711) == -1 ||
	    fchownat(h->actors_dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) ==
	    -1 || fchmodat(h->actors_dirfd, name, 0711, 0) == -1) {
		snprintf(cause, len, "mailbox directory run_dir/actors/%s: %s",
		    name, strerror(errno));
		unlinkat(h->actors_dirfd, name, AT_REMOVEDIR);
		return -1;
	}
	*env_inc = xprintf("HERD_INCARNATION=%s", name);
	*env_mailbox = xprintf("HERD_MAILBOX=ipc://%s/actors/%s/m.sock",
	    h->conf->run_dir, name);
	return 0;
}

void
mailbox_remove(struct herdd *h, struct child *c)
{
	char name[32];

	if (c->incarnation == 0)
		return;
	snprintf(name, sizeof name, "%llu", (unsigned long long)c->incarnation);
	remove_tree(h->actors_dirfd, name);
}
