/*
 * herdctl tx: TXs of the saga coordinator (docs/sagas.md). Each
 * subcommand is a call to the actor "herd.tx" through herdd, so anything
 * that can call an actor (nngcat, another language) can do the same.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"

#define TX_COORD "herd.tx"

static int cmd_tx_exec(struct ctl *, const struct cmd_entry *, int, char **);

const struct cmd_entry cmd_tx_entry = {
	.name = "tx",
	.usage = "tx start SAGA JSON [--two-phase] [--lifespan D] "
	    "[--hop-limit N] [--wait] | "
	    "tx list | tx show ID | tx cancel ID REASON | tx in-doubt | "
	    "tx resolve ID commit|abort",
	.help = "Start, list, show and cancel transactions (sagas, 2PC).\n"
	    "Talks to the saga coordinator, the actor herd.tx (herd-sagad).\n"
	    "  start SAGA JSON   starts a TX on the saga actor SAGA with the\n"
	    "                    value JSON and prints its id; --two-phase\n"
	    "                    commits it in two phases (every worker\n"
	    "                    prepared, then the journaled decision);\n"
	    "                    --lifespan D bounds it until its decision\n"
	    "                    (default: a step saga's own, else 60s);\n"
	    "                    --hop-limit N bounds the chain of next hops\n"
	    "                    (default 8); --wait waits for its outcome\n"
	    "                    and prints it: exit 0 committed, 1 aborted.\n"
	    "  list              the TXs in flight: id, saga, state, jobs.\n"
	    "  show ID           one TX: state, each job's worker and state,\n"
	    "                    its journal record; or how it ended.\n"
	    "  cancel ID REASON  aborts a running TX: every worker and saga\n"
	    "                    of it hears REASON. A TX whose commit is\n"
	    "                    journaled cannot be cancelled (exit 4).\n"
	    "  in-doubt          committed TXs whose participants have not\n"
	    "                    all acknowledged, and whom they wait for.\n"
	    "  resolve ID commit|abort\n"
	    "                    an operator's heuristic outcome: commit\n"
	    "                    declares a committed TX ended though some\n"
	    "                    participants never acknowledged (gone for\n"
	    "                    good); abort aborts an undecided one. The\n"
	    "                    outcome opposite to a decision is refused\n"
	    "                    (exit 4). Journaled, and the event\n"
	    "                    tx.heuristic; the warning goes to stderr.\n"
	    "Exit status 3 for an unknown TX or saga, or no coordinator.\n",
	.exec = cmd_tx_exec,
};

/* Calls herd.tx with REQ (taken); the reply in *out (caller frees). */
static int
tx_call(struct ctl *ctl, cJSON *req, int timeout_ms, cJSON **out)
{
	struct call call;
	cJSON *args = cJSON_CreateObject();
	int rv;

	cJSON_AddStringToObject(args, "name", TX_COORD);
	cJSON_AddItemToObject(args, "msg", req);
	cJSON_AddNumberToObject(args, "timeout_ms", timeout_ms);
	if (ctl->timeout_ms < timeout_ms + 1000)
		ctl->timeout_ms = timeout_ms + 1000;
	*out = NULL;
	if ((rv = client_run(ctl, "call", args, &call, CLIENT_LAST)) ==
	    IPC_EXIT_OK)
		*out = cJSON_DetachItemFromObjectCaseSensitive(call.result,
		    "reply");
	call_clear(&call);
	return rv;
}

static void
print_outcome(const cJSON *r)
{
	const char *reason = output_string(r, "reason", NULL);

	printf("%s %s%s%s\n", output_string(r, "tx", "?"),
	    output_string(r, "outcome", "?"), reason ? ": " : "",
	    reason ? reason : "");
}

