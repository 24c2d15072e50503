/*
 * Actors on a real herdd (ACTORS.md): registration after init (A3), casts
 * in order (A4), calls with their reply, timeout and the callee's death
 * (A5), inspect ahead of queued messages (A6), ids never reused (A1), exit
 * reasons and terminate (A9, A12), SIGTERM as the orderly shutdown (A13),
 * through herdctl and the control protocol.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "harness.h"
#include "ipc.h"

#define TA(name, extra) "{'name':'" name "','type':'actor'," extra \
	"'command':['@ACTOR@','@TMP@/" name ".log']}"
/* The same, registering NAME in its init. */
#define TAR(name, reg) "{'name':'" name "','type':'actor','command':" \
	"['@ACTOR@','@TMP@/" name ".log','register=" reg "']}"

static struct ht *
boot(void **state, const char *children)
{
	struct ht *h = *state;
	char conf[4096];

	snprintf(conf, sizeof conf, "{" HT_DIRS ",'supervisor':{'intensity':"
	    "10,'children':[%s]}}", children);
	ht_boot(h, conf);
	ht_wait_event(h, "herd.started", NULL, HT_T);
	return h;
}

/* An actor is registered (actor.up, then child.started: ready) once its
 * init has returned; herdctl actors lists it under its path with an id
 * of its pid and an incarnation. */
static void
test_integ_actor_registered_after_init(void **state)
{
	struct ht *h = boot(state, TA("a", "") "," "{'name':'after',"
	    "'command':['@CHILD@','sleep']}");
	const char *out, *err;
	cJSON *up, *started, *r, *a;
	char want[64];

	up = ht_find_event(h, 0, "actor.up", "a");
	started = ht_find_event(h, 0, "child.started", "a");
	assert_non_null(up);
	assert_non_null(started);
	assert_true(ht_num(up, "seq") < ht_num(started, "seq"));
	/* the next child starts only once the actor is ready (rule 1) */
	assert_true(ht_num(started, "seq") < ht_num(ht_find_event(h, 0,
	    "child.starting", "after"), "seq"));
	r = ht_result(h, "actors", NULL);
	a = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "actors"), 0);
	assert_non_null(a);
	assert_string_equal(cJSON_GetObjectItem(a, "name")->valuestring, "a");
	assert_string_equal(cJSON_GetObjectItem(a, "path")->valuestring, "a");
	assert_int_equal((int)ht_num(a, "pid"), ht_pid(h, "a"));
	snprintf(want, sizeof want, "%d.", (int)ht_pid(h, "a"));
	assert_memory_equal(cJSON_GetObjectItem(a, "id")->valuestring, want,
	    strlen(want));
	assert_string_equal(cJSON_GetObjectItem(a, "state")->valuestring,
	    "running");
	HT_CTL(h, 0, &out, &err, "actors");
	HT_CONTAINS(out, "NAME ");
	HT_CONTAINS(out, "\na ");
}

/* call answers; casts from one sender arrive in order; inspect reports
 * the actor's own state. */
static void
test_integ_actor_call_cast_inspect(void **state)
{
	struct ht *h = boot(state, TA("a", ""));
	const char *out, *err, *log;
	char want[4096];
	int i;
	size_t n = 0;

	HT_CTL(h, 0, &out, &err, "call", "a", "{\"op\":\"echo\",\"v\":[1,2]}");
	assert_string_equal(out, "{\"op\":\"echo\",\"v\":[1,2]}\n");
	HT_CTL(h, 0, &out, &err, "--json", "call", "a", "{\"op\":\"echo\"}");
	HT_CONTAINS(out, "\"reply\":{\"op\":\"echo\"}");
	want[0] = '\0';
	for (i = 1; i <= 50; i++) {
		char args[128];
		snprintf(args, sizeof args, "{'name':'a','msg':{'op':'log',"
		    "'x':%d}}", i);
		ht_result(h, "cast", args);
		n += (size_t)snprintf(want + n, sizeof want - n, "cast %d\n",
		    i);
	}
	log = ht_wait_file(h, ht_path(h, "a.log"), "cast 50\n", HT_T);
	assert_non_null(log);
	assert_string_equal(log, want);
	HT_CTL(h, 0, &out, &err, "inspect", "a");
	assert_string_equal(out, "casts: 50\n");
	HT_CTL(h, 0, &out, &err, "cast", "a", "{\"op\":\"log\",\"x\":51}");
	assert_string_equal(out, "cast to a\n");
}

/* Bad input to the commands: unknown names, non-JSON messages. */
static void
test_integ_actor_bad_input(void **state)
{
	struct ht *h = boot(state, TA("a", "") ",{'name':'w','command':"
	    "['@CHILD@','sleep']}");
	const char *out, *err;
	cJSON *r;

	HT_CTL(h, 3, &out, &err, "call", "nope", "{}");
	HT_CONTAINS(err, "no actor named \"nope\"");
	HT_CTL(h, 3, &out, &err, "cast", "w", "{}");
	HT_CONTAINS(err, "no actor named \"w\"");
	HT_CTL(h, 2, &out, &err, "call", "a", "{not json");
	HT_CONTAINS(err, "the request is not JSON");
	HT_CTL(h, 1, &out, &err, "call", "a", "{\"op\":\"what\"}");
	HT_CONTAINS(err, "unknown op");
	r = ht_request(h, "call", "{'name':'a','timeout_ms':0}");
	assert_string_equal(ht_error_code(r), "bad_request");
	r = ht_request(h, "call", "{'name':7}");
	assert_string_equal(ht_error_code(r), "bad_request");
	/* still serving */
	HT_CTL(h, 0, &out, &err, "call", "a", "{\"op\":\"echo\"}");
}

/* A call nobody answers times out; a call whose callee dies fails at
 * once with the callee's exit reason (A5), and later ones get noproc
 * until it is back. */
static void
test_integ_actor_call_timeout_and_death(void **state)
{
	struct ht *h = boot(state, TA("a", ""));
	const char *out, *err, *body;
	pid_t pid = ht_pid(h, "a");
	cJSON *reply;
	nng_socket sock;
	char url[512];
	void *buf;
	size_t len;

	HT_CTL(h, 1, &out, &err, "call", "a", "{\"op\":\"hang\"}",
	    "--timeout", "300ms");
	HT_CONTAINS(err, "a did not reply within 300 ms");
	HT_CTL(h, 1, &out, &err, "--json", "call", "a", "{\"op\":\"hang\"}",
	    "--timeout", "200ms");
	HT_CONTAINS(out, "\"code\":\"timeout\"");
	/* the callee dies while the call waits: the reply comes at once
	 * with its reason, not at the 60 s timeout */
	assert_int_equal(nng_req0_open(&sock), 0);
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, ht_ms(HT_TIMEOUT));
	ipc_control_url(h->run, url, sizeof url);
	assert_int_equal(nng_dial(sock, url, NULL, 0), 0);
	body = "{\"v\":1,\"id\":9,\"op\":\"call\",\"args\":{\"name\":\"a\","
	    "\"msg\":{\"op\":\"hang\"},\"timeout_ms\":60000}}";
	assert_int_equal(nng_send(sock, (void *)body, strlen(body), 0), 0);
	/* the actor has the call */
	assert_non_null(ht_wait_file(h, ht_path(h, "a.log"),
	    "hang\nhang\nhang\n", HT_T));
	ht_sync_events(h);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(nng_recv(sock, &buf, &len, NNG_FLAG_ALLOC), 0);
	reply = cJSON_ParseWithLength(buf, len);
	nng_free(buf, len);
	nng_close(sock);
	assert_string_equal(ht_error_code(reply), "noproc");
	HT_CONTAINS(cJSON_GetObjectItem(cJSON_GetObjectItem(reply, "error"),
	    "message")->valuestring, "a ended: signal:KILL");
	cJSON_Delete(reply);
	ht_wait_event(h, "actor.down", "a", HT_T);
	/* it restarts with a new id */
	ht_wait_event(h, "actor.up", "a", HT_T);
	assert_true(ht_pid(h, "a") != pid);
	HT_CTL(h, 0, &out, &err, "call", "a", "{\"op\":\"echo\"}");
}

