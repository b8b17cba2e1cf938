// SPDX-License-Identifier: GPL-2.0
/*
 * Least privilege: once tlsid has set itself up (listeners bound with
 * IP_TRANSPARENT, /dev/tlsi and the logs open, keys read), it parses
 * ClientHellos and certificates from anyone with what is left:
 *
 *   - a user of its own (--user NAME; by default `tlsid' when that user
 *     exists, else it stays uid 0), with no supplementary groups;
 *   - the capabilities of keep_caps() only, in the effective, permitted and
 *     bounding sets (none inheritable or ambient), with the securebits
 *     locked so that no setuid or execve gives any back;
 *   - no_new_privs;
 *   - a seccomp filter (libseccomp) that allows the system calls tlsid
 *     makes and kills the whole process on any other (--seccomp kill, the
 *     default; `log' allows and logs them instead, for finding what a
 *     change needs; `off' has none).
 *
 * The capabilities kept, and why (Documentation/tlsid.md, "Privileges"):
 *   CAP_NET_ADMIN        IP_TRANSPARENT on each upstream socket (it binds
 *                        to the client's address); /dev/tlsi's ioctls and
 *                        the tlsi genetlink commands (quarantine, divert-port
 *                        0 at exit), which check it at call time; removing
 *                        the policy routing at exit
 *   CAP_NET_BIND_SERVICE the upstream socket binds to the client's port,
 *                        which may be below 1024
 *   CAP_DAC_READ_SEARCH  only for a user other than root with --cert-repo:
 *                        the repository's keys (root's, mode 0600) are read
 *                        again when they change
 *
 * Everything here runs on the main thread before the workers start: they
 * inherit it (capabilities are per thread; the filter is synchronised to
 * every thread anyway).
 */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "tlsid.h"

#define TLSID_DEFAULT_USER	"tlsid"
/* The key ring and OpenSSL's secure heap are mlock()ed, also after the
 * capabilities are gone (a reloaded key ring). */
#define MEMLOCK_MIN		(64UL << 20)

static uid_t run_uid;
static gid_t run_gid;
static bool switch_user;
static char run_user[64];

/*
 * Before any setup: who tlsid will run as. --user must name a user that
 * exists; without it, `tlsid' if it exists, else root (capabilities are
 * dropped either way).
 */
int tlsid_sandbox_prepare(const struct tlsid_config *c)
{
	const char *name = c->user ? c->user : TLSID_DEFAULT_USER;
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(name);
	if (!pw) {
		if (c->user) {
			bool missing = !errno || errno == ENOENT || errno == ESRCH ||
				       errno == EBADF || errno == EPERM;

			tlsid_log_error("--user `%s': %s", name,
					missing ? "no such user" : strerror(errno));
			return -1;
		}
		snprintf(run_user, sizeof(run_user), "root");
		return 0;
	}
	run_uid = pw->pw_uid;
	run_gid = pw->pw_gid;
	switch_user = run_uid != 0;
	snprintf(run_user, sizeof(run_user), "%s", pw->pw_name);
	if (switch_user && geteuid() != 0) {
		tlsid_log_error("--user `%s': tlsid must start as root to become another user", name);
		return -1;
	}
	return 0;
}

static uint64_t keep_caps(const struct tlsid_config *c)
{
	uint64_t k = 1ULL << CAP_NET_ADMIN | 1ULL << CAP_NET_BIND_SERVICE;

	if (switch_user && c->cert_repo)
		k |= 1ULL << CAP_DAC_READ_SEARCH;
	return k;
}

static int cap_last(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int last = CAP_LAST_CAP;

	if (f) {
		if (fscanf(f, "%d", &last) != 1 || last < 0 || last > 63)
			last = CAP_LAST_CAP;
		fclose(f);
	}
	return last;
}

static int set_caps(uint64_t eff_prm)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { { 0 } };

	d[0].effective = d[0].permitted = (uint32_t)eff_prm;
	d[1].effective = d[1].permitted = (uint32_t)(eff_prm >> 32);
	return (int)syscall(SYS_capset, &h, d);
}

static int drop_privileges(const struct tlsid_config *c)
{
	uint64_t keep = keep_caps(c);
	int cap, last = cap_last();
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_max != RLIM_INFINITY &&
	    rl.rlim_max < MEMLOCK_MIN) {
		rl.rlim_cur = rl.rlim_max = MEMLOCK_MIN;
		if (setrlimit(RLIMIT_MEMLOCK, &rl) < 0)
			tlsid_log_perror("raising RLIMIT_MEMLOCK (the key ring may be left unlocked)");
	}
	/* Needs CAP_SETPCAP: before it goes. */
	for (cap = 0; cap <= last; cap++) {
		if (keep & 1ULL << cap)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) {
			tlsid_log_perror("dropping capability %d from the bounding set", cap);
			return -1;
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
		tlsid_log_perror("clearing the ambient capabilities");
		return -1;
	}
	/* Root is no one special from here on: not at execve, not at setuid. */
	if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
		  SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
		  SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
		  SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED, 0, 0, 0) < 0) {
		tlsid_log_perror("securebits");
		return -1;
	}
	/* Supplementary groups open files too: none, whoever tlsid runs as. */
	if (setgroups(0, NULL) < 0) {
		tlsid_log_perror("setgroups");
		return -1;
	}
	if (switch_user) {
		/* SECBIT_NO_SETUID_FIXUP: the permitted set survives the change. */
		if (setresgid(run_gid, run_gid, run_gid) < 0 ||
		    setresuid(run_uid, run_uid, run_uid) < 0) {
			tlsid_log_perror("becoming user `%s'", run_user);
			return -1;
		}
	}
	if (set_caps(keep) < 0) {
		tlsid_log_perror("capset");
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		tlsid_log_perror("no_new_privs");
		return -1;
	}
	return 0;
}

