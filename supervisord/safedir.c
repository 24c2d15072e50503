/*
 * The directories herdd writes in (run_dir, log_dir and what it makes
 * below them), and the files it opens there, made safe against other
 * local users. As OpenSSH's StrictModes does, every directory on the path
 * is checked, not only the last: each must belong to root or herdd's euid
 * and not be writable by others (a sticky one, such as /tmp, is allowed
 * above). The walk holds each directory's fd while it checks and opens the
 * next with O_NOFOLLOW, so nothing can be swapped between check and use;
 * files are then opened beneath a directory fd, never by a path through
 * a symlink. docs/security.md explains each rule.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safedir.h"
#include "util.h"

/* The owner's name, for messages. */
static const char *
owner_name(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	snprintf(buf, len, "%s", pw != NULL ? pw->pw_name : "no such user");
	return buf;
}

/*
 * Whether directory fd (named shown) may hold herdd's files. An ancestor
 * may be writable by others if sticky, and by its group if root owns it
 * (Ubuntu's /var/log is root:syslog 0775): herdd opens the next directory
 * with O_NOFOLLOW and checks its owner, so such a group can rename, not
 * redirect. The directory itself and those below it: no group or other
 * write at all.
 */
static int
check_dir(int fd, const char *shown, int ancestor, char *cause, size_t len)
{
	struct stat st;
	char who[64];
	const char *why = NULL;

	if (fstat(fd, &st) == -1) {
		snprintf(cause, len, "%s: %s", shown, strerror(errno));
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid())
		why = "belongs to another user";
	else if ((st.st_mode & S_IWOTH) && !(ancestor &&
	    (st.st_mode & S_ISVTX)))
		why = "is writable by others";
	else if ((st.st_mode & S_IWGRP) && !(ancestor &&
	    ((st.st_mode & S_ISVTX) || st.st_uid == 0)))
		why = "is writable by its group";
	if (why == NULL)
		return 0;
	snprintf(cause, len, "%s %s (owner uid %u (%s), mode %04o): every "
	    "directory on the path must belong to root or to herdd's user "
	    "(uid %u) and not be writable by group or others (a sticky one "
	    "like /tmp may be above it)", shown, why, (unsigned)st.st_uid,
	    owner_name(st.st_uid, who, sizeof who),
	    (unsigned)(st.st_mode & 07777), (unsigned)geteuid());
	return -1;
}

/* Opens directory NAME beneath DIRFD without following a symlink,
 * creating it with MODE when CREATE and it is absent. */
