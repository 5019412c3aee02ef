/*
 * The sandbox child, from clone() to execve(), as an ordered list of steps.
 *
 * Phase 1 (prepare) runs as soon as the monitor has written the id maps: build the root, join
 * the cgroups, give up every privilege, load the seccomp filter and hand its listener over, then
 * say READY. Phase 2 (run) waits for the run message, so a prepared child can sit in a warm pool
 * until a call arrives; it then sets the call's limits, becomes init (pid 1) and forks the tool,
 * which inherits the empty capability sets, no_new_privs and the filter, and only has its stdio,
 * session and working directory left to set before execve.
 */
#include "child_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <linux/filter.h>
#include <pthread.h>
#include <sys/capability.h>
#include <signal.h>
#include <string.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Static, not stack: the run message holds argv and env (up to ARG_MAX) and the child has no
 * allocator. Each child is a copy-on-write copy, so sharing the symbol is harmless. */
static uint8_t run_message[4u << 20];
#define MAX_ARGS 65536
static char *run_argv[MAX_ARGS + 1];
static char *run_envp[MAX_ARGS + 1];

struct run_plan {
    uint64_t rlimits[CSB_RLIMIT_COUNT];
    const char *cwd;
    const char *search_path;
};

/* The filter arrives at prepare time; static for the same reason as the run message. */
static uint8_t filter_message[BPF_MAXINSNS * 8];

/* Closes every descriptor but those in keep[] (any order, -1 entries ignored). */
static void close_all_except(const int *keep, int n)
{
    int lo = 0;
    while (1) {
        int next = -1;
        for (int i = 0; i < n; i++)
            if (keep[i] >= lo && (next < 0 || keep[i] < next))
                next = keep[i];
        if (next < 0) {
            syscall(SYS_close_range, (unsigned)lo, ~0u, 0);
            return;
        }
        if (next > lo)
            syscall(SYS_close_range, (unsigned)lo, (unsigned)(next - 1), 0);
        lo = next + 1;
    }
}

static void reset_signals(void)
{
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < _NSIG; sig++)
        (void)sigaction(sig, &dfl, NULL); /* fails harmlessly for SIGKILL, SIGSTOP, libc-internal */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

static void read_run_message(int control_fd, struct run_plan *plan)
{
    uint8_t tag;
    uint32_t len;
    if (csb_read_full(control_fd, &tag, 1) < 0)
        _exit(CSB_EXIT_SETUP_FAILED); /* the monitor went away: nothing to report to */
    if (tag != CSB_TAG_RUN || csb_read_full(control_fd, &len, 4) < 0 || len > sizeof run_message ||
        csb_read_full(control_fd, run_message, len) < 0)
        csb_child_die(control_fd, CSB_STEP_RUN_MESSAGE, EPROTO, "bad run message");

    struct csb_cursor c = {run_message, len};
    for (int i = 0; i < CSB_RLIMIT_COUNT; i++)
        if (csb_take_u64(&c, &plan->rlimits[i]) < 0)
            csb_child_die(control_fd, CSB_STEP_RUN_MESSAGE, EPROTO, "rlimits");
    uint32_t argc, envc;
    if ((plan->cwd = csb_take_string(&c)) == NULL ||
        csb_take_u32(&c, &argc) < 0 || argc == 0 || argc > MAX_ARGS)
        csb_child_die(control_fd, CSB_STEP_RUN_MESSAGE, EPROTO, "argv");
    for (uint32_t i = 0; i < argc; i++)
        if ((run_argv[i] = (char *)csb_take_string(&c)) == NULL)
            csb_child_die(control_fd, CSB_STEP_RUN_MESSAGE, EPROTO, "argv string");
    run_argv[argc] = NULL;
    if (csb_take_u32(&c, &envc) < 0 || envc > MAX_ARGS)
        csb_child_die(control_fd, CSB_STEP_RUN_MESSAGE, EPROTO, "env");
    for (uint32_t i = 0; i < envc; i++)
        if ((run_envp[i] = (char *)csb_take_string(&c)) == NULL)
            csb_child_die(control_fd, CSB_STEP_RUN_MESSAGE, EPROTO, "env string");
    run_envp[envc] = NULL;
    if ((plan->search_path = csb_take_string(&c)) == NULL)
        csb_child_die(control_fd, CSB_STEP_RUN_MESSAGE, EPROTO, "search path");
}