/*
 * What tlsid calls once set up: glibc, OpenSSL, the workers (threads,
 * epoll, sockets), the logs (syslog over a unix socket), the certificate
 * registry (reads, and the keystore's writes and renames), the rules image,
 * the genetlink socket (ips.c) and the policy routing's removal at exit.
 */
static const char *const allowed[] = {
	/* memory, threads, time, signals, exit */
	"brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "mlock", "munlock",
	"futex", "set_robust_list", "rseq", "sched_yield", "sched_getaffinity",
	"membarrier", "gettid", "getpid", "getppid", "tgkill",
	"clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday",
	"time", "rt_sigprocmask", "rt_sigaction", "rt_sigreturn", "sigaltstack",
	"restart_syscall", "exit", "exit_group", "getrandom",
	"getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "uname",
	"getrlimit", "prlimit64", "sysinfo",
	/* descriptors and files */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "close", "lseek",
	"openat", "open", "fstat", "newfstatat", "stat", "lstat", "statx", "fstatfs",
	"access", "faccessat", "faccessat2", "readlink", "readlinkat", "getdents64",
	"fcntl", "flock", "dup", "dup3", "fsync", "fdatasync", "ftruncate",
	"rename", "renameat", "renameat2", "unlink", "unlinkat", "mkdir", "mkdirat",
	"rmdir", "fchmod", "chmod", "fchmodat", "umask", "utimensat",
	/* the event loops */
	"epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "poll", "ppoll",
	"eventfd2", "pipe2",
	/* sockets (socket() itself: below) */
	"connect", "accept4", "bind", "listen", "shutdown", "setsockopt", "getsockopt",
	"getsockname", "getpeername", "sendto", "sendmsg", "sendmmsg", "recvfrom",
	"recvmsg", "recvmmsg", "sendfile", "splice",
};

static int add_rule(scmp_filter_ctx ctx, const char *name, unsigned int n,
		    const struct scmp_arg_cmp *args)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR)
		return 0;	/* not on this architecture */
	if (seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, n, args) < 0) {
		tlsid_log_error("seccomp: cannot allow %s", name);
		return -1;
	}
	return 0;
}

static int seccomp_apply(enum tlsid_seccomp_mode mode)
{
	static const int domains[] = { AF_INET, AF_INET6, AF_UNIX, AF_NETLINK };
	static const unsigned long ioctls[] = {
		TLSI_IOC_HANDOFF, TLSI_IOC_REPORT, TLSI_IOC_SESSION_INFO, TCGETS,
	};
	scmp_filter_ctx ctx;
	size_t i;
	int rc = -1;

	if (mode == TLSID_SECCOMP_OFF)
		return 0;
	errno = 0;
	ctx = seccomp_init(mode == TLSID_SECCOMP_LOG ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS);
	if (!ctx) {
		tlsid_log_error("seccomp_init failed");
		return -1;
	}
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) < 0)
		goto out;
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (add_rule(ctx, allowed[i], 0, NULL))
			goto out;
	for (i = 0; i < sizeof(domains) / sizeof(domains[0]); i++) {
		struct scmp_arg_cmp a = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)domains[i]);

		if (add_rule(ctx, "socket", 1, &a))
			goto out;
	}
	for (i = 0; i < sizeof(ioctls) / sizeof(ioctls[0]); i++) {
		struct scmp_arg_cmp a = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu,
						(scmp_datum_t)ioctls[i]);

		if (add_rule(ctx, "ioctl", 1, &a))
			goto out;
	}
	/* Threads only: clone with CLONE_THREAD; clone3's flags are out of
	 * reach of a filter, and glibc falls back to clone on ENOSYS. */
	{
		struct scmp_arg_cmp a = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD);
		int nr = seccomp_syscall_resolve_name("clone3");

		if (add_rule(ctx, "clone", 1, &a))
			goto out;
		if (nr != __NR_SCMP_ERROR &&
		    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0) < 0)
			goto out;
	}
	rc = seccomp_load(ctx);
	if (rc < 0) {
		errno = -rc;
		tlsid_log_perror("seccomp_load");
		rc = -1;
	}
out:
	if (rc < 0 && errno == 0)
		tlsid_log_error("seccomp: building the filter failed");
	seccomp_release(ctx);
	return rc;
}

int tlsid_sandbox_enter(const struct tlsid_config *c)
{
	if (drop_privileges(c) || seccomp_apply(c->seccomp))
		return -1;
	tlsid_log_info("sandbox: user %s, capabilities %s%s, seccomp %s", run_user,
		       "cap_net_admin,cap_net_bind_service",
		       keep_caps(c) & 1ULL << CAP_DAC_READ_SEARCH ? ",cap_dac_read_search" : "",
		       c->seccomp == TLSID_SECCOMP_KILL ? "kill" :
		       c->seccomp == TLSID_SECCOMP_LOG ? "log" : "off");
	return 0;
}
