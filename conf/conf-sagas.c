/*
 * "sagas" in herd.json: step sagas without code (docs/sagas.md "Step
 * sagas"), run by herd-sagad and validated here, with the same exact
 * errors as every other key. Walked by hand: the key table's bit masks
 * have room for only a few more keys, and these objects are small.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-private.h"

#define MAX_STEPS 64
#define MAX_MS 86400000.0

static int
is_comment(const char *k)
{
	return strcmp(k, "comment") == 0 || strcmp(k, "_comment") == 0;
}

/* A name of a saga or step: 1 to 63 of [A-Za-z0-9_.-]. */
static int
name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return 0;
	return 1;
}

/* Member KEY of OBJ, checked as an integer in [MIN, MAX] into *OUT. */
static void
get_ms(struct conf_ctx *ctx, const cJSON *obj, const char *key, double min,
    double max, unsigned *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	char what[80];
	size_t old;

	if (v == NULL)
		return;
	old = conf_path_key(ctx, key);
	if (!cJSON_IsNumber(v) || v->valuedouble < min ||
	    v->valuedouble > max || v->valuedouble != (double)(long long)
	    v->valuedouble) {
		snprintf(what, sizeof what, "an integer from %.0f to %.0f", min,
		    max);
		conf_err_expected(ctx, v, what);
	} else
		*out = (unsigned)v->valuedouble;
	conf_path_pop(ctx, old);
}

/* Reports members of OBJ not in KEYS (NULL-terminated), and duplicates. */
static void
only_keys(struct conf_ctx *ctx, const cJSON *obj, const char *const *keys)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, obj) {
		size_t i, old;
		if (is_comment(it->string))
			continue;
		old = conf_path_key(ctx, it->string);
		if (cJSON_GetObjectItemCaseSensitive(obj, it->string) != it) {
			conf_err_key(ctx, it, "duplicate key \"%s\"", it->string);
			conf_path_pop(ctx, old);
			continue;
		}
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(keys[i], it->string) == 0)
				break;
		if (keys[i] == NULL)
			conf_err_key(ctx, it, "unknown key \"%s\"", it->string);
		conf_path_pop(ctx, old);
	}
}

/* An action or a compensation: {"command": ...} or {"actor": NAME,
 * "value": JSON}. */
static void
action(struct conf_ctx *ctx, const cJSON *v, struct conf_action *a)
{
	static const char *const keys[] = { "command", "actor", "value", NULL };
	const cJSON *cmd, *actor, *val;
	size_t old;

	if (!cJSON_IsObject(v)) {
		conf_err_expected(ctx, v, "an object with \"command\" or "
		    "\"actor\"");
		return;
	}
	only_keys(ctx, v, keys);
	cmd = cJSON_GetObjectItemCaseSensitive(v, "command");
	actor = cJSON_GetObjectItemCaseSensitive(v, "actor");
	val = cJSON_GetObjectItemCaseSensitive(v, "value");
	if ((cmd == NULL) == (actor == NULL)) {
		conf_err_val(ctx, v, "needs exactly one of \"command\" and "
		    "\"actor\"");
		return;
	}
	if (cmd != NULL) {
		old = conf_path_key(ctx, "command");
		if (conf_set_command(ctx, cmd, &a->argv, NULL) == 0)
			a->kind = CONF_ACTION_COMMAND;
		conf_path_pop(ctx, old);
		if (val != NULL) {
			old = conf_path_key(ctx, "value");
			conf_err_key(ctx, val, "\"value\" goes with \"actor\" (a "
			    "command gets the TX's value in HERD_TX_VALUE)");
			conf_path_pop(ctx, old);
		}
		return;
	}
	old = conf_path_key(ctx, "actor");
	if (!cJSON_IsString(actor) || actor->valuestring[0] == '\0')
		conf_err_expected(ctx, actor, "an actor's name");
	else {
		a->kind = CONF_ACTION_ACTOR;
		a->actor = conf_strdup(ctx, actor->valuestring);
		if (val != NULL) {
			char *t = cJSON_PrintUnformatted(val);
			a->value = conf_strdup(ctx, t ? t : "null");
			cJSON_free(t);
		}
	}
	conf_path_pop(ctx, old);
}

