// SPDX-License-Identifier: GPL-2.0
/*
 * tlsictl [-c] -f FILE: apply a configuration file as a whole.
 *
 * 1. Read the file; check every line as its command would (dry run: each
 *    subcommand parses and builds its request, nothing is sent); check that
 *    the lines form a configuration (known commands, each object once).
 *    With -c, stop here.
 * 2. Take the running configuration (what `tlsictl save' prints) and
 *    compute the commands that make it the file's (confdiff.c): only what
 *    differs is removed, added or changed.
 * 3. Run them. If the kernel refuses one, compute the commands that make
 *    the configuration the one taken in 2 again and run those (rollback),
 *    then report the refused line.
 *
 * A change to a locked object (`locked on' in the running configuration) is
 * refused in step 2 unless tlsictl runs with --unlock, which every command
 * then carries.
 *
 * Each command is atomic in the kernel, the whole is not: see
 * Documentation/tlsictl.md, "Configuration files".
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tlsictl.h"
#include "conffile.h"
#include "confdiff.h"

/* Run one command line in this process; its exit status. */
static int run_line(int argc, char **argv, const char *where, bool dry)
{
	const struct command *c = find_object(argv[0]);
	jmp_buf env, *saved = cmd_abort;
	volatile int rc;
	int jumped;

	if (!c)
		return EXIT_USAGE;
	ctx_where = where;
	ctl_dry_run = dry;
	cmd_abort = &env;
	jumped = setjmp(env);
	if (jumped)
		rc = jumped;
	else
		rc = c->fn(argc, argv);
	cmd_abort = saved;
	ctl_dry_run = false;
	ctx_where = NULL;
	set_context(NULL, NULL);
	return rc;
}

/* Standard output to /dev/null while the dry run runs (rules check). */
static int quiet_begin(void)
{
	int saved, null;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved < 0 || null < 0 || dup2(null, STDOUT_FILENO) < 0) {
		if (saved >= 0)
			close(saved);
		if (null >= 0)
			close(null);
		return -1;
	}
	close(null);
	return saved;
}

static void quiet_end(int saved)
{
	if (saved < 0)
		return;
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
}

/* Every line as its command checks it; 0 or the first failure's status. */
static int check_lines(const char *path, const struct conf_file *cf)
{
	char where[4200];
	size_t i;
	int saved = quiet_begin(), rc = EXIT_OK;

	for (i = 0; i < cf->n && !rc; i++) {
		const struct conf_line *l = &cf->lines[i];
		char **argv = l->argv;
		char *check_argv[CONF_ARGS_MAX + 1];

		snprintf(where, sizeof(where), "%s:%u", path, l->lineno);
		if (!conf_type_find(conf_types, l->argc, argv)) {
			/* reported by conf_diff with the same line */
			continue;
		}
		if (!strcmp(argv[0], "rules") && !strcmp(argv[1], "load")) {
			/* compile without loading */
			memcpy(check_argv, argv, ((size_t)l->argc + 1) * sizeof(*argv));
			check_argv[1] = "check";
			argv = check_argv;
		}
		rc = run_line(l->argc, argv, where, true);
	}
	quiet_end(saved);
	return rc;
}