/* A failed init is a failed start with init's error (A3): the actor is
 * never registered, and at boot herdd says why. */
static void
test_integ_actor_init_failure(void **state)
{
	struct ht *h = *state;
	int code;

	ht_launch(h, "{" HT_DIRS ",'supervisor':{'children':[{'name':'a',"
	    "'type':'actor','command':['@ACTOR@','@TMP@/a.log','fail-init']}"
	    "]}}");
	code = ht_wait_exit(h, HT_T);
	assert_int_equal(code, 1);
	HT_CONTAINS(ht_herdd_output(h), "child a failed to start: init "
	    "failed: invalid argument");
}

/* How an actor ends: herd_exit's reason, a callback's error, a SIGTERM
 * from anyone (shutdown: terminate runs, the permanent actor restarts),
 * its supervisor's stop; terminate always runs with the reason. */
static void
test_integ_actor_exit_reasons(void **state)
{
	struct ht *h = boot(state, TA("a", "'restart':'transient',"));
	const char *out, *err, *log;
	cJSON *ev;
	pid_t pid;

	/* the call fails at once with the actor's own reason (noproc) */
	HT_CTL(h, 3, &out, &err, "call", "a", "{\"op\":\"exit\","
	    "\"reason\":\"boom\"}", "--timeout", "5s");
	HT_CONTAINS(err, "a ended: boom");
	ev = ht_wait_event(h, "child.exited", "a", HT_T);
	assert_string_equal(cJSON_GetObjectItem(ev, "reason")->valuestring,
	    "boom");
	log = ht_wait_file(h, ht_path(h, "a.log"), "terminate boom\n", HT_T);
	assert_non_null(log);
	ht_wait_event(h, "actor.up", "a", HT_T);
	/* a normal exit of a transient actor: not restarted */
	HT_CTL(h, 3, &out, &err, "call", "a", "{\"op\":\"exit\","
	    "\"reason\":\"normal\"}");
	ev = ht_wait_event(h, "child.exited", "a", HT_T);
	assert_string_equal(cJSON_GetObjectItem(ev, "reason")->valuestring,
	    "normal");
	assert_non_null(ht_wait_file(h, ht_path(h, "a.log"),
	    "terminate normal\n", HT_T));
	HT_CTL(h, 0, &out, &err, "start", "a");
	ht_wait_event(h, "actor.up", "a", HT_T);
	/* a callback's error ends the actor with it (A9) */
	HT_CTL(h, 3, &out, &err, "call", "a", "{\"op\":\"error\"}");
	HT_CONTAINS(err, "a ended: invalid argument");
	ev = ht_wait_event(h, "child.exited", "a", HT_T);
	assert_string_equal(cJSON_GetObjectItem(ev, "reason")->valuestring,
	    "invalid argument");
	ht_wait_event(h, "actor.up", "a", HT_T);
	/* SIGTERM from anyone: the orderly shutdown */
	pid = ht_pid(h, "a");
	assert_int_equal(kill(pid, SIGTERM), 0);
	ev = ht_wait_event(h, "child.exited", "a", HT_T);
	assert_string_equal(cJSON_GetObjectItem(ev, "reason")->valuestring,
	    "shutdown");
	assert_non_null(ht_wait_file(h, ht_path(h, "a.log"),
	    "terminate shutdown\n", HT_T));
	/* stopped by its supervisor */
	HT_CTL(h, 0, &out, &err, "start", "a");
	HT_CTL(h, 0, &out, &err, "stop", "a");
	ev = ht_wait_event(h, "child.stopped", "a", HT_T);
	assert_non_null(ev);
	log = ht_read_file(h, ht_path(h, "a.log"));
	assert_non_null(strstr(strstr(log, "terminate shutdown\n") + 1,
	    "terminate shutdown\n"));
	HT_CTL(h, 3, &out, &err, "call", "a", "{\"op\":\"echo\"}");
	HT_CONTAINS(err, "actor a is not running (stopped)");
}

/* A control-protocol request sent on its own connection, to be answered
 * later (while the test does something else). */
struct pending {
	nng_socket sock;
};

static void
pending_send(struct ht *h, struct pending *p, const char *body)
{
	char url[512];

	assert_int_equal(nng_req0_open(&p->sock), 0);
	nng_socket_set_ms(p->sock, NNG_OPT_RECVTIMEO, ht_ms(HT_TIMEOUT));
	ipc_control_url(h->run, url, sizeof url);
	assert_int_equal(nng_dial(p->sock, url, NULL, 0), 0);
	assert_int_equal(nng_send(p->sock, (void *)body, strlen(body), 0), 0);
}

/* Its reply (caller frees), or a failed test. */
static cJSON *
pending_reply(struct pending *p)
{
	void *buf;
	size_t len;
	cJSON *j;

	if (nng_recv(p->sock, &buf, &len, NNG_FLAG_ALLOC) != 0)
		fail_msg("no reply to the pending request");
	j = cJSON_ParseWithLength(buf, len);
	nng_free(buf, len);
	nng_close(p->sock);
	assert_non_null(j);
	return j;
}

/* result.reply of an ok reply, as its JSON text. */
static const char *
reply_text(struct ht *h, cJSON *r)
{
	static char buf[1024];
	char *s = cJSON_PrintUnformatted(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(r, "result"), "reply"));

	snprintf(buf, sizeof buf, "%s", s ? s : "(none)");
	free(s);
	return buf;
}

#define ASK(to, req, tmo) "{\"op\":\"ask\",\"to\":\"" to "\",\"req\":" \
	req ",\"timeout\":" #tmo "}"

/* Actor to actor, herdd off the path: casts by name arrive in the order
 * sent (A4); a call gets its answer; unknown names fail at once (A2). */
static void
test_integ_actor_to_actor(void **state)
{
	struct ht *h = boot(state, TA("a", "") "," TA("b", ""));
	const char *out, *err, *log;
	char want[8192];
	size_t n = 0;
	int i;

	HT_CTL(h, 0, &out, &err, "call", "a", "{\"op\":\"send\",\"to\":"
	    "\"b\",\"n\":500}");
	assert_string_equal(out, "{\"sent\":500,\"rv\":\"success\"}\n");
	for (i = 1; i <= 500; i++)
		n += (size_t)snprintf(want + n, sizeof want - n, "cast %d\n", i);
	log = ht_wait_file(h, ht_path(h, "b.log"), "cast 500\n", HT_T);
	assert_non_null(log);
	assert_string_equal(log, want);
	HT_CTL(h, 0, &out, &err, "call", "a", ASK("b", "{\"op\":\"echo\","
	    "\"v\":7}", 5000));
	HT_CONTAINS(out, "\"rv\":\"success\"");
	HT_CONTAINS(out, "\"reply\":{\"op\":\"echo\",\"v\":7}");
	/* an error answered by the callee */
	HT_CTL(h, 0, &out, &err, "call", "a", ASK("b", "{\"op\":\"what\"}",
	    5000));
	HT_CONTAINS(out, "\"rv\":\"the callee answered an error\"");
	HT_CONTAINS(out, "\"reason\":\"bad_request: unknown op\"");
	/* a name nobody has, and a call to itself */
	HT_CTL(h, 0, &out, &err, "call", "a", ASK("nobody", "{}", 5000));
	HT_CONTAINS(out, "\"rv\":\"not_found: no actor has that name (or "
	    "no such timer)\"");
	HT_CTL(h, 0, &out, &err, "call", "a", ASK("self", "{}", 5000));
	HT_CONTAINS(out, "\"rv\":\"calling_self: a call to the caller "
	    "itself\"");
	HT_CTL(h, 0, &out, &err, "call", "a", "{\"op\":\"send\",\"to\":"
	    "\"nobody\",\"n\":1}");
	HT_CONTAINS(out, "\"rv\":\"not_found: no actor has that name (or "
	    "no such timer)\"");
}

