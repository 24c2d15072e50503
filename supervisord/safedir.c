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

#define MAX_LINKS 40 /* as the kernel's */

/* Pops the first component of *rest (a string of '/'-separated names)
 * into comp (at most len bytes); 0 when none is left. */
static int
next_comp(char **rest, char *comp, size_t len)
{
	char *p = *rest, *end;

	while (*p == '/')
		p++;
	if (*p == '\0')
		return 0;
	end = p + strcspn(p, "/");
	snprintf(comp, len, "%.*s", (int)(end - p), p);
	*rest = end;
	return 1;
}

/* Whether *rest holds no more components. */
static int
no_more(const char *rest)
{
	return rest[strspn(rest, "/")] == '\0';
}

/* SRC into DST of LEN bytes, cut short if it must be (a path shown in a
 * message). */
static void
copy_text(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * Opens directory PATH walking it as written, from / (a relative path
 * from the cwd's absolute path): each directory is opened with O_NOFOLLOW
 * beneath the one before, once that one passed check_dir. A symlink met
 * on the way is followed only if root or herdd's user owns it (its
 * directory passed the check already, so nobody else could have put it
 * there or can change it): what it names is walked the same way. Missing
 * directories are made (the last with MODE). No TOCTOU: every step holds
 * the fd it checked.
 */
int
safedir_open(const char *what, const char *path, mode_t mode, char *cause,
    size_t len)
{
	char *rest, *todo, comp[256], shown[4200], why[4600], link[4200];
	int fd, sub, links = 0, last;
	struct stat st;
	ssize_t n;

	if (path[0] == '/') {
		todo = xstrdup(path);
	} else {
		char cwd[4096];
		if (getcwd(cwd, sizeof cwd) == NULL) {
			snprintf(cause, len, "%s %s: %s", what, path,
			    strerror(errno));
			return -1;
		}
		todo = xprintf("%s/%s", cwd, path);
	}
	rest = todo;
	snprintf(shown, sizeof shown, "/");
	if ((fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(why, sizeof why, "/: %s", strerror(errno));
		goto fail;
	}
	if (check_dir(fd, "/", !no_more(rest), why, sizeof why) == -1)
		goto fail;
	while (next_comp(&rest, comp, sizeof comp)) {
		last = no_more(rest);
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			char *slash = strrchr(shown, '/');
			sub = openat(fd, "..", O_RDONLY | O_DIRECTORY |
			    O_CLOEXEC);
			if (sub == -1) {
				snprintf(why, sizeof why, "%s/..: %s", shown,
				    strerror(errno));
				goto fail;
			}
			close(fd);
			fd = sub;
			if (slash != NULL && slash != shown)
				*slash = '\0';
			else
				snprintf(shown, sizeof shown, "/");
			continue;
		}
		snprintf(why, sizeof why, "%s%s%s", shown, strcmp(shown, "/") ?
		    "/" : "", comp);
		if (fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode)) {
			if (st.st_uid != 0 && st.st_uid != geteuid()) {
				char who[64];
				snprintf(why + strlen(why), sizeof why -
				    strlen(why), " is a symlink that belongs to "
				    "uid %u (%s): only root's or herdd's user's "
				    "are followed", (unsigned)st.st_uid,
				    owner_name(st.st_uid, who, sizeof who));
				goto fail;
			}
			if (++links > MAX_LINKS || (n = readlinkat(fd, comp,
			    link, sizeof link - 1)) <= 0) {
				snprintf(why + strlen(why), sizeof why -
				    strlen(why), ": too many symlinks, or one "
				    "that cannot be read");
				goto fail;
			}
			link[n] = '\0';
			/* what the link names, then the rest */
			{
				char *next = xprintf("%s/%s", link, rest);
				free(todo);
				todo = rest = next;
			}
			if (link[0] == '/') {
				close(fd);
				if ((fd = open("/", O_RDONLY | O_DIRECTORY |
				    O_CLOEXEC)) == -1)
					goto fail;
				snprintf(shown, sizeof shown, "/");
			}
			continue;
		}
		if ((sub = open_sub(fd, comp, 1, last ? mode : 0755)) == -1) {
			snprintf(why + strlen(why), sizeof why - strlen(why),
			    ": %s", errno == ELOOP || errno == ENOTDIR ?
			    "not a directory" : strerror(errno));
			goto fail;
		}
		close(fd);
		fd = sub;
		copy_text(shown, sizeof shown, why);
		if (check_dir(fd, shown, !last, why, sizeof why) == -1)
			goto fail;
	}
	free(todo);
	return fd;
fail:
	snprintf(cause, len, "%s %s: %s", what, path, why);
	if (fd != -1)
		close(fd);
	free(todo);
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
