/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the Check suites that drive built programs (tlsictl, openssl,
 * a shell): find the tlsictl binary, run a program with its stdout and
 * stderr captured, and fail the test (after killing the child) when it
 * does not finish in time. Header-only because each suite is one binary.
 *
 * The tlsictl binary is $TLSICTL, else userspace/tlsictl/tlsictl from the
 * current directory or from the test binary's ../../ (make userspace).
 */
#ifndef TLSI_TEST_CLI_HARNESS_H
#define TLSI_TEST_CLI_HARNESS_H

#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CLI_OUT_MAX (256 * 1024)
/* Generous: a key generation under valgrind or a loaded machine. */
#define CLI_TIMEOUT_MS 60000

struct cli_result {
	int code;		/* exit status, or -signal */
	char out[CLI_OUT_MAX];
	char err[CLI_OUT_MAX];
};

static char cli_tlsictl[PATH_MAX];

static void cli_find_tlsictl(void)
{
	const char *env = getenv("TLSICTL");
	char self[PATH_MAX - 64];
	ssize_t n;
	char *slash;

	if (env) {
		snprintf(cli_tlsictl, sizeof(cli_tlsictl), "%s", env);
	} else if (realpath("userspace/tlsictl/tlsictl", self) && access(self, X_OK) == 0) {
		snprintf(cli_tlsictl, sizeof(cli_tlsictl), "%s", self);
	} else if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash)
			*slash = '\0';
		snprintf(cli_tlsictl, sizeof(cli_tlsictl), "%.*s/../../userspace/tlsictl/tlsictl",
			 (int)(sizeof(self) - 1), self);
	}
}

/* Read both pipes to their end into res; kill pid if they stay silent. */
static void cli_drain(pid_t pid, int fo, int fe, struct cli_result *res)
{
	struct pollfd p[2] = { { .fd = fo, .events = POLLIN }, { .fd = fe, .events = POLLIN } };
	size_t lo = 0, le = 0;
	int open = 2;

	while (open) {
		int i;

		if (poll(p, 2, CLI_TIMEOUT_MS) <= 0) {
			kill(pid, SIGKILL);
			ck_abort_msg("command timed out after %d ms", CLI_TIMEOUT_MS);
		}
		for (i = 0; i < 2; i++) {
			char *b = i ? res->err : res->out;
			size_t *l = i ? &le : &lo;
			ssize_t n;

			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(p[i].fd, b + *l, CLI_OUT_MAX - 1 - *l);
			if (n <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
				open--;
				continue;
			}
			*l += (size_t)n;
		}
	}
	res->out[lo] = '\0';
	res->err[le] = '\0';
}

/*
 * Run path with argv (argv[0] included, NULL-terminated) in dir (NULL:
 * here), stdin from in_path (NULL: /dev/null). Returns the exit status,
 * or -signal.
 */
static int cli_spawn(const char *dir, const char *in_path, const char *path,
		     const char *const *argv, struct cli_result *res)
{
	int po[2], pe[2], status;
	pid_t pid;

	ck_assert_int_eq(pipe(po), 0);
	ck_assert_int_eq(pipe(pe), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int in = open(in_path ? in_path : "/dev/null", O_RDONLY);

		if (in < 0 || (dir && chdir(dir) < 0))
			_exit(126);
		dup2(in, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	cli_drain(pid, po[0], pe[0], res);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	res->code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
	return res->code;
}

/* tlsictl with args (NULL-terminated, without argv[0]). */
static inline int cli_tlsictl_run(const char *dir, const char *in_path, const char *const *args,
				  struct cli_result *res)
{
	const char *argv[64];
	int i;

	ck_assert_msg(access(cli_tlsictl, X_OK) == 0,
		      "no tlsictl binary at %s: run `make userspace' first", cli_tlsictl);
	argv[0] = cli_tlsictl;
	for (i = 0; args[i]; i++) {
		ck_assert_int_lt(i, 62);
		argv[i + 1] = args[i];
	}
	argv[i + 1] = NULL;
	return cli_spawn(dir, in_path, cli_tlsictl, argv, res);
}

#endif