/* A call between actors times out (and the late answer is dropped),
 * gets an answer given later from another callback, and fails at once
 * with the callee's reason when the callee dies during it (A5). */
static void
test_integ_actor_call_between_actors(void **state)
{
	struct ht *h = boot(state, TA("a", "") "," TA("b", ""));
	struct pending p;
	const char *out, *err;
	pid_t b = ht_pid(h, "b");
	cJSON *r;

	HT_CTL(h, 0, &out, &err, "call", "a", ASK("b", "{\"op\":\"hang\"}",
	    300));
	HT_CONTAINS(out, "\"rv\":\"timeout: no reply in time\"");
	/* deferred: b keeps the call until a cast releases it */
	pending_send(h, &p, "{\"v\":1,\"id\":5,\"op\":\"call\",\"args\":{"
	    "\"name\":\"a\",\"timeout_ms\":20000,\"msg\":" ASK("b",
	    "{\"op\":\"defer\"}", 15000) "}}");
	assert_non_null(ht_wait_file(h, ht_path(h, "b.log"), "deferred\n",
	    HT_T));
	HT_CTL(h, 0, &out, &err, "cast", "b", "{\"op\":\"release\"}");
	r = pending_reply(&p);
	assert_null(ht_error_code(r));
	HT_CONTAINS(reply_text(h, r), "\"rv\":\"success\"");
	HT_CONTAINS(reply_text(h, r), "\"reply\":{\"late\":true}");
	cJSON_Delete(r);
	/* the callee dies during the call: at once, with its reason */
	pending_send(h, &p, "{\"v\":1,\"id\":6,\"op\":\"call\",\"args\":{"
	    "\"name\":\"a\",\"timeout_ms\":60000,\"msg\":" ASK("b",
	    "{\"op\":\"hang\"}", 50000) "}}");
	assert_non_null(ht_wait_file(h, ht_path(h, "b.log"),
	    "hang\ndeferred\nhang\n", HT_T));
	assert_int_equal(kill(b, SIGKILL), 0);
	r = pending_reply(&p);
	assert_null(ht_error_code(r));
	HT_CONTAINS(reply_text(h, r), "\"rv\":\"noproc: the actor is not "
	    "running\"");
	HT_CONTAINS(reply_text(h, r), "\"reason\":\"signal:KILL\"");
	cJSON_Delete(r);
	/* the restarted b is a new id: a finds it by name again */
	ht_wait_event(h, "actor.up", "b", HT_T);
	HT_CTL(h, 0, &out, &err, "call", "a", ASK("b", "{\"op\":\"echo\"}",
	    5000));
	HT_CONTAINS(out, "\"rv\":\"success\"");
}

/* Calls actor NAME's watch op with the JSON fields ARGS; fails unless
 * it answers rv "success"; returns the monitor's ref. */
static double
watch(struct ht *h, const char *name, const char *args)
{
	char req[512];
	cJSON *r, *reply;

	snprintf(req, sizeof req, "{'name':'%s','msg':{'op':'watch',%s}}",
	    name, args);
	r = ht_result(h, "call", req);
	reply = cJSON_GetObjectItem(r, "reply");
	if (strcmp(cJSON_GetObjectItem(reply, "rv")->valuestring, "success"))
		fail_msg("watch %s: %s", args, cJSON_PrintUnformatted(reply));
	return ht_num(reply, "ref");
}

/* From now on: ht_wait_event looks only at events after this point. */
static void
fence(struct ht *h)
{
	ht_sync_events(h);
	h->cursor = cJSON_GetArraySize(h->events);
}

/* Kills NAME's process and waits until it is an actor again. */
static void
kill_restarted(struct ht *h, const char *name)
{
	fence(h);
	assert_int_equal(kill(ht_pid(h, name), SIGKILL), 0);
	ht_wait_event(h, "actor.up", name, HT_T);
}

/* The exit reason of NAME's first child.exited event since the fence;
 * the cursor stays at the fence, so ends that come in either order can
 * be asked one after the other. */
static const char *
exit_reason(struct ht *h, const char *name)
{
	int at = h->cursor;
	cJSON *ev = ht_wait_event(h, "child.exited", name, HT_T);

	h->cursor = at;
	return cJSON_GetObjectItem(ev, "reason")->valuestring;
}

/*
 * Monitors (A10): one DOWN with the target's reason when it ends, DOWN
 * noproc at once for a name nobody has, and none after demonitor, even
 * when the target ends right after it.
 */
static void
test_integ_actor_monitors(void **state)
{
	struct ht *h = boot(state, TA("a", "") "," TA("b", "") "," TA("c",
	    ""));
	const char *log;
	double ref;

	watch(h, "a", "'do':'monitor','target':'b'");
	watch(h, "a", "'do':'monitor','target':'nobody'");
	ref = watch(h, "a", "'do':'monitor','target':'c'");
	assert_true(ref > 0);
	assert_non_null(ht_wait_file(h, ht_path(h, "a.log"),
	    "down nobody noproc\n", HT_T));
	kill_restarted(h, "b");
	log = ht_wait_file(h, ht_path(h, "a.log"), "down b signal:KILL\n",
	    HT_T);
	assert_non_null(log);
	/* demonitor, then c ends: no DOWN; a later cast to a is the fence */
	{
		char args[64];
		snprintf(args, sizeof args, "'do':'demonitor','ref':%.0f", ref);
		watch(h, "a", args);
	}
	kill_restarted(h, "c");
	/* b's restart is a new id: the old monitor fired once, no more */
	kill_restarted(h, "b");
	ht_result(h, "cast", "{'name':'a','msg':{'op':'log','x':1}}");
	log = ht_wait_file(h, ht_path(h, "a.log"), "cast 1\n", HT_T);
	assert_string_equal(log, "down nobody noproc\ndown b signal:KILL\n"
	    "cast 1\n");
}

/*
 * Links (A11): an abnormal end takes the linked actor with it, with the
 * same reason; a normal end does not; an actor trapping exits gets an
 * EXIT message instead and runs on; "kill" cannot be trapped and ends it
 * "killed"; a link to a name nobody has is an exit signal noproc; after
 * unlink nothing comes.
 */
static void
test_integ_actor_links(void **state)
{
	struct ht *h = boot(state, TA("a", "") "," TA("b", "") "," TA("c",
	    ""));
	const char *out, *err, *log;
	pid_t a, c;

	/* b ends abnormally: a goes with it, with b's reason */
	watch(h, "a", "'do':'link','target':'b'");
	fence(h);
	HT_CTL(h, 3, &out, &err, "call", "b", "{\"op\":\"exit\","
	    "\"reason\":\"boom\"}");
	assert_string_equal(exit_reason(h, "b"), "boom");
	assert_string_equal(exit_reason(h, "a"), "boom");
	assert_non_null(ht_wait_file(h, ht_path(h, "a.log"),
	    "terminate boom\n", HT_T));
	ht_wait_state(h, "a", "running", HT_T);
	ht_wait_state(h, "b", "running", HT_T);
	/* trapping: an EXIT message, and a runs on */
	a = ht_pid(h, "a");
	watch(h, "a", "'do':'trap','on':true");
	watch(h, "a", "'do':'link','target':'b'");
	watch(h, "a", "'do':'link','target':'nobody'");
	kill_restarted(h, "b");
	log = ht_wait_file(h, ht_path(h, "a.log"), "exit b signal:KILL\n",
	    HT_T);
	assert_non_null(strstr(log, "exit nobody noproc\n"));
	assert_int_equal(ht_pid(h, "a"), a);
	/* kill is not trappable */
	fence(h);
	watch(h, "b", "'do':'signal','target':'a','reason':'kill'");
	assert_string_equal(exit_reason(h, "a"), "killed");
	ht_wait_event(h, "actor.up", "a", HT_T);
	/* a normal end and an unlinked one take nobody along */
	c = ht_pid(h, "c");
	watch(h, "c", "'do':'link','target':'a'");
	watch(h, "c", "'do':'link','target':'b'");
	watch(h, "c", "'do':'unlink','target':'b'");
	fence(h);
	HT_CTL(h, 3, &out, &err, "call", "a", "{\"op\":\"exit\","
	    "\"reason\":\"normal\"}");
	assert_string_equal(exit_reason(h, "a"), "normal");
	kill_restarted(h, "b");
	ht_result(h, "cast", "{'name':'c','msg':{'op':'log','x':1}}");
	assert_non_null(ht_wait_file(h, ht_path(h, "c.log"), "cast 1\n",
	    HT_T));
	assert_int_equal(ht_pid(h, "c"), c);
}

