/* herdd: reads the config, takes the run_dir lock, opens the sockets, boots
 * the supervision tree and runs the event loop until the tree has ended. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <nng/nng.h>

#include "events.h"
#include "guard.h"
#include "herdd.h"
#include "http.h"
#include "lock.h"
#include "mailbox.h"
#include "log.h"
#include "node.h"
#include "output.h"
#include "pidmap.h"
#include "safedir.h"
#include "sdnotify.h"
#include "util.h"

#define EVENT_RING 4096

extern char **environ;

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: herdd [-c FILE] [--run-dir DIR] [--log-dir DIR] [--check] "
	    "[-v] [--version]\n"
	    "\n"
	    "Runs the supervision tree described by FILE (default "
	    "/etc/herd/herd.json)\n"
	    "in the foreground; stops it on SIGTERM or SIGINT.\n"
	    "\n"
	    "  -c, --config FILE  the config file\n"
	    "      --run-dir DIR  use DIR as run_dir, whatever the config says\n"
	    "      --log-dir DIR  use DIR as log_dir, whatever the config says\n"
	    "      --check        validate FILE, print every error, exit 0 or 1;\n"
	    "                     warn of commands not found in PATH\n"
	    "  -v, --verbose      log every lifecycle event\n"
	    "      --version      print the version\n"
	    "  -h, --help         this help\n"
	    "\n"
	    "Exit status: 0 after a shutdown, 1 when the config is bad, the\n"
	    "tree could not boot, or the root supervisor gave up.\n");
}

/* The path that names directory fd FD itself (/proc/self/fd/FD), for
 * binding sockets by path in a directory checked at start; PATH when
 * /proc is not there. Caller frees. */
static char *
fd_path(int fd, const char *path)
{
	char *p = xprintf("/proc/self/fd/%d", fd);
	struct stat a, b;

	if (stat(p, &a) == 0 && fstat(fd, &b) == 0 && a.st_ino == b.st_ino &&
	    a.st_dev == b.st_dev)
		return p;
	free(p);
	return xstrdup(path);
}

/* Raises the file limit as far as allowed: herdd holds a few fds per
 * child. Children get the limit herdd started with. */
