/*
 * What a child's process is given besides its command: the environment
 * (herdd's own, minus what was meant for herdd, plus the child's env and
 * what herdd adds), and, for a child with a "user", the identity that a
 * login would give it: HOME, USER, LOGNAME and SHELL from its passwd
 * entry and its supplementary groups (initgroups' list). docs/security.md
 * lists exactly what is passed.
 */
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "herdd.h"
#include "util.h"

/* Variables a service manager gave herdd for herdd itself: never passed
 * on (herdd sets its own NOTIFY_SOCKET and WATCHDOG_USEC where asked). */
static const char *const herd_own[] = {
	"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS",
	"LISTEN_PID", "LISTEN_FDNAMES",
};

/* The login variables a child with a user gets from its passwd entry. */
static const char *const ident_vars[] = { "HOME", "USER", "LOGNAME",
	"SHELL" };

#define NIDENT (sizeof ident_vars / sizeof ident_vars[0])
#define MAX_GROUPS 1024

struct child_ident {
	char *env[NIDENT + 1]; /* "HOME=/home/u", ...; none without an entry */
	gid_t *groups;
	int ngroups;           /* -1: no passwd entry, only the gid */
};

struct child_ident *
child_ident_create(uid_t uid, gid_t gid)
{
	struct child_ident *id;
	struct passwd *pw;
	int n = MAX_GROUPS;

	id = xcalloc(1, sizeof *id);
	id->ngroups = -1;
	if ((pw = getpwuid(uid)) == NULL)
		return id;
	id->env[0] = xprintf("HOME=%s", pw->pw_dir);
	id->env[1] = xprintf("USER=%s", pw->pw_name);
	id->env[2] = xprintf("LOGNAME=%s", pw->pw_name);
	id->env[3] = xprintf("SHELL=%s", pw->pw_shell[0] ? pw->pw_shell :
	    "/bin/sh");
	id->groups = xcalloc(MAX_GROUPS, sizeof *id->groups);
	if (getgrouplist(pw->pw_name, gid, id->groups, &n) == -1)
		n = MAX_GROUPS; /* more than that: the first MAX_GROUPS */
	id->ngroups = n;
	return id;
}

void
child_ident_destroy(struct child_ident *id)
{
	size_t i;

	if (id == NULL)
		return;
	for (i = 0; i < NIDENT; i++)
		free(id->env[i]);
	free(id->groups);
	free(id);
}

int
child_ident_groups(const struct child_ident *id, const gid_t **groups)
{
	*groups = id != NULL ? id->groups : NULL;
	return id != NULL ? id->ngroups : -1;
}

/* Whether ENTRY ("K=V") sets one of the NAMES. */
static int
env_is(const char *entry, const char *const *names, size_t n)
{
	size_t klen = strcspn(entry, "="), i;

	for (i = 0; i < n; i++)
		if (strlen(names[i]) == klen &&
		    strncmp(entry, names[i], klen) == 0)
			return 1;
	return 0;
}

/* Whether the list ENV (NULL-terminated, may be NULL) sets ENTRY's key. */
static int
env_has_key(char *const *env, const char *entry)
{
	size_t klen = strcspn(entry, "=");

	for (; env != NULL && *env != NULL; env++)
		if (strncmp(*env, entry, klen) == 0 && (*env)[klen] == '=')
			return 1;
	return 0;
}

char **
child_env_build(char **base, const struct conf_child *spec,
    const struct child_ident *id, char *const *extra)
{
	size_t n = NIDENT + 1, i = 0, k;
	char **env, *const *p;

	for (p = base; !spec->clear_env && p && *p; p++)
		n++;
	for (p = spec->env; p && *p; p++)
		n++;
	for (p = extra; p && *p; p++)
		n++;
	env = xcalloc(n, sizeof *env);
	for (p = base; !spec->clear_env && p && *p; p++) {
		if (env_is(*p, herd_own, sizeof herd_own / sizeof *herd_own) ||
		    (id != NULL && env_is(*p, ident_vars, NIDENT)) ||
		    env_has_key(spec->env, *p) || env_has_key(extra, *p))
			continue;
		env[i++] = *p;
	}
	for (k = 0; id != NULL && id->env[k] != NULL; k++)
		if (!env_has_key(spec->env, id->env[k]))
			env[i++] = id->env[k];
	for (p = spec->env; p && *p; p++)
		if (!env_has_key(extra, *p))
			env[i++] = *p;
	for (p = extra; p && *p; p++)
		env[i++] = *p;
	env[i] = NULL;
	return env;
}

char **
child_argv_build(struct child *c)
{
	char **base = c->spec->argv, **argv, **p;
	size_t n = 0, m = 0, i = 0;

	if (c->extra_argv == NULL)
		return base;
	for (p = base; *p; p++)
		n++;
	for (p = c->extra_argv; *p; p++)
		m++;
	argv = xcalloc(n + m + 2, sizeof *argv);
	for (p = base; *p; p++)
		argv[i++] = *p;
	if (n == 3 && strcmp(base[0], "/bin/sh") == 0 &&
	    strcmp(base[1], "-c") == 0)
		argv[i++] = c->path;
	for (p = c->extra_argv; *p; p++)
		argv[i++] = *p;
	argv[i] = NULL;
	return argv;
}