/*
 * Timers (A7): send_after to itself reaches handle_info, to another actor
 * arrives as a cast; a cancelled timer never fires, and cancelling one
 * that fired says so; timers end with their owner.
 */
static void
test_integ_actor_timers(void **state)
{
	struct ht *h = boot(state, TA("a", "") "," TA("b", ""));
	const char *out, *err, *log;
	char args[96];
	double ref;
	cJSON *r;

	watch(h, "a", "'do':'after','target':'self','ms':20,'x':1");
	watch(h, "a", "'do':'after','target':'b','ms':20,'x':2");
	ref = watch(h, "a", "'do':'after','target':'b','ms':300,'x':3");
	snprintf(args, sizeof args, "'do':'cancel','ref':%.0f", ref);
	watch(h, "a", args);
	assert_non_null(ht_wait_file(h, ht_path(h, "a.log"),
	    "timer {\"op\":\"log\",\"x\":1}\n", HT_T));
	/* cancelling a timer that has fired, or twice: not found */
	snprintf(args, sizeof args, "{'name':'a','msg':{'op':'watch',"
	    "'do':'cancel','ref':%.0f}}", ref);
	r = cJSON_GetObjectItem(ht_result(h, "call", args), "reply");
	assert_string_equal(cJSON_GetObjectItem(r, "rv")->valuestring,
	    "not_found: no actor has that name (or no such timer)");
	/* the owner ends: its pending timer dies with it */
	watch(h, "a", "'do':'after','target':'b','ms':200,'x':5");
	fence(h);
	HT_CTL(h, 3, &out, &err, "call", "a", "{\"op\":\"exit\","
	    "\"reason\":\"boom\"}");
	ht_wait_event(h, "actor.up", "a", HT_T);
	/* a later timer is the fence: 600 ms after the dead one was due */
	watch(h, "a", "'do':'after','target':'b','ms':600,'x':6");
	log = ht_wait_file(h, ht_path(h, "b.log"), "cast 6\n", HT_T);
	assert_string_equal(log, "cast 2\ncast 6\n");
}

/* ACTOR's answer to {"op":"send","to":TO,"n":1}: its "rv". */
static const char *
send_rv(struct ht *h, const char *actor, const char *to)
{
	char args[256];
	cJSON *r;

	snprintf(args, sizeof args, "{'name':'%s','msg':{'op':'send',"
	    "'to':'%s','n':1}}", actor, to);
	r = cJSON_GetObjectItem(ht_result(h, "call", args), "reply");
	return cJSON_GetObjectItem(r, "rv")->valuestring;
}

/* ACTOR's answer to watch {"do":DO,"target":NAME}: its "rv". */
static const char *
watch_rv(struct ht *h, const char *actor, const char *what, const char *name)
{
	char args[256];
	cJSON *r;

	snprintf(args, sizeof args, "{'name':'%s','msg':{'op':'watch',"
	    "'do':'%s','target':'%s'}}", actor, what, name);
	r = cJSON_GetObjectItem(ht_result(h, "call", args), "reply");
	return cJSON_GetObjectItem(r, "rv")->valuestring;
}

/*
 * Names (A2): registered in init, taken with the registration; unique
 * on the node (another actor's name, a child's path or an id-like name
 * are refused, and a start whose init registers a taken name fails);
 * released when the owner ends and taken again by its restart; an
 * unregistered name is forgotten by the actors that had cached it.
 */
static void
test_integ_actor_names(void **state)
{
	struct ht *h = boot(state, TAR("a", "svc") "," TA("b", "") "," TA("c",
	    ""));
	cJSON *r, *a;

	assert_string_equal(send_rv(h, "b", "svc"), "success");
	assert_non_null(ht_wait_file(h, ht_path(h, "a.log"), "cast 1\n",
	    HT_T));
	r = ht_result(h, "actors", NULL);
	cJSON_ArrayForEach(a, cJSON_GetObjectItem(r, "actors"))
		if (strcmp(cJSON_GetObjectItem(a, "name")->valuestring, "a") ==
		    0)
			break;
	assert_non_null(a);
	assert_non_null(cJSON_GetArrayItem(cJSON_GetObjectItem(a, "names"),
	    0));
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(a,
	    "names"), 0)->valuestring, "svc");
	/* taken, a path, an id: refused */
	assert_string_equal(watch_rv(h, "b", "register", "svc"),
	    "name taken or not valid");
	assert_string_equal(watch_rv(h, "b", "register", "c"),
	    "name taken or not valid");
	assert_string_equal(watch_rv(h, "b", "register", "12.3"),
	    "name taken or not valid");
	/* a cached name that is unregistered is forgotten */
	assert_string_equal(watch_rv(h, "b", "register", "other"), "success");
	assert_string_equal(send_rv(h, "c", "other"), "success");
	assert_non_null(ht_wait_file(h, ht_path(h, "b.log"), "cast 1\n",
	    HT_T));
	assert_string_equal(watch_rv(h, "b", "unregister", "other"),
	    "success");
	/* the forget is a system message: c's next batch has it first */
	assert_string_equal(send_rv(h, "c", "other"),
	    "not_found: no actor has that name (or no such timer)");
	/* released at the end, taken again by the restart */
	kill_restarted(h, "a");
	assert_string_equal(send_rv(h, "b", "svc"), "success");
	assert_non_null(ht_wait_file(h, ht_path(h, "a.log"), "cast 1\n",
	    HT_T));
	/* an init that registers a taken name: a failed start */
	{
		char args[8192];
		snprintf(args, sizeof args, "{'supervisor':'','child':{"
		    "'name':'d','type':'actor','restart':'temporary',"
		    "'command':['%s','%s','register=svc']}}", h->actor,
		    ht_path(h, "d.log"));
		r = ht_request(h, "add_child", args);
	}
	assert_non_null(ht_error_code(r));
	{
		char *text = cJSON_PrintUnformatted(r);
		int found = strstr(text, "cannot register svc") != NULL;
		free(text);
		assert_true(found);
	}
}

/* Monitors and links set up in init are taken with the registration:
 * they hold from the first moment the actor is known. */
static void
test_integ_actor_watch_from_init(void **state)
{
	struct ht *h = boot(state, TA("b", "") "," TA("c", "") ",{'name':'a',"
	    "'type':'actor','command':['@ACTOR@','@TMP@/a.log','monitor=c',"
	    "'monitor=nobody','link=b']}");

	assert_non_null(ht_wait_file(h, ht_path(h, "a.log"),
	    "down nobody noproc\n", HT_T));
	kill_restarted(h, "c");
	assert_non_null(ht_wait_file(h, ht_path(h, "a.log"),
	    "down c signal:KILL\n", HT_T));
	fence(h);
	assert_int_equal(kill(ht_pid(h, "b"), SIGKILL), 0);
	assert_string_equal(exit_reason(h, "a"), "signal:KILL");
	assert_non_null(ht_wait_file(h, ht_path(h, "a.log"),
	    "terminate signal:KILL\n", HT_T));
}

struct inspect_want {
	const char *name, *want, *out, *err;
};

static int
inspect_shows(struct ht *h, void *arg)
{
	struct inspect_want *w = arg;

	return ht_herdctl(h, &w->out, &w->err, "inspect", w->name, NULL) ==
	    0 && strstr(w->out, w->want) != NULL;
}

/* Waits until herdctl inspect NAME's output holds WANT (the actor handles
 * the DOWN it waits for in its own time); fails after the deadline. */