static int
open_sub(int dirfd, const char *name, int create, mode_t mode)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);

	if (fd == -1 && errno == ENOENT && create) {
		if (mkdirat(dirfd, name, mode) == -1 && errno != EEXIST)
			return -1;
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		/* exactly MODE, whatever the umask */
		if (fd != -1 && fchmod(fd, mode) == -1) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/*
 * PATH made absolute with the symlinks of its existing part resolved
 * (those are in directories the walk checks, so they are as safe as
 * their directory); the part that does not exist yet is appended as
 * written. Caller frees; NULL with errno.
 */
static char *
resolve(const char *path)
{
	char *copy = xstrdup(path), *cut, *real, *out;
	const char *rest = "";

	for (;;) {
		if ((real = realpath(copy, NULL)) != NULL)
			break;
		if (errno != ENOENT || (cut = strrchr(copy, '/')) == NULL) {
			/* a relative path's first component is absent */
			if (errno == ENOENT && strchr(copy, '/') == NULL) {
				real = realpath(".", NULL);
				rest = path;
				if (real != NULL)
					break;
			}
			free(copy);
			return NULL;
		}
		rest = path + (cut - copy);
		if (cut == copy) {
			real = xstrdup("/");
			break;
		}
		*cut = '\0';
	}
	while (*rest == '/')
		rest++;
	out = xprintf("%s%s%s", real, strcmp(real, "/") == 0 ||
	    *rest == '\0' ? "" : "/", rest);
	free(real);
	free(copy);
	return out;
}

int
safedir_open(const char *what, const char *path, mode_t mode, char *cause,
    size_t len)
{
	char *abs, *comp, *save = NULL, shown[4200], why[4400];
	size_t n = 0;
	int fd, sub, last;

	if ((abs = resolve(path)) == NULL) {
		snprintf(cause, len, "%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	if ((fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(cause, len, "%s %s: /: %s", what, path,
		    strerror(errno));
		free(abs);
		return -1;
	}
	/* every directory above the last is an ancestor */
	if (check_dir(fd, "/", strcmp(abs, "/") != 0, why, sizeof why) == -1)
		goto fail;
	for (comp = strtok_r(abs, "/", &save); comp != NULL;
	    comp = strtok_r(NULL, "/", &save)) {
		last = save[strspn(save, "/")] == '\0';
		n += (size_t)snprintf(shown + n, sizeof shown - n, "/%s", comp);
		if (n >= sizeof shown)
			n = sizeof shown - 1;
		if ((sub = open_sub(fd, comp, 1, last ? mode : 0755)) == -1) {
			snprintf(why, sizeof why, "%s: %s", shown, errno ==
			    ELOOP || errno == ENOTDIR ? "not a directory (a "
			    "symlink?)" : strerror(errno));
			goto fail;
		}
		close(fd);
		fd = sub;
		if (check_dir(fd, shown, !last, why, sizeof why) == -1)
			goto fail;
	}
	free(abs);
	return fd;
fail:
	snprintf(cause, len, "%s %s: %s", what, path, why);
	close(fd);
	free(abs);
	return -1;
}

int
safedir_sub(int dirfd, const char *rel, mode_t mode, char *cause,
    size_t len)
{
	char *copy = xstrdup(rel), *comp, *save = NULL;
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0), sub;

	if (fd == -1) {
		snprintf(cause, len, "dup: %s", strerror(errno));
		free(copy);
		return -1;
	}
	for (comp = strtok_r(copy, "/", &save); comp != NULL;
	    comp = strtok_r(NULL, "/", &save)) {
		if (strcmp(comp, ".") == 0 || strcmp(comp, "..") == 0) {
			snprintf(cause, len, "%s: \"%s\" may not be part of the "
			    "path", rel, comp);
			goto fail;
		}
		if ((sub = open_sub(fd, comp, 1, mode)) == -1) {
			snprintf(cause, len, "%s: %s", rel, errno == ELOOP ||
			    errno == ENOTDIR ? "not a directory (a symlink?)" :
			    strerror(errno));
			goto fail;
		}
		close(fd);
		fd = sub;
		if (check_dir(fd, rel, 0, cause, len) == -1)
			goto fail;
	}
	free(copy);
	return fd;
fail:
	close(fd);
	free(copy);
	return -1;
}

int
safefile_open(int dirfd, const char *name, int flags, mode_t mode)
{
	struct stat st;
	int fd, err;

	flags |= O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;
	fd = openat(dirfd, name, flags & ~(O_CREAT | O_EXCL));
	if (fd == -1 && errno == ENOENT && (flags & O_CREAT)) {
		fd = openat(dirfd, name, flags | O_EXCL, mode);
		/* exactly MODE, whatever herdd's umask */
		if (fd != -1 && fchmod(fd, mode) == -1)
			goto bad;
		if (fd == -1 && errno == EEXIST) /* raced: take the other */
			fd = openat(dirfd, name, flags & ~(O_CREAT | O_EXCL));
	}
	if (fd == -1)
		return -1;
	/* a regular file of ours with one name: not a hard link to some
	 * other file, not a device or FIFO */
	if (fstat(fd, &st) == -1)
		goto bad;
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    (st.st_uid != geteuid() && st.st_uid != 0)) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
bad:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}
