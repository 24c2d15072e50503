/*
 * The sd_notify protocol from a child's side: one datagram of VAR=VALUE
 * lines to $NOTIFY_SOCKET, a path or '@name' in the abstract namespace.
 * herdd listens there for children with ready "notify", systemd for
 * services, so a program using these calls works under both.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "herd.h"
#include "herdi.h"

#define STATUS_PREFIX "STATUS="
#define STATUS_STACK 512 /* longer texts are formatted on the heap */

/* Fills SA from VALUE; 0, HERD_EBADENV or HERD_ETOOLONG. A path's length
 * counts its terminating NUL, an abstract name's does not ('@' stands for
 * the leading NUL byte), as systemd reads them. */
static int
notify_addr(const char *value, struct sockaddr_un *sa, socklen_t *len)
{
	size_t n = strlen(value);

	if (value[0] != '/' && value[0] != '@')
		return HERD_EBADENV;
	if (value[0] == '@' ? n > sizeof sa->sun_path :
	    n >= sizeof sa->sun_path)
		return HERD_ETOOLONG;
	if (value[0] == '@' && n < 2)
		return HERD_EBADENV;
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, value, n);
	if (value[0] == '@')
		sa->sun_path[0] = '\0';
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	    (value[0] == '@' ? 0 : 1));
	return 0;
}

int
herd_notify(const char *state)
{
	const char *value = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	socklen_t len;
	ssize_t n;
	int fd, r, saved;

	if (state == NULL)
		return HERD_EINVAL;
	if (value == NULL)
		return 0;
	if ((r = notify_addr(value, &sa, &len)) != 0)
		return r;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return herdi_error_from_errno(errno);
	do
		n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		    (struct sockaddr *)&sa, len);
	while (n == -1 && errno == EINTR);
	saved = errno;
	close(fd);
	if (n == -1) {
		errno = saved;
		return herdi_error_from_errno(saved);
	}
	return 0;
}

int
herd_ready(void)
{
	return herd_notify("READY=1");
}

int
herd_watchdog_ping(void)
{
	return herd_notify("WATCHDOG=1");
}

int
herd_status(const char *fmt, ...)
{
	char stack[STATUS_STACK], *buf = stack, *p;
	size_t prefix = sizeof STATUS_PREFIX - 1;
	va_list ap;
	int n, r;

	if (fmt == NULL)
		return HERD_EINVAL;
	memcpy(buf, STATUS_PREFIX, prefix);
	va_start(ap, fmt);
	n = vsnprintf(buf + prefix, sizeof stack - prefix, fmt, ap);
	va_end(ap);
	if (n < 0)
		return HERD_EINVAL;
	if ((size_t)n >= sizeof stack - prefix) {
		buf = malloc(prefix + (size_t)n + 1);
		if (buf == NULL)
			return HERD_ENOMEM;
		memcpy(buf, STATUS_PREFIX, prefix);
		va_start(ap, fmt);
		vsnprintf(buf + prefix, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	for (p = buf + prefix; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	r = herd_notify(buf);
	if (buf != stack)
		free(buf);
	return r;
}