static void
wait_inspect(struct ht *h, const char *name, const char *want)
{
	struct inspect_want w = { name, want, "", "" };

	if (!ht_until(h, inspect_shows, &w, ht_ms(10000)))
		fail_msg("inspect %s never showed \"%s\": %s%s", name, want,
		    w.out, w.err);
}

/* Waits until pair/watcher watches the pair/worker herdd lists now. */
static void
wait_watching(struct ht *h)
{
	cJSON *r = ht_result(h, "actors", NULL), *a;
	char want[64];

	cJSON_ArrayForEach(a, cJSON_GetObjectItem(r, "actors"))
		if (strcmp(cJSON_GetObjectItem(a, "name")->valuestring,
		    "pair/worker") == 0)
			break;
	assert_non_null(a);
	snprintf(want, sizeof want, "watching: %s\n",
	    cJSON_GetObjectItem(a, "id")->valuestring);
	wait_inspect(h, "pair/watcher", want);
}

/* The pair example (examples/actors/pair.c) does what demo.json says:
 * the worker's crash takes its linked buddy along, with its reason, and
 * the watcher counts a DOWN, then watches the restarted worker. */
static void
test_integ_actor_pair_example(void **state)
{
	struct ht *h = boot(state, "{'name':'pair','type':'supervisor',"
	    "'intensity':10,"
	    "'children':[{'name':'worker','type':'actor','command':"
	    "['@EXAMPLES@/pair','worker']},{'name':'buddy','type':'actor',"
	    "'command':['@EXAMPLES@/pair','buddy','pair/worker']},"
	    "{'name':'watcher','type':'actor','command':['@EXAMPLES@/pair',"
	    "'watcher','pair/worker']}]}");
	const char *out, *err;
	pid_t watcher = ht_pid(h, "pair/watcher");

	wait_watching(h);
	fence(h);
	HT_CTL(h, 3, &out, &err, "call", "pair/worker", "{\"op\":\"crash\"}");
	HT_CONTAINS(err, "pair/worker ended: crashed");
	assert_string_equal(exit_reason(h, "pair/buddy"), "crashed");
	wait_inspect(h, "pair/watcher", "downs: 1\nlast: crashed");
	/* it watches the new worker (by the id herdd lists) */
	ht_wait_state(h, "pair/worker", "running", HT_T);
	ht_wait_state(h, "pair/buddy", "running", HT_T);
	wait_watching(h);
	kill_restarted(h, "pair/worker");
	wait_inspect(h, "pair/watcher", "downs: 2\nlast: signal:KILL");
	assert_int_equal(ht_pid(h, "pair/watcher"), watcher);
}

/* NAME's entry in the actors op's reply (harness-owned); NULL if none. */
static cJSON *
actor_entry(struct ht *h, const char *name)
{
	cJSON *r = ht_result(h, "actors", NULL), *a;

	cJSON_ArrayForEach(a, cJSON_GetObjectItem(r, "actors"))
		if (strcmp(cJSON_GetObjectItem(a, "name")->valuestring,
		    name) == 0)
			return a;
	return NULL;
}

/* Whether "live" has answered 3 liveness checks (an ht_until cond). */
static int
three_checks(struct ht *h, void *arg)
{
	cJSON *a = actor_entry(h, arg);

	return a != NULL && ht_num(a, "liveness_checks") >= 3;
}

/*
 * Liveness (A14): an actor with liveness_ms answers herdd's checks from
 * its loop (also while it waits in a call) and lives on; once its loop is
 * stuck in a callback it misses one and is killed, reason "liveness"
 * (abnormal: restarted). One without liveness_ms is never checked.
 */
static void
test_integ_actor_liveness(void **state)
{
	struct ht *h = boot(state, TA("live", "'liveness_ms':100,"
	    "'liveness_timeout_ms':1500,") "," TA("quiet", ""));
	pid_t live = ht_pid(h, "live"), quiet = ht_pid(h, "quiet");
	const char *out, *err;
	cJSON *a;

	/* waiting in a call for longer than its timeout is not being stuck:
	 * the checks are answered meanwhile */
	HT_CTL(h, 0, &out, &err, "call", "live", ASK("quiet",
	    "{\"op\":\"hang\"}", 3000), "--timeout", "10s");
	HT_CONTAINS(out, "\"rv\":\"timeout");
	assert_int_equal(ht_pid(h, "live"), live);

	a = actor_entry(h, "quiet");
	assert_string_equal(cJSON_GetObjectItem(a, "liveness")->valuestring,
	    "off");
	assert_null(cJSON_GetObjectItem(a, "liveness_checks"));
	if (!ht_until(h, three_checks, "live", HT_T))
		fail_msg("live never answered 3 checks");
	assert_int_equal(ht_pid(h, "live"), live);
	fence(h);
	HT_CTL(h, 0, &out, &err, "cast", "live", "{\"op\":\"stall\"}");
	assert_non_null(ht_wait_file(h, ht_path(h, "live.log"), "stall\n",
	    HT_T));
	assert_string_equal(exit_reason(h, "live"), "liveness");
	ht_wait_event(h, "actor.up", "live", HT_T);
	assert_true(ht_pid(h, "live") != live);
	HT_CONTAINS(ht_herdd_output(h), "live did not answer its liveness "
	    "check within 1500 ms: killed");
	/* killed, not stopped: no terminate ran */
	assert_null(strstr(ht_read_file(h, ht_path(h, "live.log")),
	    "terminate"));
	assert_int_equal(ht_pid(h, "quiet"), quiet);
}

/*
 * Readiness (A14): an actor withdraws and reports its readiness at run
 * time; herdctl actors shows it, events say it, and its supervisor does
 * not act on it (the child stays running, same pid).
 */
static void
test_integ_actor_readiness(void **state)
{
	struct ht *h = boot(state, "{'name':'r','type':'actor','command':"
	    "['@ACTOR@','@TMP@/r.log','unready']}");
	pid_t pid = ht_pid(h, "r");
	const char *out, *err;
	cJSON *a;

	a = actor_entry(h, "r");
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(a, "ready")));
	assert_string_equal(cJSON_GetObjectItem(a, "state")->valuestring,
	    "running");
	HT_CTL(h, 0, &out, &err, "actors");
	HT_CONTAINS(out, " READY LIVENESS  STATE\n");
	assert_non_null(strstr(out, "\nr "));
	HT_CONTAINS(strstr(out, "\nr "), " no    off       running\n");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(a, "type")));
	fence(h);
	HT_CTL(h, 0, &out, &err, "call", "r", "{\"op\":\"ready\","
	    "\"on\":true}");
	ht_wait_event(h, "actor.ready", "r", HT_T);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(actor_entry(h, "r"),
	    "ready")));
	HT_CTL(h, 0, &out, &err, "call", "r", "{\"op\":\"ready\","
	    "\"on\":false}");
	ht_wait_event(h, "actor.unready", "r", HT_T);
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(actor_entry(h, "r"),
	    "ready")));
	assert_int_equal(ht_pid(h, "r"), pid);
}

/*
 * Actor types (A15): a simple_one_for_one pool whose template is an
 * actor; spawn TYPE --name NAME starts a supervised instance at TYPE/NAME,
 * registered as NAME, so call, cast and inspect find it by NAME, and it
 * has the name again after a restart. Bad and taken names are refused
 * before anything starts.
 */
