/*
 * Several children at once (issue 12, item 10): start, stop, restart,
 * signal and terminate take paths, shell globs (as status: fnmatch on
 * paths, so "api/" and a star is every child of api) and "all",
 * expanded against herdd's status and applied in a defined order: the
 * tree's start order, reversed for stops (as a supervisor stops its
 * children). A selected supervisor covers its subtree: its descendants
 * are not acted on twice. One line of outcome per child; the exit status
 * is the first failure's. One plain path keeps the single-child form.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

int
targets_many(int argc, char **argv)
{
	if (argc != 1)
		return argc > 1;
	return strcmp(argv[0], "all") == 0 || strpbrk(argv[0], "*?[") != NULL;
}

/* Whether P is below (or is) an already chosen path. */
static int
covered(char **chosen, size_t n, const char *p)
{
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(chosen[i]);
		if (strncmp(chosen[i], p, l) == 0 && (p[l] == '/' ||
		    p[l] == '\0'))
			return 1;
	}
	return 0;
}

static int
selects(const char *pattern, const char *path)
{
	if (strcmp(pattern, "all") == 0)
		return 1;
	return fnmatch(pattern, path, FNM_PATHNAME) == 0;
}

int
targets_expand(struct ctl *ctl, int argc, char **argv, int mode,
    char ***out, size_t *nout)
{
	int reverse = mode == TARGETS_STOP;
	struct call call;
	const cJSON *children, *c;
	char **chosen;
	int *hits, rv;
	size_t n = 0, cap;

	*out = NULL;
	*nout = 0;
	if ((rv = client_run(ctl, "status", NULL, &call, 0)) != IPC_EXIT_OK) {
		call_clear(&call);
		return rv;
	}
	children = cJSON_GetObjectItemCaseSensitive(call.result, "children");
	cap = (size_t)cJSON_GetArraySize(children) + 1;
	if ((chosen = calloc(cap, sizeof *chosen)) == NULL ||
	    (hits = calloc((size_t)argc, sizeof *hits)) == NULL)
		abort();
	/* status lists the tree in start order, a supervisor before its
	 * children: what an earlier choice covers is skipped */
	cJSON_ArrayForEach(c, children) {
		const char *p = output_string(c, "path", "");
		int any = 0;
		for (int i = 0; p[0] != '\0' && i < argc; i++)
			if (selects(argv[i], p)) {
				hits[i]++;
				any = 1;
			}
		if (!any)
			continue;
		/* signals go to processes: supervisors have none */
		if (mode == TARGETS_WORKERS && strcmp(output_string(c, "type",
		    ""), "supervisor") == 0)
			continue;
		/* a stop or restart of a supervisor covers its subtree; a
		 * start does not (a running supervisor's stopped child is
		 * started by name), and skips what runs already */
		if ((mode == TARGETS_STOP || mode == TARGETS_ORDER) &&
		    covered(chosen, n, p))
			continue;
		if (mode == TARGETS_START && strcmp(output_string(c, "state",
		    ""), "running") == 0) {
			if (!ctl->json)
				printf("running %s\n", p);
			continue;
		}
		if (n + 1 < cap && (chosen[n] = strdup(p)) != NULL)
			n++;
	}
	call_clear(&call);
	for (int i = 0; i < argc; i++)
		if (hits[i] == 0) {
			output_warnx("no child matches %s", argv[i]);
			free(hits);
			targets_free(chosen, n);
			return IPC_EXIT_NOT_FOUND;
		}
	free(hits);
	if (reverse)
		for (size_t a = 0, b = n ? n - 1 : 0; a < b; a++, b--) {
			char *t = chosen[a];
			chosen[a] = chosen[b];
			chosen[b] = t;
		}
	*out = chosen;
	*nout = n;
	return IPC_EXIT_OK;
}

int
targets_run(struct ctl *ctl, char **paths, size_t n, const char *op,
    cJSON *(*args_of)(const char *path, void *arg), void *arg,
    const char *verb)
{
	struct client *cl;
	char *cause = NULL;
	int first = IPC_EXIT_OK;
	cJSON *all = ctl->json ? cJSON_CreateArray() : NULL;

	if ((cl = client_open(ctl, &cause)) == NULL) {
		output_warnx("%s", cause);
		free(cause);
		cJSON_Delete(all);
		return IPC_EXIT_UNREACHABLE;
	}
	for (size_t i = 0; i < n; i++) {
		struct call call;
		int64_t pid;
		int rv = client_call(cl, op, args_of(paths[i], arg), &call);

		if (ctl->json) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "path", paths[i]);
			cJSON_AddBoolToObject(o, "ok", rv == IPC_EXIT_OK);
			cJSON_AddItemToObject(o, rv == IPC_EXIT_OK ? "result" :
			    "error", cJSON_Duplicate(rv == IPC_EXIT_OK ?
			    call.result : cJSON_GetObjectItemCaseSensitive(
			    call.reply, "error"), 1));
			cJSON_AddItemToArray(all, o);
		} else if (rv != IPC_EXIT_OK)
			output_warnx("%s: %s", paths[i], call.cause ?
			    call.cause : "failed");
		else if (output_int(call.result, "pid", &pid) == 0 && pid > 0)
			printf("%s %s (pid %lld)\n", verb, paths[i],
			    (long long)pid);
		else
			printf("%s %s\n", verb, paths[i]);
		if (rv != IPC_EXIT_OK && first == IPC_EXIT_OK)
			first = rv;
		call_clear(&call);
	}
	client_close(cl);
	if (all != NULL) {
		output_json(all);
		cJSON_Delete(all);
	}
	return first;
}

void
targets_free(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

/* {"name": PATH, and what ARG (an object, may be NULL) adds} */
cJSON *
targets_name_args(const char *path, void *arg)
{
	cJSON *a = arg != NULL ? cJSON_Duplicate(arg, 1) : cJSON_CreateObject();

	cJSON_AddStringToObject(a, "name", path);
	return a;
}

int
targets_apply(struct ctl *ctl, int argc, char **argv, int mode,
    const char *op, const cJSON *extra, const char *verb)
{
	char **paths;
	size_t n;
	int rv = targets_expand(ctl, argc, argv, mode, &paths, &n);

	if (rv == IPC_EXIT_OK)
		rv = targets_run(ctl, paths, n, op, targets_name_args,
		    (void *)extra, verb);
	targets_free(paths, n);
	return rv;
}