static int
tx_start(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	static const struct option longopts[] = {
		{ "two-phase", no_argument, NULL, '2' },
		{ "lifespan", required_argument, NULL, 'l' },
		{ "wait", no_argument, NULL, 'w' },
		{ "hop-limit", required_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, two = 0, wait = 0, life = 0, rv;
	int64_t hops = -1;
	cJSON *req, *value, *r;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == '2')
			two = 1;
		else if (ch == 'w')
			wait = 1;
		else if (ch == 'h') {
			if (cmd_parse_int("--hop-limit", optarg, 0, &hops) != 0)
				return IPC_EXIT_USAGE;
		}
		else if (ch != 'l' || duration_parse(optarg, &life) != 0 ||
		    life < 1)
			return cmd_usage(self);
	}
	if (argc - optind != 2 || cmd_no_empty(argc, argv, optind) == -1)
		return cmd_usage(self);
	if ((value = cmd_json_arg("value", argv[optind + 1])) == NULL)
		return IPC_EXIT_USAGE;
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "op", "start");
	cJSON_AddStringToObject(req, "saga", argv[optind]);
	cJSON_AddItemToObject(req, "value", value);
	cJSON_AddBoolToObject(req, "two_phase", two);
	if (life > 0)
		cJSON_AddNumberToObject(req, "lifespan_ms", life);
	cJSON_AddBoolToObject(req, "wait", wait);
	if (hops >= 0)
		cJSON_AddNumberToObject(req, "hop_limit", (double)hops);
	/* a waited TX answers by its lifespan (the saga's own, up to 24 h,
	 * without --lifespan), and its commit after that */
	rv = tx_call(ctl, req, !wait ? 5000 : life > 0 && life < 86395000 ?
	    life + 5000 : 86400000, &r);
	if (rv == IPC_EXIT_OK) {
		if (ctl->json)
			output_json(r);
		else if (wait)
			print_outcome(r);
		else
			printf("%s\n", output_string(r, "tx", "?"));
		if (wait && strcmp(output_string(r, "outcome", ""),
		    "committed") != 0)
			rv = IPC_EXIT_FAILED;
	}
	cJSON_Delete(r);
	return rv;
}

static void
print_tx(const cJSON *t)
{
	const cJSON *jobs = cJSON_GetObjectItemCaseSensitive(t, "jobs");
	int64_t age = 0;

	output_int(t, "age_ms", &age);
	printf("%-24s %-20s %-10s %-4s %6.1fs %d\n", output_string(t, "tx", ""),
	    output_string(t, "saga", ""), output_string(t, "state", ""),
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "two_phase")) ?
	    "2pc" : "-", (double)age / 1000, cJSON_GetArraySize(jobs));
}

static int
tx_list(struct ctl *ctl, const struct cmd_entry *self, int argc, char **argv)
{
	cJSON *req, *r;
	const cJSON *t;
	int rv;

	if (argc != 1)
		return cmd_usage(self);
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "op", "list");
	if ((rv = tx_call(ctl, req, 5000, &r)) == IPC_EXIT_OK) {
		if (ctl->json)
			output_json(r);
		else {
			printf("%-24s %-20s %-10s %-4s %7s %s\n", "TX", "SAGA",
			    "STATE", "2PC", "AGE", "JOBS");
			cJSON_ArrayForEach(t,
			    cJSON_GetObjectItemCaseSensitive(r, "txs"))
				print_tx(t);
		}
	}
	cJSON_Delete(r);
	return rv;
}

static int
tx_show(struct ctl *ctl, const struct cmd_entry *self, int argc, char **argv)
{
	cJSON *req, *r;
	const cJSON *it, *j;
	int rv;

	if (argc != 2 || cmd_no_empty(argc, argv, 1) == -1)
		return cmd_usage(self);
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "op", "show");
	cJSON_AddStringToObject(req, "tx", argv[1]);
	if ((rv = tx_call(ctl, req, 5000, &r)) == IPC_EXIT_OK) {
		if (ctl->json)
			output_json(r);
		else {
			cJSON_ArrayForEach(it, r) {
				char *text;
				if (strcmp(it->string, "jobs") == 0)
					continue;
				text = cJSON_IsString(it) ?
				    NULL : cJSON_PrintUnformatted(it);
				printf("%s: %s\n", it->string, text ? text :
				    it->valuestring);
				cJSON_free(text);
			}
			cJSON_ArrayForEach(j,
			    cJSON_GetObjectItemCaseSensitive(r, "jobs"))
				printf("job %s: %s on %s\n",
				    output_string(j, "job", ""),
				    output_string(j, "state", ""),
				    output_string(j, "worker", ""));
		}
	}
	cJSON_Delete(r);
	return rv;
}

