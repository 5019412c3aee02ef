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
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <linux/kcmp.h>
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

static int mailbox_address(const char *path, struct sockaddr_un *addr, socklen_t *len)
{
    size_t n = strlen(path);
    if (n >= sizeof addr->sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memset(addr, 0, sizeof *addr);
    addr->sun_family = AF_UNIX;
    memcpy(addr->sun_path, path, n);
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
    return 0;
}

int csb_trap_mailbox_bind(const char *path)
{
    struct sockaddr_un addr;
    socklen_t len;
    if (mailbox_address(path, &addr, &len) < 0)
        return -1;
    int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (sock < 0)
        return -1;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (bind(sock, (struct sockaddr *)&addr, len) == 0) {
            if (chmod(path, 0600) == 0)
                return sock;
            break;
        }
        if (errno != EADDRINUSE)
            break;
        struct stat st;
        if (lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode)) {
            errno = EEXIST;
            break;
        }
        unlink(path);
    }
    int err = errno;
    close(sock);
    errno = err;
    return -1;
}

int csb_trap_mailbox_sender(void) { return socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0); }

int csb_trap_mailbox_send(int sock, const char *path, uint64_t dev, uint64_t ino)
{
    struct sockaddr_un addr;
    socklen_t len;
    if (mailbox_address(path, &addr, &len) < 0)
        return -1;
    uint64_t record[2] = {dev, ino};
    ssize_t n;
    do {
        n = sendto(sock, record, sizeof record, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&addr, len);
    } while (n < 0 && errno == EINTR);
    return n == (ssize_t)sizeof record ? 0 : -1;
}

int csb_trap_mailbox_recv(int sock, uint64_t *dev, uint64_t *ino)
{
    uint64_t record[2];
    ssize_t n;
    do {
        n = recv(sock, record, sizeof record, MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return errno == EAGAIN ? 0 : -1;
    /* Only root can send here (0600 in a 0700 directory); a malformed record names no trap. */
    *dev = n == (ssize_t)sizeof record ? record[0] : 0;
    *ino = n == (ssize_t)sizeof record ? record[1] : 0;
    return 1;
}

int csb_same_file(pid_t a, int fa, pid_t b, int fb)
{
    long rc = syscall(SYS_kcmp, a, b, KCMP_FILE, (unsigned long)fa, (unsigned long)fb);
    return rc < 0 ? -1 : rc == 0;
}

int csb_is_tmpfs(const char *path)
{
    struct statfs fs;
    return statfs(path, &fs) == 0 && fs.f_type == TMPFS_MAGIC;
}