/* The tool: pid 2 of the sandbox. Privileges and the filter were settled at prepare time and
 * are inherited; what is left is per call. */
__attribute__((noreturn)) static void run_tool(int control_fd, const struct csb_child_config *config,
                                               const struct run_plan *plan)
{
    reset_signals();
    /* init is our parent; if it dies the namespace dies, but say so explicitly anyway. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
        csb_child_die(control_fd, CSB_STEP_PDEATHSIG, errno, NULL);
    /* A new session detaches any controlling terminal: no TIOCSTI into the caller's shell. */
    if (setsid() < 0)
        csb_child_die(control_fd, CSB_STEP_SETSID, errno, NULL);
    if (dup2(config->stdin_fd, 0) < 0 || dup2(config->stdout_fd, 1) < 0 || dup2(config->stderr_fd, 2) < 0)
        csb_child_die(control_fd, CSB_STEP_STDIO, errno, NULL);
    /* The control socket is close-on-exec: it carries an exec failure, never reaches the tool. */
    int keep[] = {0, 1, 2, control_fd};
    close_all_except(keep, 4);
    if (chdir(plan->cwd) < 0)
        csb_child_die(control_fd, CSB_STEP_CHDIR, errno, plan->cwd);
    int err = csb_exec(run_argv[0], run_argv, run_envp, plan->search_path);
    csb_child_die(control_fd, CSB_STEP_EXEC, err, run_argv[0]);
}

/* Gives up everything before the filter, so the filter need not allow what set-up used: every
 * capability, no_new_privs, writes outside the writable mounts (Landlock), and dumpability (the tool runs as our kuid; a dumpable init would
 * let it open /proc/1/mem and take over an unfiltered process). */
static void drop_privileges(int control_fd)
{
    if (csb_drop_capabilities() < 0)
        csb_child_die(control_fd, CSB_STEP_CAPS, errno, NULL);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        csb_child_die(control_fd, CSB_STEP_NO_NEW_PRIVS, errno, NULL);
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        csb_child_die(control_fd, CSB_STEP_CAPS, errno, "dumpable");
    if (csb_landlock_restrict() < 0)
        csb_child_die(control_fd, CSB_STEP_LANDLOCK, errno, NULL);
}

/* Loads the filter the monitor sends and hands over its listener. Last of the set-up steps. */
static void load_filter(int control_fd)
{
    uint8_t tag = 0;
    uint32_t header[2];
    if (csb_read_full(control_fd, &tag, 1) < 0)
        _exit(CSB_EXIT_SETUP_FAILED);
    if (tag != CSB_TAG_FILTER || csb_read_full(control_fd, header, sizeof header) < 0 ||
        header[1] > sizeof filter_message || csb_read_full(control_fd, filter_message, header[1]) < 0)
        csb_child_die(control_fd, CSB_STEP_SECCOMP, EPROTO, "bad filter message");
    if (header[1] == 0)
        return;
    int listener = csb_load_filter(filter_message, header[1], header[0] & CSB_FILTER_LISTENER);
    if (listener < 0)
        csb_child_die(control_fd, CSB_STEP_SECCOMP, errno, NULL);
    if (!(header[0] & CSB_FILTER_LISTENER))
        return;
    /* The listener cannot travel by SCM_RIGHTS: sendmsg is itself notified now, and nobody holds
     * the listener yet. The monitor takes it with pidfd_getfd instead (it knows our pid), and we
     * wait for its ack so the descriptor is still here when it does. */
    struct {
        uint8_t tag;
        int32_t fd;
    } __attribute__((packed)) msg = {CSB_TAG_LISTENER, listener};
    uint8_t ack = 0;
    if (csb_write_full(control_fd, &msg, sizeof msg) < 0 || csb_read_full(control_fd, &ack, 1) < 0 ||
        ack != CSB_TAG_ACK)
        csb_child_die(control_fd, CSB_STEP_LISTENER, errno, NULL);
    close(listener);
}

