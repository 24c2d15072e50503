/* Writing herd.json so that it is never half-written: validate, temp file,
 * fsync, backup, rename, fsync the directory; and rollback to the backup. */

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf-private.h"

/* The names one write uses, all in the file's directory. */
struct conf_write {
	char *file;   /* the real file (symlinks resolved) */
	char *dir;
	char *tmp;    /* DIR/.NAME.tmp */
	char *bak;    /* FILE.bak */
	char *baktmp; /* DIR/.NAME.bak.tmp */
	int lockfd;   /* the current file, flock'ed; -1 if there is none */
	struct stat st; /* the current file's, when lockfd >= 0 */
};

static int
conf_write_fail(char **cause, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Sets *cause to the message and strerror(errno); returns -1. */
static int
conf_write_fail(char **cause, const char *fmt, ...)
{
	int err = errno;
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (asprintf(cause, "%s: %s", msg, strerror(err)) < 0)
		abort();
	free(msg);
	errno = err;
	return -1;
}

static void
conf_write_clear(struct conf_write *w)
{
	if (w->lockfd >= 0)
		close(w->lockfd); /* drops the lock */
	free(w->file);
	free(w->dir);
	free(w->tmp);
	free(w->bak);
	free(w->baktmp);
	memset(w, 0, sizeof *w);
	w->lockfd = -1;
}

/*
 * Resolves PATH and takes an exclusive flock on the current file, making
 * sure it is still the file at that name once locked (a writer that held
 * the lock may have renamed a new one over it). A missing file is not an
 * error: lockfd is then -1 and the file will be created.
 */
static int
conf_write_open(struct conf_write *w, const char *path, char **cause)
{
	char *copy, *base, real[PATH_MAX];
	struct stat now;
	int tries;

	memset(w, 0, sizeof *w);
	w->lockfd = -1;
	if (realpath(path, real) != NULL)
		w->file = strdup(real);
	else if (errno == ENOENT)
		w->file = strdup(path);
	else
		return conf_write_fail(cause, "%s", path);
	if (w->file == NULL || (copy = strdup(w->file)) == NULL)
		abort();
	w->dir = strdup(dirname(copy));
	free(copy);
	if ((copy = strdup(w->file)) == NULL || w->dir == NULL)
		abort();
	base = basename(copy);
	if (asprintf(&w->tmp, "%s/.%s.tmp", w->dir, base) < 0 ||
	    asprintf(&w->baktmp, "%s/.%s.bak.tmp", w->dir, base) < 0 ||
	    asprintf(&w->bak, "%s.bak", w->file) < 0)
		abort();
	free(copy);
	for (tries = 0; tries < 100; tries++) {
		if ((w->lockfd = open(w->file, O_RDONLY | O_CLOEXEC)) < 0) {
			if (errno == ENOENT)
				return 0;
			return conf_write_fail(cause, "%s", w->file);
		}
		if (flock(w->lockfd, LOCK_EX) != 0 ||
		    fstat(w->lockfd, &w->st) != 0)
			return conf_write_fail(cause, "%s: lock", w->file);
		if (stat(w->file, &now) == 0 && now.st_dev == w->st.st_dev &&
		    now.st_ino == w->st.st_ino)
			return 0;
		close(w->lockfd);
		w->lockfd = -1;
	}
	errno = EAGAIN;
	return conf_write_fail(cause, "%s: lock", w->file);
}

static int
conf_write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
conf_write_sync_dir(struct conf_write *w, char **cause)
{
	int fd = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) != 0) {
		conf_write_fail(cause, "%s: fsync", w->dir);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* *cause for a file whose owner this writer cannot keep. */
static void
conf_write_owner_refused(const struct conf_write *w, char **cause)
{
	struct passwd *pw = getpwuid(w->st.st_uid);
	struct group *gr = getgrgid(w->st.st_gid);
	char user[64], group[64];

	snprintf(user, sizeof user, "%s", pw ? pw->pw_name : "?");
	snprintf(group, sizeof group, "%s", gr ? gr->gr_name : "?");
	if (asprintf(cause, "%s: not written: it belongs to %s:%s (uid %u, "
	    "gid %u) and uid %u cannot give a new file that owner, so its "
	    "owner would change; edit it as its owner or as root", w->file,
	    user, group, (unsigned)w->st.st_uid, (unsigned)w->st.st_gid,
	    (unsigned)geteuid()) < 0)
		abort();
}

/* Writes TEXT to a new file NAME with the current file's mode and owner,
 * and fsyncs it. */
static int
conf_write_new(struct conf_write *w, const char *name, const char *text,
    size_t len, char **cause)
{
	int fd;

	/* A temp file left by a writer that was killed; we hold the lock. */
	if (unlink(name) != 0 && errno != ENOENT)
		return conf_write_fail(cause, "%s", name);
	if ((fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    w->lockfd >= 0 ? 0600 : 0644)) < 0)
		return conf_write_fail(cause, "%s", name);
	if (w->lockfd >= 0) {
		/* The new file keeps the owner and group, or is not written:
		 * a group member who may write root's file must not make it
		 * theirs (herdd would then run what they put in it). */
		if (fchown(fd, w->st.st_uid, w->st.st_gid) != 0) {
			if (errno != EPERM)
				goto fail;
			conf_write_owner_refused(w, cause);
			close(fd);
			unlink(name);
			return -1;
		}
		if (fchmod(fd, w->st.st_mode & 07777) != 0)
			goto fail;
	}
	if (conf_write_all(fd, text, len) != 0 || fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	conf_write_fail(cause, "%s", name);
	if (fd >= 0)
		close(fd);
	unlink(name);
	return -1;
}

/* Makes the current file FILE.bak too, replacing the old backup at once:
 * a hard link, or a copy where links are not supported. */
static int
conf_write_backup(struct conf_write *w, char **cause)
{
	char *buf = NULL;
	size_t len = 0;
	int err;

	if (unlink(w->baktmp) != 0 && errno != ENOENT)
		return conf_write_fail(cause, "%s", w->baktmp);
	if (link(w->file, w->baktmp) != 0) {
		if ((err = conf_load_read(w->file, &buf, &len)) != 0) {
			errno = err;
			return conf_write_fail(cause, "%s", w->file);
		}
		err = conf_write_new(w, w->baktmp, buf, len, cause);
		free(buf);
		if (err != 0)
			return -1;
	}
	if (rename(w->baktmp, w->bak) != 0)
		return conf_write_fail(cause, "%s", w->bak);
	return 0;
}

/* Validates TEXT as the config PATH; -1 with errs and *cause if bad. */
static int
conf_write_check(const char *path, const char *text, size_t len,
    struct conf_errors *errs, char **cause)
{
	struct conf *c = NULL;

	if (conf_parse(path, text, len, &c, errs) == 0) {
		conf_free(c);
		return 0;
	}
	if (asprintf(cause, "%zu error%s in %s", errs->n,
	    errs->n == 1 ? "" : "s", path) < 0)
		abort();
	return -1;
}

int
conf_edit_write_text(const char *path, const char *text, size_t len,
    struct conf_errors *errs, char **cause)
{
	struct conf_write w;
	int rv = -1;

	*cause = NULL;
	errs->msgs = NULL;
	errs->n = 0;
	if (conf_write_check(path, text, len, errs, cause) != 0)
		return -1;
	if (conf_write_open(&w, path, cause) != 0) {
		conf_write_clear(&w);
		return -1;
	}
	if (conf_write_new(&w, w.tmp, text, len, cause) != 0)
		goto out;
	if (w.lockfd >= 0 && conf_write_backup(&w, cause) != 0) {
		unlink(w.tmp);
		goto out;
	}
	if (rename(w.tmp, w.file) != 0) {
		conf_write_fail(cause, "%s", w.file);
		unlink(w.tmp);
		goto out;
	}
	rv = conf_write_sync_dir(&w, cause);
out:
	conf_write_clear(&w);
	return rv;
}

int
conf_edit_write(const char *path, const cJSON *root,
    struct conf_errors *errs, char **cause)
{
	char *text = conf_edit_print(root);
	int rv;

	if (text == NULL)
		abort();
	rv = conf_edit_write_text(path, text, strlen(text), errs, cause);
	free(text);
	return rv;
}

int
conf_edit_rollback(const char *path, struct conf_errors *errs, char **cause)
{
	struct conf_write w;
	struct conf *c = NULL;
	int rv = -1;

	*cause = NULL;
	errs->msgs = NULL;
	errs->n = 0;
	if (conf_write_open(&w, path, cause) != 0)
		goto out;
	if (w.lockfd < 0) {
		errno = ENOENT;
		conf_write_fail(cause, "%s", w.file);
		goto out;
	}
	if (access(w.bak, F_OK) != 0) {
		conf_write_fail(cause, "no backup to roll back to: %s", w.bak);
		goto out;
	}
	if (conf_load(w.bak, &c, errs) != 0) {
		if (asprintf(cause, "the backup %s is not a valid config "
		    "(%zu error%s); nothing changed", w.bak, errs->n,
		    errs->n == 1 ? "" : "s") < 0)
			abort();
		goto out;
	}
	conf_free(c);
	if (renameat2(AT_FDCWD, w.bak, AT_FDCWD, w.file, RENAME_EXCHANGE) !=
	    0) {
		if (errno != EINVAL && errno != ENOSYS) {
			conf_write_fail(cause, "%s", w.file);
			goto out;
		}
		/* No atomic exchange here: swap through a third name. */
		if (unlink(w.baktmp) != 0 && errno != ENOENT) {
			conf_write_fail(cause, "%s", w.baktmp);
			goto out;
		}
		if (link(w.file, w.baktmp) != 0 ||
		    rename(w.bak, w.file) != 0 ||
		    rename(w.baktmp, w.bak) != 0) {
			conf_write_fail(cause, "%s", w.file);
			goto out;
		}
	}
	rv = conf_write_sync_dir(&w, cause);
out:
	conf_write_clear(&w);
	return rv;
}
