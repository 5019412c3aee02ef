/*
 * The monitor's fanotify group over its sandboxes' traps (monitor side, may allocate).
 *
 * Permission events, not notifications: the opener waits until the monitor answers, so the
 * monitor both refuses (FAN_DENY, the tool sees EPERM) and learns who tried what. Inode marks on
 * inodes only this monitor's sandboxes mount: no other monitor's group hears of them. One group
 * serves every sandbox of the process (TrapGroup.swift): a host has only
 * fs.fanotify.max_user_groups (128) of them per user.
 */

#include "../include/csandbox.h"

#include <errno.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <unistd.h>

#ifndef FAN_MARK_EVICTABLE
#define FAN_MARK_EVICTABLE 0x00000200
#endif

int csb_fanotify_init(void)
{
    return fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY | O_CLOEXEC | O_LARGEFILE);
}

int csb_fanotify_mark(int fan, const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return -1;
    uint64_t mask = FAN_OPEN_PERM;
    if (S_ISDIR(st.st_mode))
        mask |= FAN_ONDIR;
    else
        mask |= FAN_ACCESS_PERM | FAN_OPEN_EXEC_PERM;
    int rc = fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_DONT_FOLLOW | FAN_MARK_EVICTABLE, mask, AT_FDCWD, path);
    if (rc < 0 && errno == EINVAL) /* before 5.19: a pinned mark, removed with the group */
        rc = fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_DONT_FOLLOW, mask, AT_FDCWD, path);
    return rc;
}

void csb_fanotify_deny(int fan, int event_fd)
{
    struct fanotify_response response = {.fd = event_fd, .response = FAN_DENY};
    ssize_t w;
    do {
        w = write(fan, &response, sizeof response);
    } while (w < 0 && errno == EINTR);
    close(event_fd);
}

/* The opener's pid namespace and its ancestors, by inode number: the sandbox a process belongs
 * to, even from a namespace it made inside. The opener waits for our answer, so `pid` names it. */
static void read_pidns(int32_t pid, uint64_t *out)
{
    for (int i = 0; i < CSB_PIDNS_DEPTH; i++)
        out[i] = 0;
    if (pid <= 0)
        return;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)pid);
    int ns = open(path, O_RDONLY | O_CLOEXEC);
    for (int i = 0; ns >= 0 && i < CSB_PIDNS_DEPTH; i++) {
        struct stat st;
        if (fstat(ns, &st) < 0)
            break;
        out[i] = (uint64_t)st.st_ino;
        int parent = ioctl(ns, NS_GET_PARENT);
        close(ns);
        ns = parent;
    }
    if (ns >= 0)
        close(ns);
}

int csb_fanotify_read(int fan, struct csb_fan_event *out, int max)
{
    char buffer[4096] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
    ssize_t len;
    do {
        len = read(fan, buffer, sizeof buffer);
    } while (len < 0 && errno == EINTR);
    if (len < 0)
        return errno == EAGAIN ? 0 : -1;
    int count = 0;
    struct fanotify_event_metadata *event = (struct fanotify_event_metadata *)buffer;
    for (; FAN_EVENT_OK(event, len); event = FAN_EVENT_NEXT(event, len)) {
        if (event->vers != FANOTIFY_METADATA_VERSION || event->fd < 0)
            continue;
        int permission = (event->mask & (FAN_OPEN_PERM | FAN_ACCESS_PERM | FAN_OPEN_EXEC_PERM)) != 0;
        struct stat st;
        if (count >= max || fstat(event->fd, &st) < 0) {
            /* Nobody to route it to: refuse it now, an unanswered event blocks its opener. */
            if (permission)
                csb_fanotify_deny(fan, event->fd);
            else
                close(event->fd);
            continue;
        }
        out[count].fd = permission ? event->fd : -1;
        if (!permission)
            close(event->fd);
        out[count].pid = event->pid;
        out[count].dev = (uint64_t)st.st_dev;
        out[count].ino = (uint64_t)st.st_ino;
        read_pidns(event->pid, out[count].pidns);
        count++;
    }
    return count;
}

int csb_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

int csb_is_tmpfs(const char *path)
{
    struct statfs fs;
    return statfs(path, &fs) == 0 && fs.f_type == TMPFS_MAGIC;
}