/* The monitor's next one-byte message and the descriptor it carried (or -1). A closed socket
 * means the monitor is gone: there is nobody left to report to. */
static uint8_t next_tag(int control_fd, int *fd)
{
    uint8_t tag = 0;
    if (csb_recv_msg(control_fd, &tag, 1, fd, NULL) <= 0)
        _exit(CSB_EXIT_SETUP_FAILED);
    return tag;
}

/* Joins the cgroups the monitor created meanwhile. Writing "0" to a v1 `tasks` file moves
 * only the calling thread, which the kernel does without its global threadgroup lock: a
 * migration of another process takes that lock and waits out an RCU grace period (measured
 * here at 10 to 20 ms when the system was idle). We are single-threaded, so the thread is the
 * whole process, and the descriptor was opened by the monitor, whose credentials are checked. */
static void join_cgroups(int control_fd)
{
    while (1) {
        int fd = -1;
        uint8_t tag = next_tag(control_fd, &fd);
        if (tag == CSB_TAG_JOINED)
            return;
        if (tag != CSB_TAG_CGROUP || fd < 0)
            csb_child_die(control_fd, CSB_STEP_SYNC, EPROTO, "expected a cgroup");
        ssize_t w;
        do {
            w = write(fd, "0\n", 2);
        } while (w < 0 && errno == EINTR);
        if (w != 2)
            csb_child_die(control_fd, CSB_STEP_CGROUP, errno, "tasks");
        close(fd);
    }
}

/* The tool's stack while it shares our memory (until execve); 16-byte aligned for the ABI. */
static uint8_t tool_stack[256 * 1024] __attribute__((aligned(16)));

struct tool_args {
    int control_fd;
    const struct csb_child_config *config;
    const struct run_plan *plan;
};

static int tool_entry(void *raw)
{
    const struct tool_args *args = raw;
    run_tool(args->control_fd, args->config, args->plan);
}

