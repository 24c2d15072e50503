/* herdctl tree: the supervision tree, drawn from the status reply. */
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static int cmd_tree_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_tree_entry = {
	.name = "tree",
	.usage = "tree [--ascii]",
	.help = "Show the supervision tree: each child under its supervisor.\n"
	    "Supervisors read \"NAME (supervisor, STATE, UPTIME)\", workers\n"
	    "\"NAME STATE pid PID UPTIME\", and a child that is not running\n"
	    "its last exit reason. Lines are drawn with box-drawing\n"
	    "characters in a UTF-8 locale, else (or with --ascii) with |- and\n"
	    "`-. With --json, the tree as nested objects: {\"path\":\"\",\n"
	    "\"type\":\"supervisor\",...,\"children\":[{\"path\",\"name\","
	    "\"type\",\n"
	    "\"pid\",\"state\",\"restarts\",\"uptime_ms\",\"reason\","
	    "\"children\"},...]}.\n",
	.exec = cmd_tree_exec,
};

struct tree_node {
	const cJSON *child; /* borrowed from the status reply */
	const char *path;
	int parent;         /* index in the array; -1: the root */
	int last;           /* the last child of its parent */
};

static const char *const tree_utf8[] = { "├─ ", "└─ ", "│  ", "   " };
static const char *const tree_ascii[] = { "|- ", "`- ", "|  ", "   " };

/* The index of the nearest ancestor of nodes[i] in nodes[0..i): status
 * lists children depth first, so it comes before. -1: the root. */
static int
tree_parent(const struct tree_node *nodes, int i)
{
	size_t len;
	int j;

	for (j = i - 1; j >= 0; j--) {
		len = strlen(nodes[j].path);
		if (strncmp(nodes[j].path, nodes[i].path, len) == 0 &&
		    nodes[i].path[len] == '/')
			return j;
	}
	return -1;
}

/* Formats one node's text after its name. */
static void
tree_label(char *buf, size_t len, const cJSON *child)
{
	const char *state = output_string(child, "state", "?");
	const char *reason = output_string(child, "reason", NULL);
	int running = strcmp(state, "running") == 0;
	char up[32] = "";
	int64_t v, pid = 0;
	int n;

	if (running && output_int(child, "uptime_ms", &v) == 0)
		duration_format_short(up, sizeof up, v);
	output_int(child, "pid", &pid);
	if (strcmp(output_string(child, "type", ""), "supervisor") == 0) {
		n = snprintf(buf, len, " (supervisor, %s%s%s)", state,
		    up[0] ? ", " : "", up);
	} else {
		n = snprintf(buf, len, " %s", state);
		if (pid > 0 && n >= 0 && (size_t)n < len)
			n += snprintf(buf + n, len - (size_t)n, " pid %lld",
			    (long long)pid);
		if (up[0] && n >= 0 && (size_t)n < len)
			n += snprintf(buf + n, len - (size_t)n, " %s", up);
	}
	if (!running && reason != NULL && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " (last exit %s)", reason);
}

/* Prints nodes[i]'s prefix: one column per ancestor below the root. */
static void
tree_prefix(const struct tree_node *nodes, int i, const char *const *g)
{
	int p = nodes[i].parent;

	if (p < 0)
		return;
	tree_prefix(nodes, p, g);
	fputs(nodes[p].last ? g[3] : g[2], stdout);
}

/* The nested --json tree of nodes[] below PARENT. */
static cJSON *
tree_json(struct tree_node *nodes, int n, int parent)
{
	cJSON *arr = cJSON_CreateArray(), *o;
	int i;

	for (i = 0; i < n; i++) {
		if (nodes[i].parent != parent)
			continue;
		o = cJSON_Duplicate(nodes[i].child, 1);
		if (strcmp(output_string(o, "type", ""), "supervisor") == 0)
			cJSON_AddItemToObject(o, "children",
			    tree_json(nodes, n, i));
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

static int
cmd_tree_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	static const struct option longopts[] = {
		{ "ascii", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	const char *const *g = tree_ascii;
	const cJSON *children, *child, *herd;
	struct tree_node *nodes;
	struct call call;
	cJSON *root;
	char label[256], up[32] = "";
	int ascii = 0, ch, n = 0, i, j, rv;
	int64_t v;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch != 'a')
			return cmd_usage(self);
		ascii = 1;
	}
	if (optind != argc)
		return cmd_usage(self);
	if ((rv = client_run(ctl, "status", NULL, &call,
	    CLIENT_LAST)) != IPC_EXIT_OK) {
		call_clear(&call);
		return rv;
	}
	children = cJSON_GetObjectItemCaseSensitive(call.result, "children");
	herd = cJSON_GetObjectItemCaseSensitive(call.result, "herd");
	nodes = calloc((size_t)cJSON_GetArraySize(children) + 1,
	    sizeof *nodes);
	if (nodes == NULL)
		abort();
	cJSON_ArrayForEach(child, children) {
		if (!cJSON_IsObject(child) ||
		    output_string(child, "path", NULL) == NULL)
			continue;
		nodes[n].child = child;
		nodes[n].path = output_string(child, "path", "");
		nodes[n].parent = tree_parent(nodes, n);
		n++;
	}
	for (i = 0; i < n; i++) {
		nodes[i].last = 1;
		for (j = i + 1; j < n && nodes[i].last; j++)
			if (nodes[j].parent == nodes[i].parent)
				nodes[i].last = 0;
	}
	if (ctl->json) {
		root = cJSON_CreateObject();
		cJSON_AddStringToObject(root, "path", "");
		cJSON_AddStringToObject(root, "type", "supervisor");
		cJSON_AddStringToObject(root, "state",
		    output_string(herd, "state", "running"));
		if (output_int(herd, "pid", &v) == 0)
			cJSON_AddNumberToObject(root, "herdd_pid", (double)v);
		if (output_int(herd, "uptime_ms", &v) == 0)
			cJSON_AddNumberToObject(root, "uptime_ms", (double)v);
		cJSON_AddItemToObject(root, "children",
		    tree_json(nodes, n, -1));
		output_json(root);
		cJSON_Delete(root);
		goto out;
	}
	setlocale(LC_CTYPE, "");
	if (!ascii && strcmp(nl_langinfo(CODESET), "UTF-8") == 0)
		g = tree_utf8;
	if (output_int(herd, "uptime_ms", &v) == 0)
		duration_format_short(up, sizeof up, v);
	printf("herd (root, %s%s%s", output_string(herd, "state", "running"),
	    up[0] ? ", " : "", up);
	if (output_int(herd, "pid", &v) == 0)
		printf(", herdd pid %lld", (long long)v);
	puts(")");
	for (i = 0; i < n; i++) {
		tree_prefix(nodes, i, g);
		tree_label(label, sizeof label, nodes[i].child);
		printf("%s%s%s\n", nodes[i].last ? g[1] : g[0],
		    output_string(nodes[i].child, "name", nodes[i].path),
		    label);
	}
out:
	free(nodes);
	call_clear(&call);
	return IPC_EXIT_OK;
}