static void
raise_nofile(struct herdd *h)
{
	struct rlimit rl;
	FILE *f;
	long nr_open = 0;

	h->nofile_soft = -1;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	h->nofile_soft = (long)rl.rlim_cur;
	f = fopen("/proc/sys/fs/nr_open", "r");
	if (f != NULL) {
		if (fscanf(f, "%ld", &nr_open) != 1)
			nr_open = 0;
		fclose(f);
	}
	if (nr_open > 0 && (rlim_t)nr_open > rl.rlim_max) {
		struct rlimit up = { (rlim_t)nr_open, (rlim_t)nr_open };
		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			return;
	}
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

static void
sigchld_cb(evutil_socket_t sig, short what, void *arg)
{
	driver_reap(arg);
}

static void
sigterm_cb(evutil_socket_t sig, short what, void *arg)
{
	struct herdd *h = arg;

	if (!h->engine.shutting_down) {
		log_info("signal %d: shutting down", (int)sig);
		engine_shutdown(&h->engine);
		return;
	}
	/* A second signal: stop waiting for shutdown timeouts. */
	log_info("signal %d again: killing what is left", (int)sig);
	h->root->sup->brutal = 1;
	tree_walk(h->root, engine_kill_if_stopping, &h->engine);
}

static void
sighup_cb(evutil_socket_t sig, short what, void *arg)
{
	reload_signal(arg);
}

static void
release_all(struct child *c, void *arg)
{
	driver_ops.release(arg, c);
}

/*
 * --check: a command that PATH (the child's env's, else herdd's) does not
 * have would fail at boot; said as a warning, since PATH may differ when
 * herdd runs (under systemd, say). A pool's template is checked as its
 * instances would run it.
 */
static void
check_commands(const struct conf_sup *s, const char *prefix)
{
	char exe[4096], path[4200];
	const struct conf_child *c;
	const char *env_path;
	size_t i, k;

	for (i = 0; i < s->nchildren; i++) {
		c = s->children[i];
		snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "/" :
		    "", c->name);
		if (c->sup != NULL) {
			check_commands(c->sup, path);
			continue;
		}
		/* a relative path with a '/' depends on the cwd it runs in */
		if (c->argv == NULL || c->argv[0] == NULL ||
		    (strchr(c->argv[0], '/') != NULL && c->argv[0][0] != '/'))
			continue;
		env_path = getenv("PATH");
		for (k = 0; c->env != NULL && c->env[k] != NULL; k++)
			if (strncmp(c->env[k], "PATH=", 5) == 0)
				env_path = c->env[k] + 5;
		if (spawn_resolve(c->argv[0], env_path, exe, sizeof exe) == -1)
			fprintf(stderr, "herdd: warning: %s: command \"%s\" not "
			    "found%s; it fails to start unless it is there when "
			    "herdd runs\n", path, c->argv[0],
			    c->argv[0][0] == '/' ? "" : " in PATH");
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'C' },
		{ "run-dir", required_argument, NULL, 'R' },
		{ "log-dir", required_argument, NULL, 'L' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = "/etc/herd/herd.json", *run_dir = NULL;
	const char *log_dir = NULL;
	struct conf_errors errs = { 0 };
	struct event *sigs[4];
	struct pidmap pids = { 0 };
	struct herdd h;
	char cause[1024];
	int ch, check = 0, verbose = 0, lockfd, i;
	size_t k;

	while ((ch = getopt_long(argc, argv, "c:vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'C':
			check = 1;
			break;
		case 'R':
			run_dir = optarg;
			break;
		case 'L':
			log_dir = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'V':
			printf("herdd %s\n", HERD_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init(verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);

	memset(&h, 0, sizeof h);
	if (conf_load(path, &h.conf, &errs) == -1) {
		for (k = 0; k < errs.n; k++)
			fprintf(stderr, "%s\n", errs.msgs[k]);
		fprintf(stderr, "herdd: %zu error%s in %s\n", errs.n,
		    errs.n == 1 ? "" : "s", path);
		conf_errors_clear(&errs);
		return 1;
	}
	if (h.conf->path != NULL && h.conf->path[0] != '/') {
		/* absolute: in status, diff, reload and logs alike (issue
		 * 12, item 20), and still right if the cwd changes */
		char *abs = realpath(h.conf->path, NULL);
		if (abs != NULL) {
			free(h.conf->path);
			h.conf->path = abs;
		}
	}
	h.verbose = verbose;
	h.run_dir_arg = run_dir;
	h.log_dir_arg = log_dir;
	conf_override_dirs(h.conf, run_dir, log_dir);
	if (!verbose)
		log_set_level((enum log_level)h.conf->log_level);
	if (check) {
		check_commands(&h.conf->root, "");
		printf("%s: ok\n", path);
		conf_free(h.conf);
		return 0;
	}

	signal(SIGPIPE, SIG_IGN);
	/* herdd's own files get explicit modes; children get the umask
	 * herdd started with, or their own */
	h.umask_start = (int)umask(077);
	spawn_init(); /* first: its slots must be among the lowest fds */
	if ((h.run_dirfd = safedir_open("run_dir", h.conf->run_dir, 0750,
	    cause, sizeof cause)) == -1)
		fatalx("%s", cause);
	/* the socket group must be able to enter run_dir */
	h.run_dir_mode = 0750;
	if ((h.conf->control.has_group &&
	    fchown(h.run_dirfd, (uid_t)-1, h.conf->control.gid) == -1) ||
	    fchmod(h.run_dirfd, 0750) == -1)
		fatal("cannot give run_dir %s to the control group",
		    h.conf->run_dir);
	if ((lockfd = lock_take(h.run_dirfd, h.conf->run_dir, cause,
	    sizeof cause)) == -1)
		fatalx("%s", cause);
	if ((h.log_dirfd = safedir_open("log_dir", h.conf->log_dir, 0750,
	    cause, sizeof cause)) == -1)
		fatalx("%s", cause);
	/* children of other users reach their own sockets in it (0711) */
	h.notify_dir = xprintf("%s/notify", h.conf->run_dir);
	if ((h.notify_dirfd = safedir_sub(h.run_dirfd, "notify", 0711, cause,
	    sizeof cause)) == -1)
		fatalx("run_dir %s: %s", h.conf->run_dir, cause);
	h.run_bind = fd_path(h.run_dirfd, h.conf->run_dir);
	h.notify_bind = fd_path(h.notify_dirfd, h.notify_dir);
	/* actors' mailboxes, a directory each, made at each start */
	if ((h.actors_dirfd = safedir_sub(h.run_dirfd, "actors", 0711, cause,
	    sizeof cause)) == -1)
		fatalx("run_dir %s: %s", h.conf->run_dir, cause);
	mailbox_sweep(&h);
	raise_nofile(&h);

	h.base = event_base_new();
	if (h.base == NULL)
		fatalx("event_base_new failed");
	/* before anything starts: a previous herdd's leftovers die here */
	if (cgroup_start(h.base, h.run_bind, lockfd, cause, sizeof cause) ==
	    -1)
		log_warnx("no cgroup for each child (%s): what leaves its "
		    "child's process group is not stopped with it", cause);
	else
		log_info("each child in a cgroup of its own, under %s "
		    "(guardian pid %d)", cgroup_dir(), (int)cgroup_guardian());
	if (cgroup_fits(&h.conf->root, "", cause, sizeof cause) == -1) {
		/* valid, but not on this machine: as a config error */
		fprintf(stderr, "%s: %s\nherdd: 1 error in %s\n", path, cause,
		    path);
		cgroup_stop();
		return 1;
	}
	h.sd = sdnotify_create(h.base, &h); /* before environ is taken */
	h.pids = &pids;
	h.environ_base = environ;
	h.started_ms = mono_ms();
	h.root = tree_create(h.conf);
	engine_init(&h.engine, &driver_ops, &h, h.root);

	sigs[0] = evsignal_new(h.base, SIGCHLD, sigchld_cb, &h);
	sigs[1] = evsignal_new(h.base, SIGTERM, sigterm_cb, &h);
	sigs[2] = evsignal_new(h.base, SIGINT, sigterm_cb, &h);
	sigs[3] = evsignal_new(h.base, SIGHUP, sighup_cb, &h);
	for (i = 0; i < 4; i++)
		event_add(sigs[i], NULL);

	h.guard = guard_create(h.base);
	h.events = events_create(h.guard, h.run_bind,
	    h.conf->control.event_ring ? h.conf->control.event_ring :
	    EVENT_RING, CONTROL_SOCKET_MODE, control_socket_gid(&h), cause,
	    sizeof cause);
	if (h.events == NULL)
		fatalx("%s", cause);
	h.node = node_create(&h);
	h.control = control_create(&h, cause, sizeof cause);
	if (h.control == NULL)
		fatalx("%s", cause);
	h.http = http_create(&h, cause, sizeof cause);
	if (h.http == NULL && cause[0] != '\0')
		fatalx("%s", cause);
	herdd_observe(&h, control_on_event, h.control);
	herdd_observe(&h, reload_observe, &h);
	herdd_observe(&h, node_observe, h.node);

	log_info("herdd %s starting (pid %d, config %s, run_dir %s)",
	    HERD_VERSION, (int)getpid(), path, h.conf->run_dir);
	driver_check_limits(&h);
	driver_run_dir_access(&h);
	engine_boot(&h.engine);
	if (!h.finished)
		event_base_dispatch(h.base);

	/* Every child has been reaped: the tree ends only then, and what
	 * outlived a child in its cgroup goes before its pipes are read out
	 * (it could keep one full) */
	cgroup_stop();
	output_close_all();
	if (h.exit_code != 0)
		log_warnx("exiting: %s", h.exit_why);
	else
		log_info("exiting: %s", h.exit_why);
	h.nobservers = 0; /* they go now; the tree's release tells nobody */
	node_destroy(h.node);
	h.node = NULL;
	http_destroy(h.http); /* before control: its requests wait there */
	control_destroy(h.control);
	events_destroy(h.events);
	guard_destroy(h.guard);
	sdnotify_destroy(h.sd);
	release_all(h.root, &h);
	tree_walk(h.root, release_all, &h);
	tree_destroy(h.root);
	ended_free_all(&h);
	for (i = 0; i < 4; i++)
		event_free(sigs[i]);
	if (h.reap_ev != NULL)
		event_free(h.reap_ev);
	event_base_free(h.base);
	pidmap_free(&pids);
	/* every child is gone: its notify sockets and mailboxes with it, so
	 * their directories go too (if empty), while herdd still holds the
	 * lock: a next herdd makes its own. The lock file stays: unlinking it
	 * would let two herdds lock two files of one name (docs/semantics.md) */
	if (unlinkat(h.run_dirfd, "notify", AT_REMOVEDIR) == -1 &&
	    errno != ENOENT)
		log_debug("run_dir/notify stays: %s", strerror(errno));
	if (unlinkat(h.run_dirfd, "actors", AT_REMOVEDIR) == -1 &&
	    errno != ENOENT)
		log_debug("run_dir/actors stays: %s", strerror(errno));
	lock_release(lockfd, h.conf->run_dir);
	close(h.notify_dirfd);
	close(h.actors_dirfd);
	close(h.log_dirfd);
	close(h.run_dirfd);
	free(h.notify_dir);
	free(h.run_bind);
	free(h.notify_bind);
	conf_free(h.conf);
	nng_fini(); /* joins nng's threads: nothing of herdd's outlives main */
	return h.exit_code;
}