static void
test_integ_actor_spawn_by_name(void **state)
{
	struct ht *h = boot(state, "{'name':'counters','type':'supervisor',"
	    "'strategy':'simple_one_for_one','intensity':10,'children':"
	    "[{'name':'t','type':'actor','command':['@ACTOR@',"
	    "'@TMP@/t.log']}]}");
	const char *out, *err;
	cJSON *a, *r;
	pid_t pid;

	HT_CTL(h, 0, &out, &err, "spawn", "counters", "--name", "alice");
	HT_CONTAINS(out, "spawned counters/alice (pid ");
	pid = ht_pid(h, "counters/alice");
	HT_CTL(h, 0, &out, &err, "call", "alice", "{\"op\":\"echo\"}");
	assert_string_equal(out, "{\"op\":\"echo\"}\n");
	HT_CTL(h, 0, &out, &err, "cast", "alice", "{\"op\":\"log\","
	    "\"x\":1}");
	assert_non_null(ht_wait_file(h, ht_path(h, "t.log"), "cast 1\n", HT_T));
	HT_CTL(h, 0, &out, &err, "inspect", "alice");
	assert_string_equal(out, "casts: 1\n");
	a = actor_entry(h, "alice");
	assert_non_null(a);
	assert_string_equal(cJSON_GetObjectItem(a, "path")->valuestring,
	    "counters/alice");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(a,
	    "names"), 0)->valuestring, "alice");
	assert_string_equal(cJSON_GetObjectItem(a, "type")->valuestring,
	    "counters");
	HT_CTL(h, 0, &out, &err, "actors");
	HT_CONTAINS(out, "\nalice                    counters         ");
	/* refused before anything starts */
	HT_CTL(h, 4, &out, &err, "spawn", "counters", "--name", "alice");
	HT_CONTAINS(err, "the name \"alice\" is taken");
	HT_CTL(h, 1, &out, &err, "spawn", "--name", "12", "counters");
	HT_CONTAINS(err, "args.name cannot be a number");
	HT_CTL(h, 1, &out, &err, "spawn", "counters", "--name=a b");
	HT_CONTAINS(err, "args.name must be a name of 1 to 64 letters");
	assert_string_equal(ht_status_order(h), "counters counters/alice");
	/* without a name: numbered, as a pool's */
	HT_CTL(h, 0, &out, &err, "spawn", "counters");
	HT_CONTAINS(out, "spawned counters/1 (pid ");
	r = ht_result(h, "spawn", "{'pool':'counters','name':'carol'}");
	assert_string_equal(cJSON_GetObjectItem(r, "name")->valuestring,
	    "carol");
	assert_null(cJSON_GetObjectItem(r, "instance"));
	/* restarted, it is alice again */
	kill_restarted(h, "counters/alice");
	assert_true(ht_pid(h, "counters/alice") != pid);
	HT_CTL(h, 0, &out, &err, "call", "alice", "{\"op\":\"echo\"}");
	assert_int_equal((int)ht_num(actor_entry(h, "alice"), "pid"),
	    ht_pid(h, "counters/alice"));
}

struct checks_past {
	const char *name;
	double n;
};

/* Whether actor NAME has answered more than N liveness checks. */
static int
checks_over(struct ht *h, void *arg)
{
	struct checks_past *c = arg;

	return ht_num(actor_entry(h, c->name), "liveness_checks") > c->n;
}

/* Actor a's blast op (ARGS: its fields) answered: {"sent","rv"}. */
static cJSON *
blast(struct ht *h, const char *args)
{
	char req[256];

	snprintf(req, sizeof req, "{'name':'a','msg':{'op':'blast',%s}}",
	    args);
	return cJSON_GetObjectItem(ht_result(h, "call", req), "reply");
}

/*
 * Bounded mailboxes (A8): casts to an actor whose loop is stuck fill the
 * sender's bounded queue, then fail at once with mailbox_full, and the
 * sender's loop goes on (its liveness checks are answered meanwhile); a
 * message over the size limit fails too_large at the sender; herdctl's
 * casts to it are refused mailbox_full once herdd holds its bound for
 * it. Nothing is dropped: once the receiver's loop runs again it gets
 * every cast that was accepted, and the sender can send again.
 */
static void
test_integ_actor_mailbox_bounds(void **state)
{
	struct ht *h = boot(state, TA("a", "'liveness_ms':100,'liveness_timeout_ms':2000,") "," TA("b",
	    ""));
	struct checks_past past = { "a", 0 };
	const char *out, *err;
	char want[64], stall[512];
	cJSON *r;
	pid_t a = ht_pid(h, "a");
	int sent, held = 0;

	snprintf(stall, sizeof stall, "{\"op\":\"stall\",\"until\":"
	    "\"%s\"}", ht_path(h, "go"));
	HT_CTL(h, 0, &out, &err, "cast", "b", stall);
	assert_non_null(ht_wait_file(h, ht_path(h, "b.log"), "stall\n", HT_T));
	r = blast(h, "'to':'b','n':1000000,'size':4096");
	sent = (int)ht_num(r, "sent");
	HT_CONTAINS(cJSON_GetObjectItem(r, "rv")->valuestring, "mailbox_full");
	assert_true(sent > 0 && sent < 1000000);
	r = blast(h, "'to':'b','n':1,'size':2000000");
	HT_CONTAINS(cJSON_GetObjectItem(r, "rv")->valuestring, "too_large");
	assert_int_equal((int)ht_num(r, "sent"), 0);
	/* a's loop runs: it answers its checks while b takes nothing */
	past.n = ht_num(actor_entry(h, "a"), "liveness_checks");
	if (!ht_until(h, checks_over, &past, HT_T))
		fail_msg("a answered no liveness check while b was full");
	/* herdctl's casts: held by herdd up to its bound, then refused */
	for (;;) {
		r = ht_request(h, "cast", "{'name':'b','msg':{'op':'n'}}");
		if (ht_error_code(r) != NULL)
			break;
		held++;
		assert_true(held <= 4096);
	}
	assert_string_equal(ht_error_code(r), "mailbox_full");
	assert_int_equal(held, 3072);
	HT_CTL(h, 4, &out, &err, "cast", "b", "{}");
	HT_CONTAINS(err, "b has not fetched the 3072 messages herdd holds for "
	    "it (its bound): nothing was sent");
	/* b runs again: every accepted cast arrives (1: the stall) */
	assert_int_equal(ht_write_file(h, ht_path(h, "go"), ""), 0);
	snprintf(want, sizeof want, "casts: %d\n", 1 + sent + held);
	wait_inspect(h, "b", want);
	r = blast(h, "'to':'b','n':10,'size':64");
	assert_string_equal(cJSON_GetObjectItem(r, "rv")->valuestring,
	    "success");
	assert_int_equal(ht_pid(h, "a"), a);
}

/* Actor a's raw op: sends the bytes HEX to b's mailbox as one message. */
static void
raw_to_b(struct ht *h, const char *hex)
{
	char req[512];
	cJSON *r;

	snprintf(req, sizeof req, "{'name':'a','msg':{'op':'raw','to':'b',"
	    "'hex':'%s'}}", hex);
	r = cJSON_GetObjectItem(ht_result(h, "call", req), "reply");
	assert_string_equal(cJSON_GetObjectItem(r, "rv")->valuestring,
	    "Hunky dory");
}

/*
 * Malformed, truncated and oversized batches on an actor's mailbox (from a
 * process of the node: others are refused at the connection): the actor
 * drops each, says so on its stderr with the sender's pid and a count,
 * and goes on: a good batch after them on the same connection is handled
 * and it answers calls, same pid.
 */
static void
test_integ_actor_malformed_mail(void **state)
{
	struct ht *h = boot(state, TA("a", "") "," TA("b", ""));
	pid_t a = ht_pid(h, "a"), b = ht_pid(h, "b");
	const char *out, *err;
	char want[128], path[400];

	/* not a batch; a record longer than the batch; a length past 1 MiB;
	 * an unknown kind; then a good cast of "x" */
	raw_to_b(h, "6e6f7065");
	raw_to_b(h, "68726401" "64000000" "01000000" "0000000000000000"
	    "0000000000000000" "6162636465");
	raw_to_b(h, "68726401" "ffffff7f" "01000000" "0000000000000000"
	    "0000000000000000");
	raw_to_b(h, "68726401" "01000000" "09000000" "0000000000000000"
	    "0000000000000000" "78");
	raw_to_b(h, "68726401" "01000000" "01000000" "0100000039300000"
	    "0000000000000000" "78");
	wait_inspect(h, "b", "casts: 1\n");
	snprintf(path, sizeof path, "%s/b.stderr.log", h->log);
	snprintf(want, sizeof want, "herd: b: dropped a malformed message of "
	    "4 bytes from pid %d (1 so far)\n", (int)a);
	assert_non_null(ht_wait_file(h, path, want, HT_T));
	HT_CTL(h, 0, &out, &err, "call", "b", "{\"op\":\"echo\"}");
	assert_int_equal(ht_pid(h, "b"), b);
}

