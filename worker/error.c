/* libherd's error codes: their names, and the mapping from errno. */
#include <errno.h>

#include "herd.h"
#include "herdi.h"

const char *
herd_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case HERD_EINVAL:
		return "invalid argument";
	case HERD_EBADENV:
		return "malformed NOTIFY_SOCKET, WATCHDOG_USEC or WATCHDOG_PID";
	case HERD_ETOOLONG:
		return "NOTIFY_SOCKET is too long for a socket address";
	case HERD_ENOLISTENER:
		return "nothing listens at NOTIFY_SOCKET";
	case HERD_EACCES:
		return "permission denied";
	case HERD_EMSGSIZE:
		return "message too long";
	case HERD_ENOMEM:
		return "out of memory";
	case HERD_EBADF:
		return "bad file descriptor";
	case HERD_EPIPE:
		return "the reading end is closed";
	case HERD_ESYSTEM:
		return "system error";
	case HERD_ENONODE:
		return "not run by herdd as an actor, or herdd does not answer";
	case HERD_EPROTO:
		return "herdd answered something unexpected";
	case HERD_EEXIST:
		return "name taken or not valid";
	case HERD_ENOTFOUND:
		return "not_found: no actor has that name (or no such timer)";
	case HERD_ENOPROC:
		return "noproc: the actor is not running";
	case HERD_ETIMEDOUT:
		return "timeout: no reply in time";
	case HERD_ECALLINGSELF:
		return "calling_self: a call to the caller itself";
	case HERD_EMAILBOXFULL:
		return "mailbox_full: the message cannot be queued";
	case HERD_ETOOLARGE:
		return "too_large: the message is over HERD_MSG_MAX bytes";
	case HERD_EREPLY:
		return "the callee answered an error";
	}
	return "unknown error";
}

/* Leaves errno as it was, so that HERD_ESYSTEM callers can still read it. */
int
herdi_error_from_errno(int err)
{
	switch (err) {
	case ECONNREFUSED:
	case ENOENT:
	case ENOTDIR:
	case ENOTSOCK:
	case EPROTOTYPE:
		return HERD_ENOLISTENER;
	case EACCES:
	case EPERM:
		return HERD_EACCES;
	case EMSGSIZE:
		return HERD_EMSGSIZE;
	case ENOMEM:
	case ENOBUFS:
		return HERD_ENOMEM;
	case EBADF:
		return HERD_EBADF;
	case EPIPE:
		return HERD_EPIPE;
	case ENAMETOOLONG:
		return HERD_ETOOLONG;
	}
	return HERD_ESYSTEM;
}