static void
step(struct conf_ctx *ctx, const cJSON *v, struct conf_step *st,
    const struct conf_saga *sg, size_t idx)
{
	static const char *const keys[] = { "name", "action", "compensate",
	    "timeout_ms", "retries", "retry_delay_ms", NULL };
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(v, "name");
	const cJSON *act = cJSON_GetObjectItemCaseSensitive(v, "action");
	const cJSON *comp = cJSON_GetObjectItemCaseSensitive(v, "compensate");
	size_t old;

	st->timeout_ms = 30000;
	st->retry_delay_ms = 100;
	if (!cJSON_IsObject(v)) {
		conf_err_expected(ctx, v, "an object (a step)");
		return;
	}
	only_keys(ctx, v, keys);
	if (name == NULL)
		conf_err_val(ctx, v, "missing required key \"name\"");
	else {
		old = conf_path_key(ctx, "name");
		if (!cJSON_IsString(name) || !name_ok(name->valuestring))
			conf_err_expected(ctx, name, "a name of 1 to 63 of "
			    "[A-Za-z0-9_.-]");
		else {
			for (size_t i = 0; i < idx; i++)
				if (sg->steps[i].name != NULL &&
				    strcmp(sg->steps[i].name,
				    name->valuestring) == 0)
					conf_err_val(ctx, name, "step \"%s\" is "
					    "already steps[%zu]",
					    name->valuestring, i);
			st->name = conf_strdup(ctx, name->valuestring);
		}
		conf_path_pop(ctx, old);
	}
	if (act == NULL)
		conf_err_val(ctx, v, "missing required key \"action\"");
	else {
		old = conf_path_key(ctx, "action");
		action(ctx, act, &st->action);
		conf_path_pop(ctx, old);
	}
	if (comp != NULL) {
		old = conf_path_key(ctx, "compensate");
		action(ctx, comp, &st->compensate);
		conf_path_pop(ctx, old);
	}
	get_ms(ctx, v, "timeout_ms", 1, MAX_MS, &st->timeout_ms);
	get_ms(ctx, v, "retries", 0, 100, &st->retries);
	get_ms(ctx, v, "retry_delay_ms", 0, 3600000, &st->retry_delay_ms);
}

static void
saga(struct conf_ctx *ctx, const cJSON *v, struct conf_saga *sg)
{
	static const char *const keys[] = { "steps", "two_phase",
	    "lifespan_ms", NULL };
	const cJSON *steps = cJSON_GetObjectItemCaseSensitive(v, "steps");
	const cJSON *tp = cJSON_GetObjectItemCaseSensitive(v, "two_phase");
	const cJSON *el;
	size_t old, n, i = 0;

	if (!cJSON_IsObject(v)) {
		conf_err_expected(ctx, v, "an object (a saga)");
		return;
	}
	only_keys(ctx, v, keys);
	if (tp != NULL) {
		old = conf_path_key(ctx, "two_phase");
		if (!cJSON_IsBool(tp))
			conf_err_expected(ctx, tp, "true or false");
		sg->two_phase = cJSON_IsTrue(tp);
		conf_path_pop(ctx, old);
	}
	get_ms(ctx, v, "lifespan_ms", 1, MAX_MS, &sg->lifespan_ms);
	if (steps == NULL) {
		conf_err_val(ctx, v, "missing required key \"steps\"");
		return;
	}
	old = conf_path_key(ctx, "steps");
	n = cJSON_IsArray(steps) ? (size_t)cJSON_GetArraySize(steps) : 0;
	if (n == 0 || n > MAX_STEPS) {
		conf_err_expected(ctx, steps, "an array of 1 to 64 steps");
		conf_path_pop(ctx, old);
		return;
	}
	if ((sg->steps = conf_calloc(ctx, n, sizeof *sg->steps)) == NULL) {
		conf_path_pop(ctx, old);
		return;
	}
	sg->nsteps = n;
	cJSON_ArrayForEach(el, steps) {
		size_t o2 = conf_path_index(ctx, i);
		step(ctx, el, &sg->steps[i], sg, i);
		conf_path_pop(ctx, o2);
		i++;
	}
	conf_path_pop(ctx, old);
}

int
conf_set_sagas(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	struct conf_sagas *s = dst;
	const cJSON *it;
	size_t n = 0, i = 0;

	if (!cJSON_IsObject(v))
		return conf_err_expected(ctx, v, "an object of sagas");
	cJSON_ArrayForEach(it, v)
		n += !is_comment(it->string);
	if (n == 0)
		return 0;
	if ((s->v = conf_calloc(ctx, n, sizeof *s->v)) == NULL)
		return -1;
	cJSON_ArrayForEach(it, v) {
		size_t old;
		if (is_comment(it->string))
			continue;
		old = conf_path_key(ctx, it->string);
		if (cJSON_GetObjectItemCaseSensitive(v, it->string) != it)
			conf_err_key(ctx, it, "duplicate key \"%s\"", it->string);
		else if (!name_ok(it->string))
			conf_err_key(ctx, it, "saga name \"%s\": 1 to 63 of "
			    "[A-Za-z0-9_.-]", it->string);
		s->v[i].name = conf_strdup(ctx, it->string);
		saga(ctx, it, &s->v[i]);
		conf_path_pop(ctx, old);
		i++;
	}
	s->n = i;
	return 0;
}

static void
action_clear(struct conf_action *a)
{
	if (a->argv != NULL)
		for (size_t i = 0; a->argv[i] != NULL; i++)
			free(a->argv[i]);
	free(a->argv);
	free(a->actor);
	free(a->value);
}

void
conf_sagas_clear(struct conf_sagas *s)
{
	for (size_t i = 0; i < s->n; i++) {
		for (size_t j = 0; j < s->v[i].nsteps; j++) {
			free(s->v[i].steps[j].name);
			action_clear(&s->v[i].steps[j].action);
			action_clear(&s->v[i].steps[j].compensate);
		}
		free(s->v[i].steps);
		free(s->v[i].name);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}