__attribute__((noreturn)) static void child_main(const struct csb_child_config *config)
{
    int control_fd = config->control_fd;
    /* First, before anything can block: die with the monitor. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
        csb_child_die(control_fd, CSB_STEP_PDEATHSIG, errno, NULL);
    /* Drop our copies of the monitor's descriptors, or its pipes would never see EOF. */
    int keep[] = {control_fd, config->stdin_fd, config->stdout_fd, config->stderr_fd};
    close_all_except(keep, 4);

    /* Wait for the id maps (and the idmapped workspace, when there is one). If the monitor died
     * before PDEATHSIG was armed, this read sees EOF. */
    struct csb_handover handover = {.workspace = -1, .bind_count = 0, .next_bind = 0};
    while (1) {
        int fd = -1;
        uint8_t tag = next_tag(control_fd, &fd);
        if (tag == CSB_TAG_MOUNTFD) {
            /* No descriptor: the monitor could not idmap and the profile allows a read-only
             * workspace instead. */
            handover.workspace = fd >= 0 ? fd : CSB_WORKSPACE_READ_ONLY;
            continue;
        }
        if (tag == CSB_TAG_PLAIN) {
            handover.workspace = CSB_WORKSPACE_PLAIN;
            continue;
        }
        if (tag == CSB_TAG_BINDFD) {
            if (handover.bind_count == CSB_MAX_BIND_TREES)
                csb_child_die(control_fd, CSB_STEP_SYNC, E2BIG, "too many bind trees");
            handover.binds[handover.bind_count++] = fd >= 0 ? fd : CSB_WORKSPACE_PLAIN;
            continue;
        }
        if (tag == CSB_TAG_GO)
            break;
        csb_child_die(control_fd, CSB_STEP_SYNC, EPROTO, "unexpected tag");
    }
    /* The creator's kuid sticks until we switch to the mapped root explicitly. Raw syscalls:
     * glibc's setresuid broadcasts to every thread it believes exists, and in this copy of a
     * multi-threaded monitor those threads are gone, so it would wait for them forever. */
    if (syscall(SYS_setresgid, 0, 0, 0) < 0 || syscall(SYS_setresuid, 0, 0, 0) < 0)
        csb_child_die(control_fd, CSB_STEP_SETID, errno, NULL);
    /* Changing the euid cleared the parent-death signal: arm it again. A monitor that died in
     * between shows as EOF on the next read of the control socket. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
        csb_child_die(control_fd, CSB_STEP_PDEATHSIG, errno, NULL);

    csb_build_root(control_fd, config->plan, config->plan_len, &handover);
    join_cgroups(control_fd);
    drop_privileges(control_fd);
    load_filter(control_fd);

    uint8_t ready = CSB_TAG_READY;
    if (csb_write_full(control_fd, &ready, 1) < 0)
        _exit(CSB_EXIT_SETUP_FAILED);
    struct run_plan plan;
    read_run_message(control_fd, &plan);

    if (csb_apply_rlimits(plan.rlimits) < 0 || csb_cap_rlimit_ucounts() < 0)
        csb_child_die(control_fd, CSB_STEP_RLIMIT, errno, NULL);
    /* Before the fork, or a tool that exits at once could send a SIGCHLD that an init with the
     * default disposition drops, and init would wait forever. The tool unblocks in reset_signals. */
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    /* vfork-style, as posix_spawn does: the tool shares our memory on its own stack until it
     * execs, and we wait meanwhile. A plain fork would copy the page tables of this whole copy
     * of the monitor for a process that replaces them a moment later (it measured ~0.7 ms).
     * Not glibc's fork(): it runs atfork handlers and takes locks another thread of the monitor
     * may have held at clone time. */
    struct tool_args args = {control_fd, config, &plan};
    long tool = clone(tool_entry, tool_stack + sizeof tool_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
    if (tool < 0)
        csb_child_die(control_fd, CSB_STEP_FORK_TOOL, errno, NULL);
    csb_run_init(control_fd, (pid_t)tool);
}

cap_t csb_empty_caps;
static pthread_once_t empty_caps_once = PTHREAD_ONCE_INIT;
static void make_empty_caps(void) { csb_empty_caps = cap_init(); }
static pthread_mutex_t creator_rlimits_lock = PTHREAD_MUTEX_INITIALIZER;

pid_t csb_clone_sandbox(int ns_flags, const struct csb_child_config *config, int *pidfd, int netns_fd)
{
    pthread_once(&empty_caps_once, make_empty_caps);
    if (csb_empty_caps == NULL)
        return -1;
    *pidfd = -1;
    /* A namespace made ahead (monitor/netns.c): this thread enters it, so the child is born in
     * it; a user namespace cannot enter it from inside (it holds no capability over it). The
     * child closes both descriptors with everything else it does not keep. */
    int home = -1;
    if (netns_fd >= 0) {
        home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (home < 0)
            return -1;
        if (setns(netns_fd, CLONE_NEWNET) < 0) {
            int err = errno;
            close(home);
            errno = err;
            return -1;
        }
        ns_flags &= ~CSB_NS_NET;
    }
    /* The user namespace's charges to root are capped by the creator's limits at this moment
     * (ucounts.c); the lock keeps two cloning threads from saving each other's lowered values. */
    struct rlimit saved[CSB_CREATOR_RLIMITS];
    pthread_mutex_lock(&creator_rlimits_lock);
    long pid = -1;
    if (csb_lower_creator_rlimits(saved) == 0) {
        pid = syscall(SYS_clone, (unsigned long)ns_flags | CLONE_PIDFD | SIGCHLD, NULL, pidfd, NULL, 0);
        if (pid == 0)
            child_main(config);
        int clone_err = errno;
        csb_restore_creator_rlimits(saved);
        errno = clone_err;
    }
    pthread_mutex_unlock(&creator_rlimits_lock);
    int err = errno;
    if (home >= 0) {
        if (setns(home, CLONE_NEWNET) < 0)
            abort();
        close(home);
    }
    errno = err;
    return (pid_t)pid;
}
