/*
 * Monitors, links and exit signals on the actor's side (ACTORS.md A10,
 * A11). herdd keeps the tables and sends "down" and "exit" system
 * messages; libherd keeps only the monitors it holds, so that a DOWN
 * already on its way when herd_demonitor returned is dropped, and the
 * trap_exit flag, which decides what an exit signal does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "herdi.h"

/* An id as herdd writes it: "PID.INCARNATION". */
static void
id_text(herd_id id, char *buf, size_t len)
{
	snprintf(buf, len, "%llu.%llu", (unsigned long long)(id.v >> 32),
	    (unsigned long long)(id.v & 0xffffffffu));
}

static herd_id
id_parse(const cJSON *s)
{
	unsigned long long pid, inc;
	herd_id id = { 0 };

	if (cJSON_IsString(s) && sscanf(s->valuestring, "%llu.%llu", &pid,
	    &inc) == 2)
		id.v = pid << 32 | (inc & 0xffffffffu);
	return id;
}

/* Sends node op OP about TARGET (with REASON if not NULL); 0, or the
 * error herdd answered. *res (if not NULL) gets the result (caller
 * frees). */
static int
node_op(herd_actor *self, const char *op, const char *target,
    const char *reason, cJSON **res)
{
	cJSON *args, *r;
	int rv;

	if (self == NULL || target == NULL)
		return HERD_EINVAL;
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "target", target);
	if (reason != NULL)
		cJSON_AddStringToObject(args, "reason", reason);
	if ((r = herdi_node_call(&self->node, op, args)) == NULL)
		return HERD_ENONODE;
	rv = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "ok")) ? 0 :
	    HERD_EINVAL;
	if (rv == 0 && res != NULL)
		*res = cJSON_DetachItemFromObjectCaseSensitive(r, "result");
	cJSON_Delete(r);
	return rv;
}

/* Appends TARGET (and REF, for a monitor) to what hello will carry. */
static int
for_hello(cJSON **list, const char *target, herd_ref ref)
{
	cJSON *v;

	if (*list == NULL && (*list = cJSON_CreateArray()) == NULL)
		return HERD_ENOMEM;
	if (ref == 0) {
		v = cJSON_CreateString(target);
	} else if ((v = cJSON_CreateObject()) != NULL) {
		cJSON_AddStringToObject(v, "target", target);
		cJSON_AddNumberToObject(v, "ref", (double)ref);
	}
	return v != NULL && cJSON_AddItemToArray(*list, v) ? 0 : HERD_ENOMEM;
}

/* The actor picks its monitors' refs, so that init may monitor before
 * the actor is registered: they go with hello. */
int
herd_monitor_name(herd_actor *self, const char *name, herd_ref *ref)
{
	struct herdi_mon *m;
	cJSON *args, *r;
	int rv;

	if (self == NULL || name == NULL || ref == NULL)
		return HERD_EINVAL;
	if ((m = calloc(1, sizeof *m)) == NULL)
		return HERD_ENOMEM;
	m->ref = ++self->next_mon;
	if (!self->registered) {
		rv = for_hello(&self->init_mons, name, m->ref);
	} else {
		args = cJSON_CreateObject();
		cJSON_AddStringToObject(args, "target", name);
		cJSON_AddNumberToObject(args, "ref", (double)m->ref);
		r = herdi_node_call(&self->node, "monitor", args);
		rv = r == NULL ? HERD_ENONODE : cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(r, "ok")) ? 0 : HERD_EINVAL;
		cJSON_Delete(r);
	}
	if (rv != 0) {
		free(m);
		return rv;
	}
	m->next = self->mons;
	self->mons = m;
	*ref = m->ref;
	return 0;
}

int
herd_monitor(herd_actor *self, herd_id target, herd_ref *ref)
{
	char id[48];

	id_text(target, id, sizeof id);
	return herd_monitor_name(self, id, ref);
}

/* Takes REF out of the monitors held; 1 if it was there. */
static int
mon_take(herd_actor *self, herd_ref ref)
{
	struct herdi_mon **pp, *m;

	for (pp = &self->mons; (m = *pp) != NULL; pp = &m->next)
		if (m->ref == ref) {
			*pp = m->next;
			free(m);
			return 1;
		}
	return 0;
}

