/*
 * herdd's privilege model (docs/security.md): who a control peer is, which
 * ops it may send, and as whom a child it adds or spawns at run time runs.
 * Root and herdd's own user may do anything, since herdd does it for them
 * anyway. Others may mutate only if control.allow_users or allow_groups
 * names them, and even then a child they add or spawn runs as themselves:
 * as another user only where control.allow_run_as grants it, so that being
 * an operator of the fleet never means running commands as root.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/transport/ipc/ipc.h>

#include "control.h"
#include "util.h"

#define MAX_GROUPS 1024

void
access_identify(struct request *r)
{
	nng_pipe p = nng_msg_get_pipe(r->msg);
	uint64_t v;

	r->uid = r->gid = -1;
	if (nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_UID, &v) == 0 &&
	    v <= INT32_MAX) {
		r->uid = (int)v;
		if (nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_GID, &v) == 0 &&
		    v <= INT32_MAX)
			r->gid = (int)v;
		return;
	}
	r->tcp = 1;
	tcp_peer_identify(r);
}

int
access_privileged(const struct request *r)
{
	return r->uid == 0 || (r->uid >= 0 && (uid_t)r->uid == geteuid());
}

/* Whether uid may send mutating ops: root, herdd's own uid, and the
 * users and groups the config allows. */
static int
uid_may_mutate(struct herdd *h, int uid)
{
	const struct conf_control *cc = &h->conf->control;
	gid_t groups[256];
	struct passwd *pw;
	int ngroups = 256, i;
	size_t k;

	if (uid < 0)
		return 0;
	if (uid == 0 || (uid_t)uid == geteuid())
		return 1;
	for (k = 0; k < cc->nallow_uids; k++)
		if (cc->allow_uids[k] == (uid_t)uid)
			return 1;
	if (cc->nallow_gids == 0 || (pw = getpwuid((uid_t)uid)) == NULL)
		return 0;
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &ngroups) == -1)
		ngroups = 256;
	for (i = 0; i < ngroups; i++)
		for (k = 0; k < cc->nallow_gids; k++)
			if (groups[i] == cc->allow_gids[k])
				return 1;
	return 0;
}

int
access_may_mutate(const struct request *r, const struct op *op, char *cause,
    size_t len)
{
	if (!op->mutating || uid_may_mutate(r->h, r->uid))
		return 1;
	if (!r->tcp)
		snprintf(cause, len, "uid %d may not %s: read-only access "
		    "(see control.allow_users)", r->uid, op->name);
	else if (r->uid >= 0)
		snprintf(cause, len, "the tls client \"%s\", mapped to uid %d, "
		    "may not %s: read-only access (see control.allow_users)",
		    r->subject, r->uid, op->name);
	else if (r->tls_verified)
		snprintf(cause, len, "the tls client \"%s\" may not %s: "
		    "read-only access (its certificate is not in "
		    "control.tcp.allow_subjects)", r->subject, op->name);
	else
		snprintf(cause, len, "a tcp peer without a verified client "
		    "certificate may not %s: read-only access (see "
		    "control.tcp.ca)", op->name);
	return 0;
}

/* "uid 1001 (deploy)", for messages. */
static const char *
who(int uid, char *buf, size_t len)
{
	struct passwd *pw = uid >= 0 ? getpwuid((uid_t)uid) : NULL;

	if (pw != NULL)
		snprintf(buf, len, "uid %d (%s)", uid, pw->pw_name);
	else
		snprintf(buf, len, "uid %d", uid);
	return buf;
}

/* Whether gid is a group of user uid (primary or supplementary); a uid
 * without a passwd entry has only fallback_gid. */
static int
user_has_group(uid_t uid, gid_t gid, int fallback_gid)
{
	gid_t groups[MAX_GROUPS];
	struct passwd *pw = getpwuid(uid);
	int n = MAX_GROUPS, i;

	if (pw == NULL)
		return fallback_gid >= 0 && gid == (gid_t)fallback_gid;
	if (gid == pw->pw_gid)
		return 1;
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) == -1)
		n = MAX_GROUPS;
	for (i = 0; i < n; i++)
		if (groups[i] == gid)
			return 1;
	return 0;
}