static int
tx_cancel(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	cJSON *req, *r;
	int rv;

	if (argc != 3 || cmd_no_empty(argc, argv, 1) == -1)
		return cmd_usage(self);
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "op", "cancel");
	cJSON_AddStringToObject(req, "tx", argv[1]);
	cJSON_AddStringToObject(req, "reason", argv[2]);
	if ((rv = tx_call(ctl, req, 5000, &r)) == IPC_EXIT_OK) {
		if (ctl->json)
			output_json(r);
		else
			print_outcome(r);
	}
	cJSON_Delete(r);
	return rv;
}

static int
tx_in_doubt(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	cJSON *req, *r;
	const cJSON *t, *w;
	int rv;

	if (argc != 1)
		return cmd_usage(self);
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "op", "in_doubt");
	if ((rv = tx_call(ctl, req, 5000, &r)) == IPC_EXIT_OK) {
		if (ctl->json)
			output_json(r);
		else {
			printf("%-24s %-20s %s\n", "TX", "SAGA", "WAITING FOR");
			cJSON_ArrayForEach(t,
			    cJSON_GetObjectItemCaseSensitive(r, "txs")) {
				printf("%-24s %-20s", output_string(t, "tx", ""),
				    output_string(t, "saga", ""));
				cJSON_ArrayForEach(w,
				    cJSON_GetObjectItemCaseSensitive(t,
				    "waiting_for"))
					printf(" %s", cJSON_IsString(w) ?
					    w->valuestring : "?");
				printf("\n");
			}
		}
	}
	cJSON_Delete(r);
	return rv;
}

static int
tx_resolve(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	cJSON *req, *r;
	int rv;

	if (argc != 3 || cmd_no_empty(argc, argv, 1) == -1 ||
	    (strcmp(argv[2], "commit") != 0 && strcmp(argv[2], "abort") != 0))
		return cmd_usage(self);
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "op", "resolve");
	cJSON_AddStringToObject(req, "tx", argv[1]);
	cJSON_AddStringToObject(req, "outcome", argv[2]);
	if ((rv = tx_call(ctl, req, 5000, &r)) == IPC_EXIT_OK) {
		/* loud, whatever the output format */
		fprintf(stderr, "herdctl: WARNING: %s\n",
		    output_string(r, "warning", "heuristic outcome"));
		if (ctl->json)
			output_json(r);
		else
			printf("%s %s (heuristic)\n", output_string(r, "tx",
			    "?"), output_string(r, "outcome", "?"));
	}
	cJSON_Delete(r);
	return rv;
}

static const struct {
	const char *name;
	int (*fn)(struct ctl *, const struct cmd_entry *, int, char **);
} subs[] = {
	{ "start", tx_start },
	{ "list", tx_list },
	{ "show", tx_show },
	{ "cancel", tx_cancel },
	{ "in-doubt", tx_in_doubt },
	{ "resolve", tx_resolve },
};

static int
cmd_tx_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	if (argc < 2)
		return cmd_usage(self);
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
		if (strcmp(subs[i].name, argv[1]) == 0)
			return subs[i].fn(ctl, self, argc - 1, argv + 1);
	fprintf(stderr, "herdctl tx: unknown subcommand \"%s\" (start, list, "
	    "show, cancel, in-doubt, resolve)\n", argv[1]);
	return IPC_EXIT_USAGE;
}