/* The running configuration, read back as a configuration file. */
static int running_config(struct conf_file *cf)
{
	unsigned int errline;
	char err[256], *text = NULL;
	size_t len = 0, cap = 0;
	int fd[2], status;
	FILE *f;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	if (pipe(fd) < 0) {
		errmsg("pipe: %s", strerror(errno));
		return EXIT_ERROR;
	}
	pid = fork();
	if (pid < 0) {
		errmsg("fork: %s", strerror(errno));
		close(fd[0]);
		close(fd[1]);
		return EXIT_ERROR;
	}
	if (!pid) {
		close(fd[0]);
		if (dup2(fd[1], STDOUT_FILENO) < 0)
			_exit(EXIT_ERROR);
		close(fd[1]);
		cmd_abort = NULL;
		status = save_all();
		fflush(stdout);
		_exit(status);
	}
	close(fd[1]);
	for (;;) {
		ssize_t n;

		if (len + 65536 > cap) {
			char *nt = realloc(text, cap = cap * 2 + 65536);

			if (!nt) {
				free(text);
				close(fd[0]);
				waitpid(pid, &status, 0);
				errmsg("out of memory");
				return EXIT_ERROR;
			}
			text = nt;
		}
		n = read(fd[0], text + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		free(text);
		return EXIT_ERROR;	/* the child said why */
	}
	if (!len) {
		free(text);
		memset(cf, 0, sizeof(*cf));
		return EXIT_OK;
	}
	f = fmemopen(text, len, "r");
	if (!f) {
		free(text);
		errmsg("cannot read the running configuration");
		return EXIT_ERROR;
	}
	if (conf_read(f, cf, &errline, err, sizeof(err))) {
		errmsg("the running configuration, line %u: %s", errline, err);
		fclose(f);
		free(text);
		return EXIT_ERROR;
	}
	fclose(f);
	free(text);
	return EXIT_OK;
}

/* Run ops[0..]; the index of the first that failed, or ops->n. */
static size_t run_ops(const char *path, const struct conf_ops *ops, int *rc)
{
	char where[4200];
	size_t i;

	*rc = EXIT_OK;
	for (i = 0; i < ops->n; i++) {
		const struct conf_op *op = &ops->v[i];

		if (op->lineno)
			snprintf(where, sizeof(where), "%s:%u", path, op->lineno);
		else
			snprintf(where, sizeof(where), "%s: removing %s %s", path,
				 op->argv[0], op->argc > 2 ? op->argv[2] : "");
		if (!strcmp(op->argv[0], "rules") && !strcmp(op->argv[1], "load")) {
			/* the rules are reloaded only if they changed */
			char *argv[CONF_ARGS_MAX + 2];

			argv[0] = op->argv[0];
			argv[1] = op->argv[1];
			argv[2] = "--if-changed";
			memcpy(argv + 3, op->argv + 2, (size_t)(op->argc - 1) * sizeof(*argv));
			*rc = run_line(op->argc + 1, argv, where, false);
		} else {
			*rc = run_line(op->argc, op->argv, where, false);
		}
		if (*rc)
			return i;
	}
	return i;
}

/* Make the running configuration `snap' again; 0 if it is. */
static int rollback(const struct conf_file *snap)
{
	struct conf_file now;
	struct conf_ops ops;
	unsigned int errline;
	char err[512];
	size_t done;
	int rc;

	if (running_config(&now))
		return EXIT_ERROR;
	if (conf_diff(conf_types, &now, snap, &ops, &errline, err, sizeof(err))) {
		conf_free(&now);
		errmsg("rollback: %s", err);
		return EXIT_ERROR;
	}
	conf_free(&now);
	done = run_ops("rollback", &ops, &rc);
	if (rc)
		errmsg("rollback failed at `%s %s': the configuration is partly "
		       "the file's", ops.v[done].argv[0], ops.v[done].argv[1]);
	conf_ops_free(&ops);
	return rc;
}

static int read_file(const char *path, struct conf_file *cf)
{
	unsigned int errline;
	char err[512];
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	int rc;

	if (!f) {
		errmsg("%s: %s", path, strerror(errno));
		return EXIT_ERROR;
	}
	rc = conf_read(f, cf, &errline, err, sizeof(err));
	if (f != stdin)
		fclose(f);
	if (rc) {
		if (errline)
			errmsg("%s:%u: %s", path, errline, err);
		else
			errmsg("%s: %s", path, err);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

#define CONFIG_LOCK_DIR	"/run/tlsi"
#define CONFIG_LOCK	CONFIG_LOCK_DIR "/config.lock"

/*
 * Two `-f' at once would each compute their difference from a running
 * configuration the other is changing: they take turns. -1 if no lock
 * could be had (then it goes on without: a warning).
 */
static int config_lock(void)
{
	int fd;

	mkdir(CONFIG_LOCK_DIR, 0755);
	fd = open(CONFIG_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		errmsg("warning: cannot lock %s: %s", CONFIG_LOCK, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int apply_main(const char *path, bool check_only)
{
	int lock = -1;
	struct conf_file want, have = { 0 }, empty = { 0 };
	struct conf_ops ops;
	unsigned int errline;
	char err[512];
	size_t done;
	int rc;

	set_context(NULL, NULL);
	rc = read_file(path, &want);
	if (rc)
		return rc;
	rc = check_lines(path, &want);
	if (rc)
		goto out;
	/* the lines form a configuration? (against nothing running) */
	if (conf_diff(conf_types, &empty, &want, &ops, &errline, err, sizeof(err))) {
		if (errline)
			errmsg("%s:%u: %s", path, errline, err);
		else
			errmsg("%s: %s", path, err);
		rc = errline ? EXIT_USAGE : EXIT_ERROR;
		goto out;
	}
	conf_ops_free(&ops);
	if (check_only) {
		printf("%s: %zu lines, no errors\n", path, want.n);
		goto out;
	}
	lock = config_lock();
	rc = running_config(&have);
	if (rc)
		goto out;
	if (conf_diff(conf_types, &have, &want, &ops, &errline, err, sizeof(err))) {
		errmsg("%s: %s", errline ? path : "the running configuration", err);
		rc = EXIT_ERROR;
		goto out;
	}
	/* Refused before anything runs (the kernel would refuse it too, and
	 * what ran before it would have to be rolled back). */
	if (!opt_unlock &&
	    conf_locked_op(conf_types, &have, &want, &ops, &errline, err, sizeof(err)) >= 0) {
		if (errline)
			errmsg("%s:%u: %s", path, errline, err);
		else
			errmsg("%s: %s", path, err);
		errmsg("%s: nothing applied", path);
		conf_ops_free(&ops);
		rc = EXIT_ERROR;
		goto out;
	}
	done = run_ops(path, &ops, &rc);
	if (rc) {
		int rb = done ? rollback(&have) : EXIT_OK;

		errmsg("%s: nothing applied%s", path, rb ? " (but the rollback "
		       "failed, see above)" : "");
		conf_ops_free(&ops);
		goto out;
	}
	printf("%s: applied: %zu added, %zu changed, %zu removed\n", path,
	       ops.added, ops.changed, ops.removed);
	conf_ops_free(&ops);
out:
	if (lock >= 0)
		close(lock);
	conf_free(&want);
	conf_free(&have);
	return rc;
}
