/*
 * The benchmark's saga and participants: "fan saga" starts one job on
 * each worker named in the TX's value {"workers":[...]} and is done
 * once all gave their result; "fan part JOURNAL" is a long-lived saga
 * worker that answers at once and counts its commits in its journal.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <herd.h>

static long long commits;

static int
s_new(herd_actor *self, herd_tx *tx, const cJSON *value)
{
	const cJSON *w;
	intptr_t n = 0;
	char job[32];

	cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(value,
	    "workers")) {
		if (!cJSON_IsString(w) || herd_saga_start_job(self, tx,
		    w->valuestring, NULL, 0, job) != 0)
			return herd_saga_cancel(self, tx, "bad worker");
		n++;
	}
	herd_tx_set_data(tx, (void *)n);
	return n == 0 ? herd_saga_done(self, tx, NULL) : 0;
}

static int
s_result(herd_actor *self, herd_tx *tx, const char *job, const cJSON *r)
{
	intptr_t n = (intptr_t)herd_tx_data(tx) - 1;

	herd_tx_set_data(tx, (void *)n);
	return n == 0 ? herd_saga_done(self, tx, NULL) : 0;
}

static int
p_start(herd_actor *self, herd_tx *tx, const cJSON *value)
{
	return herd_worker_result(self, tx, value);
}

static int
p_commit(herd_actor *self, herd_tx *tx, const cJSON *final)
{
	cJSON *st = cJSON_CreateObject();

	cJSON_AddNumberToObject(st, "commits", (double)++commits);
	herd_worker_save(self, st);
	cJSON_Delete(st);
	return 0;
}

static int
p_init(herd_actor *self, int argc, char **argv)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(
	    herd_worker_saved(self), "commits");

	commits = cJSON_IsNumber(c) ? (long long)c->valuedouble : 0;
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "saga") == 0) {
		static const struct herd_saga_ops s = {
			.tx_new = s_new,
			.job_result = s_result,
		};
		return herd_saga_run(&s, 0, NULL, NULL, argc, argv);
	}
	/* started per job, a part has libherd's argument too */
	if (argc >= 3 && strcmp(argv[1], "part") == 0) {
		static const struct herd_worker_ops w = {
			.start = p_start,
			.commit = p_commit,
		};
		static const struct herd_actor_ops ops = { .init = p_init };
		return herd_worker_run(argv[2], &w, &ops, NULL, argc, argv);
	}
	fprintf(stderr, "usage: fan saga | fan part JOURNAL\n");
	return 2;
}
