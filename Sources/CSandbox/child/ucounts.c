/*
 * Per-user-namespace caps on the kernel objects that are charged to the host's root.
 *
 * The kernel charges an inotify instance, an inotify watch, a fanotify group or mark, and a
 * namespace to the creator's user namespace *and to every owner up the chain*. The sandbox's user namespace is
 * created by the (root) monitor, so each instance a tool makes also counts against root's
 * host-wide budget (fs.inotify.max_user_instances, 128 by default; fs.fanotify.max_user_groups,
 * 128). Uncapped, one tool took all of root's inotify instances and fanotify groups for as long
 * as it ran: the coordinator could not watch a new project's assets, a new worker could not join
 * the trap group, and every other root process on the host (systemd, udev) got EMFILE.
 *
 * These limits are the sandbox namespace's own ucount maxima (/proc/sys/user/ as seen from inside
 * it). Only CAP_SYS_RESOURCE in the namespace may write them, so they are set here, while the
 * child still has it, and the tool (no capabilities, /proc/sys read-only) cannot raise them.
 */
#include "child_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Enough for a file watcher or two (a libuv loop holds one instance); a tool gets no fanotify at
 * all, which only the host's trap group needs. With the coordinator's concurrency quota this keeps
 * the sandboxes together well under root's budget.
 *
 * Namespaces are counted the same way. Every built-in profile denies their creation by seccomp,
 * but a profile may allow it (to run a nested sandbox): a tool holding namespaces by their
 * /proc/<pid>/ns descriptors could then take all of root's, and no sandbox on the host could be
 * made. 16 of each kind is enough for a nested bwrap or two. Only written for such a profile
 * (CSB_FLAG_NAMESPACE_CAPS): a fresh /proc's sysctls cost ~0.1 ms for the eight. */
#define NAMESPACE_CAPS_FROM 4
static const struct {
    const char *name;
    const char *value;
} caps[] = {
    {"/sys/user/max_inotify_instances", "8"},
    {"/sys/user/max_inotify_watches", "8192"},
    {"/sys/user/max_fanotify_groups", "0"},
    {"/sys/user/max_fanotify_marks", "0"},
    /* From here, NAMESPACE_CAPS_FROM on: only with CSB_FLAG_NAMESPACE_CAPS. */
    {"/sys/user/max_user_namespaces", "16"},
    {"/sys/user/max_mnt_namespaces", "16"},
    {"/sys/user/max_pid_namespaces", "16"},
    {"/sys/user/max_net_namespaces", "16"},
    {"/sys/user/max_ipc_namespaces", "16"},
    {"/sys/user/max_uts_namespaces", "16"},
    {"/sys/user/max_cgroup_namespaces", "16"},
    {"/sys/user/max_time_namespaces", "16"},
};

void csb_cap_ucounts(int control_fd, const char *proc, int namespaces)
{
    char path[4096];
    size_t count = namespaces ? sizeof caps / sizeof caps[0] : NAMESPACE_CAPS_FROM;
    for (size_t i = 0; i < count; i++) {
        if (csb_join_path(path, sizeof path, proc, caps[i].name) < 0)
            csb_child_die(control_fd, CSB_STEP_PROC, ENAMETOOLONG, caps[i].name);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
            /* A kernel without this counter has no per-user budget for it to protect either. */
            if (errno == ENOENT)
                continue;
            csb_child_die(control_fd, CSB_STEP_PROC, errno, path);
        }
        int failed = csb_write_full(fd, caps[i].value, strlen(caps[i].value)) < 0;
        int saved = errno;
        close(fd);
        if (failed)
            csb_child_die(control_fd, CSB_STEP_PROC, saved, path);
    }
}

/*
 * Objects counted against an rlimit (queued real-time signals, POSIX message-queue bytes) are
 * charged up the same chain, to root's host-wide count, which host processes running as root
 * check against their own limits: uncapped, one tool queued ~96,000 real-time signals and every
 * root process on the host then failed sigqueue(3) and timer_create(2) with EAGAIN. At each level
 * above the tool's own the kernel checks the count against the soft limit the namespace's
 * creator had when it made the namespace (create_user_ns). So the monitor lowers its soft limits
 * for the clone (csb_lower_creator_rlimits) to a quarter of root's budget: whatever sandboxes
 * hold together, root keeps three quarters. The tool's own limit (csb_cap_rlimit_ucounts, set by
 * init) is one sandbox's share, small enough that many sandboxes fit in that quarter before one
 * tenant's hoard shows in another's sandbox (128 of 16,384 signals: 128 sandboxes).
 */
static const struct {
    int resource;
    rlim_t all_sandboxes_at_most;
    rlim_t one_sandbox;
} counted[CSB_CREATOR_RLIMITS] = {
    {RLIMIT_SIGPENDING, 16384, 128},
    /* 256 KiB: three queues of the default size (10 messages of 8 KiB), where the quarter of
     * root's budget (200 KiB of the default 800) allows; Landlock refuses mq_open anyway. */
    {RLIMIT_MSGQUEUE, 512u << 10, 256u << 10},
};

int csb_lower_creator_rlimits(struct rlimit saved[CSB_CREATOR_RLIMITS])
{
    for (size_t i = 0; i < CSB_CREATOR_RLIMITS; i++) {
        if (getrlimit(counted[i].resource, &saved[i]) < 0)
            return -1;
    }
    for (size_t i = 0; i < CSB_CREATOR_RLIMITS; i++) {
        rlim_t all = saved[i].rlim_cur / 4;
        if (all > counted[i].all_sandboxes_at_most)
            all = counted[i].all_sandboxes_at_most;
        struct rlimit lowered = {all, saved[i].rlim_max};
        if (setrlimit(counted[i].resource, &lowered) < 0) {
            int err = errno;
            csb_restore_creator_rlimits(saved);
            errno = err;
            return -1;
        }
    }
    return 0;
}

void csb_restore_creator_rlimits(const struct rlimit saved[CSB_CREATOR_RLIMITS])
{
    /* Raising a soft limit back to at most the unchanged hard one cannot fail. */
    for (size_t i = 0; i < CSB_CREATOR_RLIMITS; i++)
        setrlimit(counted[i].resource, &saved[i]);
}

int csb_cap_rlimit_ucounts(void)
{
    for (size_t i = 0; i < CSB_CREATOR_RLIMITS; i++) {
        struct rlimit current;
        if (getrlimit(counted[i].resource, &current) < 0)
            return -1;
        rlim_t share = counted[i].one_sandbox;
        if (current.rlim_cur <= share && current.rlim_max <= share)
            continue;
        /* The hard limit too, so the tool cannot raise it back; never above what it was. */
        struct rlimit capped = {current.rlim_cur < share ? current.rlim_cur : share,
                                current.rlim_max < share ? current.rlim_max : share};
        if (setrlimit(counted[i].resource, &capped) < 0)
            return -1;
    }
    return 0;
}