/* The primary group of uid: its passwd entry's, else fallback. */
static gid_t
user_gid(uid_t uid, int fallback)
{
	struct passwd *pw = getpwuid(uid);

	return pw != NULL ? pw->pw_gid : (gid_t)(fallback >= 0 ? fallback :
	    (int)uid);
}

/* A peer that may mutate but has no user here (a tls client without a
 * mapped user) runs nothing. */
static int
need_user(const struct request *r, const char *what, char *cause, size_t len)
{
	if (r->uid >= 0)
		return 0;
	snprintf(cause, len, "a tls client without a local user may not %s "
	    "(map its certificate to a user in control.tcp.allow_subjects)",
	    what);
	return -1;
}

int
access_child_user(struct request *r, struct conf_child *spec, char *cause,
    size_t len)
{
	const struct conf_control *cc = &r->h->conf->control;
	char a[96], b[96];
	uid_t target;

	size_t i;

	if (access_privileged(r))
		return 0;
	if (need_user(r, "add children", cause, len) == -1)
		return -1;
	if (spec->type == CONF_SUPERVISOR) {
		/* a supervisor runs nothing itself: every worker below it,
		 * pool templates included, is checked the same way */
		for (i = 0; spec->sup != NULL && i < spec->sup->nchildren; i++)
			if (access_child_user(r, spec->sup->children[i], cause,
			    len) == -1)
				return -1;
		return 0;
	}
	target = spec->has_uid ? spec->uid : (uid_t)r->uid;
	if (target != (uid_t)r->uid &&
	    !conf_run_as_granted(cc, (uid_t)r->uid, target)) {
		snprintf(cause, len, "%s may not add a child that runs as %s "
		    "(see control.allow_run_as)", who(r->uid, a, sizeof a),
		    who((int)target, b, sizeof b));
		return -1;
	}
	if (spec->has_gid && !user_has_group(target, spec->gid,
	    target == (uid_t)r->uid ? r->gid : -1)) {
		snprintf(cause, len, "%s may not add a child in group %u: not "
		    "a group of %s", who(r->uid, a, sizeof a),
		    (unsigned)spec->gid, who((int)target, b, sizeof b));
		return -1;
	}
	if (!spec->has_uid) {
		struct passwd *pw = getpwuid(target);
		/* as the peer itself, as if its config said so */
		spec->has_uid = 1;
		spec->uid = target;
		free(spec->user);
		spec->user = pw ? xstrdup(pw->pw_name) :
		    xprintf("%u", (unsigned)target);
	}
	if (!spec->has_gid) {
		spec->has_gid = 1;
		spec->gid = user_gid(target, r->gid);
	}
	return 0;
}

int
access_spawn_user(struct request *r, const struct conf_child *tmpl,
    struct run_as *as, char *cause, size_t len)
{
	const struct conf_control *cc = &r->h->conf->control;
	char a[96], b[96];
	uid_t target;

	as->set = 0;
	if (access_privileged(r))
		return 0;
	if (need_user(r, "spawn", cause, len) == -1)
		return -1;
	target = tmpl->has_uid ? tmpl->uid : geteuid();
	if (target == (uid_t)r->uid ||
	    conf_run_as_granted(cc, (uid_t)r->uid, target))
		return 0;
	if (tmpl->has_uid) {
		snprintf(cause, len, "%s may not spawn instances that run as "
		    "%s (see control.allow_run_as)", who(r->uid, a, sizeof a),
		    who((int)target, b, sizeof b));
		return -1;
	}
	/* a template without a user would run as herdd's: as the peer */
	as->set = 1;
	as->uid = (uid_t)r->uid;
	as->gid = user_gid(as->uid, r->gid);
	return 0;
}