/*
 * The kv example (examples/actors/kv.c): a put is answered once the
 * writer has it on disk (a deferred reply); while the writer is frozen
 * the put waits and times out, and the store still answers gets at once;
 * the data survives a restart of the pair (one_for_all).
 */
static void
test_integ_actor_kv_example(void **state)
{
	struct ht *h = boot(state, "{'name':'kv','type':'supervisor',"
	    "'strategy':'one_for_all','intensity':10,'children':["
	    "{'name':'writer','type':'actor','command':['@EXAMPLES@/kv',"
	    "'writer','@TMP@/kv.data']},{'name':'store','type':'actor',"
	    "'command':['@EXAMPLES@/kv','store','@TMP@/kv.data',"
	    "'kv/writer']}]}");
	const char *out, *err;

	HT_CTL(h, 0, &out, &err, "call", "kv/store",
	    "{\"op\":\"put\",\"k\":\"a\",\"v\":1}");
	assert_string_equal(out, "{\"ok\":true}\n");
	assert_string_equal(ht_read_file(h, ht_path(h, "kv.data")),
	    "{\"k\":\"a\",\"v\":1}\n");
	/* the writer frozen: the put's reply waits for it */
	HT_CTL(h, 0, &out, &err, "signal", "kv/writer", "STOP");
	HT_CTL(h, 1, &out, &err, "call", "kv/store",
	    "{\"op\":\"put\",\"k\":\"b\",\"v\":[2]}", "--timeout",
	    "300ms");
	HT_CONTAINS(err, "did not reply within 300 ms");
	HT_CTL(h, 0, &out, &err, "call", "kv/store",
	    "{\"op\":\"get\",\"k\":\"a\"}");
	assert_string_equal(out, "{\"v\":1}\n");
	HT_CTL(h, 0, &out, &err, "inspect", "kv/store");
	HT_CONTAINS(out, "waiting_puts: 1\n");
	HT_CTL(h, 0, &out, &err, "signal", "kv/writer", "CONT");
	wait_inspect(h, "kv/store", "waiting_puts: 0\n");
	/* restarted, the store has what reached the disk */
	kill_restarted(h, "kv/store");
	HT_CTL(h, 0, &out, &err, "call", "kv/store",
	    "{\"op\":\"get\",\"k\":\"b\"}");
	assert_string_equal(out, "{\"v\":[2]}\n");
	HT_CTL(h, 0, &out, &err, "inspect", "kv/store");
	HT_CONTAINS(out, "keys: 2\n");
	HT_CTL(h, 1, &out, &err, "call", "kv/store", "{\"op\":\"nope\"}");
	HT_CONTAINS(err, "expected {\"op\":\"get\"");
}

/* Wedges actor NAME's mailbox listener (nng bug #1518). With NAME stopped,
 * the connections are closed before its nng can accept them: its
 * handshake then fails with EPIPE, which wedges the listener every time
 * (unstopped, a busy machine let nng accept one first now and then). */
static void
wedge(struct ht *h, const char *name)
{
	unsigned long long pid, inc;
	char path[600];
	pid_t p = ht_pid(h, name);
	int i;

	assert_int_equal(sscanf(cJSON_GetObjectItem(actor_entry(h, name),
	    "id")->valuestring, "%llu.%llu", &pid, &inc), 2);
	snprintf(path, sizeof path, "%s/actors/%llu/m.sock", h->run, inc);
	assert_int_equal(kill(p, SIGSTOP), 0);
	for (i = 0; i < 3; i++)
		ht_connect_close(path);
	assert_int_equal(kill(p, SIGCONT), 0);
}

/*
 * nng 1.5.2's bug #1518 on an actor's mailbox: a connect and close before
 * the handshake wedges its listener, which then completes connections but
 * never hands them over. A sender's first contact (worker/actor-contact.c)
 * holds its messages until the receiver has the connection: the receiver
 * sees a knock without it, listens again, the sender dials again, and
 * every cast arrives, in order; a call from another new sender works too,
 * and so does a call from an actor whose own mailbox is wedged.
 */
static void
test_integ_actor_wedged_mailbox(void **state)
{
	struct ht *h = boot(state, TA("a", "") "," TA("b", "") "," TA("c",
	    ""));
	const char *out, *err;
	char path[600], want[256];
	cJSON *b;

	b = actor_entry(h, "b");
	wedge(h, "b");
	HT_CTL(h, 0, &out, &err, "call", "a", "{\"op\":\"send\",\"to\":"
	    "\"b\",\"n\":5}");
	assert_string_equal(out, "{\"sent\":5,\"rv\":\"success\"}\n");
	assert_non_null(ht_wait_file(h, ht_path(h, "b.log"), "cast 1\ncast 2\n"
	    "cast 3\ncast 4\ncast 5\n", HT_T));
	snprintf(path, sizeof path, "%s/b.stderr.log", h->log);
	if (ht_wait_file(h, path, "(nng bug #1518): listening again\n",
	    HT_T) == NULL)
		fail_msg("b never listened again; its stderr: %s; a's: %s",
		    ht_read_file(h, path), ht_read_file(h, ht_path(h,
		    "../log/a.stderr.log")));
	/* a caller whose own mailbox is wedged: the callee's answer is its
	 * first contact with it, and the caller listens again while it
	 * waits in its call */
	wedge(h, "c");
	HT_CTL(h, 0, &out, &err, "call", "c", ASK("b", "{\"op\":\"echo\","
	    "\"v\":1}", 8000));
	HT_CONTAINS(out, "\"reply\":{\"op\":\"echo\",\"v\":1}");
	snprintf(path, sizeof path, "%s/c.stderr.log", h->log);
	assert_non_null(ht_wait_file(h, path, "(nng bug #1518): listening "
	    "again\n", HT_T));
	/* the first sender's connection goes on */
	HT_CTL(h, 0, &out, &err, "call", "a", "{\"op\":\"send\",\"to\":"
	    "\"b\",\"n\":1}");
	snprintf(want, sizeof want, "cast 5\ncast 1\n");
	assert_non_null(ht_wait_file(h, ht_path(h, "b.log"), want, HT_T));
	assert_int_equal((int)ht_num(b, "pid"), ht_pid(h, "b"));
}

/* kill -9 of herdd: every actor dies with it, an idle one, one stuck in a
 * callback and a spawned instance of an actor type alike (no orphans). */
static void
test_integ_actor_herdd_killed_actors_die(void **state)
{
	static const char *const paths[] = { "a", "b", "t/x" };
	struct ht *h = boot(state, TA("a", "") "," TA("b", "") ","
	    "{'name':'t','type':'supervisor','strategy':'simple_one_for_one',"
	    "'children':[{'name':'c','type':'actor','command':['@ACTOR@',"
	    "'@TMP@/t.log']}]}");
	const char *out, *err;
	int fds[3], i;

	HT_CTL(h, 0, &out, &err, "spawn", "t", "--name", "x");
	HT_CTL(h, 0, &out, &err, "cast", "b", "{\"op\":\"stall\"}");
	assert_non_null(ht_wait_file(h, ht_path(h, "b.log"), "stall\n", HT_T));
	for (i = 0; i < 3; i++) {
		fds[i] = ht_pidfd(ht_pid(h, paths[i]));
		assert_true(fds[i] != -1);
	}
	ht_kill_herdd(h);
	for (i = 0; i < 3; i++) {
		if (!ht_wait_pidfd(fds[i], HT_T))
			fail_msg("%s outlived herdd", paths[i]);
		close(fds[i]);
	}
}

