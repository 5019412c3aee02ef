/*
 * Per-user-namespace caps on the kernel objects that are charged to the host's root.
 *
 * The kernel charges an inotify instance, an inotify watch, a fanotify group or mark to the
 * creator's user namespace *and to every owner up the chain*. The sandbox's user namespace is
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
#include <unistd.h>

/* Enough for a file watcher or two (a libuv loop holds one instance); a tool gets no fanotify at
 * all, which only the host's trap group needs. With the coordinator's concurrency quota this keeps
 * the sandboxes together well under root's budget. */
static const struct {
    const char *name;
    const char *value;
} caps[] = {
    {"/sys/user/max_inotify_instances", "8"},
    {"/sys/user/max_inotify_watches", "8192"},
    {"/sys/user/max_fanotify_groups", "0"},
    {"/sys/user/max_fanotify_marks", "0"},
};

void csb_cap_ucounts(int control_fd, const char *proc)
{
    char path[4096];
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
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
