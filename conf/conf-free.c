/* Freeing configs, children and error lists. */

#include <stdlib.h>
#include <string.h>

#include "conf-private.h"

static void
conf_free_strv(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

void
conf_sup_clear(struct conf_sup *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nchildren; i++)
		conf_child_free(s->children[i]);
	free(s->children);
	s->children = NULL;
	s->nchildren = 0;
}

void
conf_child_free(struct conf_child *c)
{
	if (c == NULL)
		return;
	free(c->name);
	conf_free_strv(c->argv);
	conf_free_strv(c->env);
	free(c->cwd);
	free(c->user);
	free(c->group);
	conf_sup_clear(c->sup);
	free(c->sup);
	free(c);
}

void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	conf_sagas_clear(&c->sagas);
	conf_http_clear(&c->http);
	free(c->path);
	free(c->text);
	free(c->run_dir);
	free(c->log_dir);
	conf_sup_clear(&c->root);
	conf_control_clear(&c->control);
	free(c);
}

void
conf_errors_clear(struct conf_errors *errs)
{
	size_t i;

	if (errs == NULL)
		return;
	for (i = 0; i < errs->n; i++)
		free(errs->msgs[i]);
	free(errs->msgs);
	errs->msgs = NULL;
	errs->n = 0;
}

void
conf_override_dirs(struct conf *c, const char *run_dir, const char *log_dir)
{
	char *d;

	if (run_dir != NULL && (d = strdup(run_dir)) != NULL) {
		free(c->run_dir);
		c->run_dir = d;
	}
	if (log_dir != NULL && (d = strdup(log_dir)) != NULL) {
		free(c->log_dir);
		c->log_dir = d;
	}
}