/* From init an actor may look a name up and cast to it: the cast goes
 * once the actor is registered; a call from init fails at once. */
static void
test_integ_actor_send_from_init(void **state)
{
	struct ht *h = boot(state, TA("a", "") ",{'name':'b','type':'actor',"
	    "'command':['@ACTOR@','@TMP@/b.log','send=a','call=a']}");

	assert_non_null(ht_wait_file(h, ht_path(h, "a.log"), "cast 0\n",
	    HT_T));
	/* a call from init is refused at once (nothing could answer it) */
	assert_non_null(ht_wait_file(h, ht_path(h, "b.log"), "init call "
	    "invalid argument", HT_T));
}

/* mailbox_bytes bounds what a sender may hold for an actor (A8): to a
 * stuck receiver of 64 KiB, a sender gets mailbox_full about 8 MiB
 * sooner than to one of the default 8 MiB. */
static void
test_integ_actor_mailbox_bytes(void **state)
{
	struct ht *h = boot(state, TA("a", "") "," TA("small",
	    "'mailbox_bytes':65536,") "," TA("big", ""));
	const char *out, *err;
	char stall[512];
	cJSON *r;
	int small, big;

	/* connected and welcomed first, then stuck */
	r = blast(h, "'to':'small','n':1,'size':64");
	assert_string_equal(cJSON_GetObjectItem(r, "rv")->valuestring,
	    "success");
	r = blast(h, "'to':'big','n':1,'size':64");
	wait_inspect(h, "small", "casts: 1\n");
	wait_inspect(h, "big", "casts: 1\n");
	snprintf(stall, sizeof stall, "{\"op\":\"stall\",\"until\":"
	    "\"%s\"}", ht_path(h, "go"));
	HT_CTL(h, 0, &out, &err, "cast", "small", stall);
	HT_CTL(h, 0, &out, &err, "cast", "big", stall);
	assert_non_null(ht_wait_file(h, ht_path(h, "small.log"), "stall\n",
	    HT_T));
	assert_non_null(ht_wait_file(h, ht_path(h, "big.log"), "stall\n",
	    HT_T));
	r = blast(h, "'to':'small','n':1000000,'size':4096");
	HT_CONTAINS(cJSON_GetObjectItem(r, "rv")->valuestring, "mailbox_full");
	small = (int)ht_num(r, "sent");
	r = blast(h, "'to':'big','n':1000000,'size':4096");
	HT_CONTAINS(cJSON_GetObjectItem(r, "rv")->valuestring, "mailbox_full");
	big = (int)ht_num(r, "sent");
	if (big - small < 1500)
		fail_msg("64 KiB took %d casts of 4 KiB, 8 MiB %d", small, big);
	assert_int_equal(ht_write_file(h, ht_path(h, "go"), ""), 0);
}

/*
 * While an actor waits in herd_call, what arrives is kept for after it
 * (A5), in order (A4): casts from another actor and herdctl's casts, sent
 * during the call and right after it, each arrive in the order sent, and
 * the actor runs on (a cast during a call once crashed it).
 */
static void
test_integ_actor_casts_during_a_call(void **state)
{
	struct ht *h = boot(state, TA("a", "") "," TA("b", "") "," TA("c",
	    ""));
	pid_t a = ht_pid(h, "a");
	const char *out, *err, *log;
	struct pending call;
	char body[512], want[64];
	cJSON *r;
	int i;

	snprintf(body, sizeof body, "{\"v\":1,\"id\":1,\"op\":\"call\","
	    "\"args\":{\"name\":\"a\",\"timeout_ms\":10000,\"msg\":"
	    "%s}}", ASK("b", "{\"op\":\"hang\"}", 800));
	pending_send(h, &call, body);
	assert_non_null(ht_wait_file(h, ht_path(h, "b.log"), "hang\n", HT_T));
	/* a waits in its call now */
	HT_CTL(h, 0, &out, &err, "call", "c", "{\"op\":\"send\",\"to\":"
	    "\"a\",\"n\":3}");
	for (i = 101; i <= 120; i++) {
		char args[128];
		snprintf(args, sizeof args, "{'name':'a','msg':{'op':'log',"
		    "'x':%d}}", i);
		ht_result(h, "cast", args);
	}
	r = pending_reply(&call);
	HT_CONTAINS(reply_text(h, r), "\"rv\":\"timeout");
	cJSON_Delete(r);
	for (i = 121; i <= 140; i++) {
		char args[128];
		snprintf(args, sizeof args, "{'name':'a','msg':{'op':'log',"
		    "'x':%d}}", i);
		ht_result(h, "cast", args);
	}
	/* c's come in order among themselves, whenever its first contact
	 * with a lets them go (nothing is promised across senders) */
	assert_non_null(ht_wait_file(h, ht_path(h, "a.log"), "cast 140\n",
	    HT_T));
	log = ht_wait_file(h, ht_path(h, "a.log"), "cast 1\ncast 2\ncast 3\n",
	    HT_T);
	assert_non_null(log);
	for (i = 101; i < 140; i++) {
		char x[32], y[32];
		snprintf(x, sizeof x, "cast %d\n", i);
		snprintf(y, sizeof y, "cast %d\n", i + 1);
		if (strstr(log, x) == NULL || strstr(log, y) == NULL ||
		    strstr(log, x) > strstr(log, y))
			fail_msg("herdctl's casts out of order at %d:\n%s", i,
			    log);
	}
	snprintf(want, sizeof want, "casts: %d\n", 3 + 40);
	wait_inspect(h, "a", want);
	assert_int_equal(ht_pid(h, "a"), a);
}

/*
 * System messages overtake a backlog (A6, A15): with 50 casts of 20 ms
 * each queued at b (one batch: they were sent in one callback), an
 * inspect is answered after a few of them, not after the second all of
 * them take, and the backlog is then handled in full.
 */
static void
test_integ_actor_inspect_overtakes_backlog(void **state)
{
	struct ht *h = boot(state, TA("a", "") "," TA("b", ""));
	const char *out, *err;
	long casts = -1;

	HT_CTL(h, 0, &out, &err, "call", "a", "{\"op\":\"naps\",\"to\":"
	    "\"b\",\"n\":50,\"ms\":20}");
	HT_CONTAINS(out, "\"rv\":\"success\"");
	/* b has the first of them (it has counted one) */
	wait_inspect(h, "b", "casts: ");
	HT_CTL(h, 0, &out, &err, "inspect", "b");
	assert_int_equal(sscanf(out, "casts: %ld", &casts), 1);
	if (casts >= 50)
		fail_msg("inspect waited for the whole backlog: %s", out);
	wait_inspect(h, "b", "casts: 50\n");
}

#define T(f) cmocka_unit_test_setup_teardown(f, ht_setup, ht_teardown)

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		T(test_integ_actor_registered_after_init),
		T(test_integ_actor_call_cast_inspect),
		T(test_integ_actor_bad_input),
		T(test_integ_actor_call_timeout_and_death),
		T(test_integ_actor_init_failure),
		T(test_integ_actor_exit_reasons),
		T(test_integ_actor_to_actor),
		T(test_integ_actor_call_between_actors),
		T(test_integ_actor_monitors),
		T(test_integ_actor_links),
		T(test_integ_actor_timers),
		T(test_integ_actor_names),
		T(test_integ_actor_watch_from_init),
		T(test_integ_actor_pair_example),
		T(test_integ_actor_liveness),
		T(test_integ_actor_readiness),
		T(test_integ_actor_spawn_by_name),
		T(test_integ_actor_mailbox_bounds),
		T(test_integ_actor_malformed_mail),
		T(test_integ_actor_kv_example),
		T(test_integ_actor_wedged_mailbox),
		T(test_integ_actor_herdd_killed_actors_die),
		T(test_integ_actor_send_from_init),
		T(test_integ_actor_mailbox_bytes),
		T(test_integ_actor_casts_during_a_call),
		T(test_integ_actor_inspect_overtakes_backlog),
	};

	return cmocka_run_group_tests_name("integ_actor", tests, NULL, NULL);
}