int
herd_demonitor(herd_actor *self, herd_ref ref)
{
	cJSON *args, *r;

	if (self == NULL)
		return HERD_EINVAL;
	if (!mon_take(self, ref))
		return 0; /* fired already, or never ours: nothing will come */
	args = cJSON_CreateObject();
	cJSON_AddNumberToObject(args, "ref", (double)ref);
	if ((r = herdi_node_call(&self->node, "demonitor", args)) == NULL)
		return HERD_ENONODE;
	cJSON_Delete(r);
	return 0;
}

/* OP about TARGET by its id. */
static int
node_op_id(herd_actor *self, const char *op, herd_id target,
    const char *reason)
{
	char id[48];

	id_text(target, id, sizeof id);
	return node_op(self, op, id, reason, NULL);
}

int
herd_link_name(herd_actor *self, const char *name)
{
	if (self != NULL && name != NULL && !self->registered)
		return for_hello(&self->init_links, name, 0);
	return node_op(self, "link", name, NULL, NULL);
}

int
herd_link(herd_actor *self, herd_id target)
{
	return node_op_id(self, "link", target, NULL);
}

int
herd_unlink_name(herd_actor *self, const char *name)
{
	return node_op(self, "unlink", name, NULL, NULL);
}

int
herd_unlink(herd_actor *self, herd_id target)
{
	return node_op_id(self, "unlink", target, NULL);
}

int
herd_trap_exit(herd_actor *self, int on)
{
	int old;

	if (self == NULL)
		return HERD_EINVAL;
	old = self->trap_exit;
	self->trap_exit = on != 0;
	return old;
}

int
herd_exit_signal_name(herd_actor *self, const char *name, const char *reason)
{
	if (reason == NULL || reason[0] == '\0' || strlen(reason) > 47)
		return HERD_EINVAL;
	return node_op(self, "exit", name, reason, NULL);
}

int
herd_exit_signal(herd_actor *self, herd_id target, const char *reason)
{
	if (reason == NULL || reason[0] == '\0' || strlen(reason) > 47)
		return HERD_EINVAL;
	return node_op_id(self, "exit", target, reason);
}

/* The info in system message M, of KIND. */
static struct herd_info
info_of(const cJSON *m, enum herd_info_kind kind)
{
	const cJSON *ref = cJSON_GetObjectItemCaseSensitive(m, "ref");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(m, "name");
	const cJSON *why = cJSON_GetObjectItemCaseSensitive(m, "reason");
	struct herd_info in;

	memset(&in, 0, sizeof in);
	in.kind = kind;
	in.ref = cJSON_IsNumber(ref) ? (herd_ref)ref->valuedouble : 0;
	in.from = id_parse(cJSON_GetObjectItemCaseSensitive(m, "id"));
	in.name = cJSON_IsString(name) ? name->valuestring : "";
	in.reason = cJSON_IsString(why) ? why->valuestring : "noproc";
	return in;
}

void
herdi_link_down(herd_actor *self, const cJSON *m)
{
	struct herd_info in = info_of(m, HERD_INFO_DOWN);

	/* one DOWN per monitor, none after herd_demonitor (A10) */
	if (!mon_take(self, in.ref))
		return;
	if (self->ops->handle_info != NULL)
		herdi_check(self, self->ops->handle_info(self, &in));
}

void
herdi_link_exit(herd_actor *self, const cJSON *m)
{
	struct herd_info in = info_of(m, HERD_INFO_EXIT);

	if (strcmp(in.reason, "kill") == 0)
		herd_exit(self, "killed"); /* untrappable (A11) */
	else if (self->trap_exit) {
		if (self->ops->handle_info != NULL)
			herdi_check(self, self->ops->handle_info(self, &in));
	} else if (strcmp(in.reason, "normal") != 0)
		herd_exit(self, in.reason);
}

void
herdi_link_free(herd_actor *self)
{
	cJSON_Delete(self->init_mons);
	cJSON_Delete(self->init_links);
	self->init_mons = self->init_links = NULL;
	while (self->mons != NULL) {
		struct herdi_mon *m = self->mons;
		self->mons = m->next;
		free(m);
	}
}
