/*
 * The host's fanotify group over sandboxes' traps (monitor side, may allocate).
 *
 * Permission events, not notifications: the opener waits until a reader answers, so the reader
 * both refuses (FAN_DENY, the tool sees EPERM) and learns who tried what. One group serves every
 * sandbox of every monitor process of root (TrapGroup.swift): a host has only
 * fs.fanotify.max_user_groups (128) of them per user. The kernel matches an answer to a waiting
 * event by descriptor number alone, the number the event got in its reader's table: so readers
 * take turns under one lock, and read into a page they share, where a reader that dies before
 * answering leaves the numbers the next one answers for it (csb_fanotify_orphans).
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

static void respond_deny(int fan, int event_fd)
{
    struct fanotify_response response = {.fd = event_fd, .response = FAN_DENY};
    ssize_t w;
    do {
        w = write(fan, &response, sizeof response);
    } while (w < 0 && errno == EINTR);
}

/* The descriptor number field of the event at `slot`: -1 once answered. */
static int32_t *slot_fd(void *page, int32_t slot)
{
    return &((struct fanotify_event_metadata *)((char *)page + slot))->fd;
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

int csb_fanotify_read(int fan, void *page)
{
    ssize_t len;
    do {
        len = read(fan, page, CSB_FAN_READ_SIZE);
    } while (len < 0 && errno == EINTR);
    if (len < 0)
        return errno == EAGAIN ? 0 : -1;
    return (int)len;
}

static int is_permission(const struct fanotify_event_metadata *event)
{
    return (event->mask & (FAN_OPEN_PERM | FAN_ACCESS_PERM | FAN_OPEN_EXEC_PERM)) != 0;
}

int csb_fanotify_parse(int fan, void *page, int len, struct csb_fan_event *out, int max)
{
    int count = 0;
    struct fanotify_event_metadata *event = page;
    for (; FAN_EVENT_OK(event, len); event = FAN_EVENT_NEXT(event, len)) {
        if (event->vers != FANOTIFY_METADATA_VERSION || event->fd < 0)
            continue;
        int permission = is_permission(event);
        struct stat st;
        if (count >= max || fstat(event->fd, &st) < 0) {
            /* Nobody to route it to: refuse it now, an unanswered event blocks its opener. */
            if (permission)
                respond_deny(fan, event->fd);
            close(event->fd);
            event->fd = -1;
            continue;
        }
        out[count].fd = event->fd;
        out[count].slot = (int32_t)((char *)event - (char *)page);
        if (!permission) {
            close(event->fd);
            event->fd = -1;
            out[count].fd = -1;
        }
        out[count].pid = event->pid;
        out[count].dev = (uint64_t)st.st_dev;
        out[count].ino = (uint64_t)st.st_ino;
        read_pidns(event->pid, out[count].pidns);
        count++;
    }
    return count;
}

void csb_fanotify_answer(int fan, void *page, const struct csb_fan_event *event)
{
    if (event->fd < 0)
        return;
    respond_deny(fan, event->fd);
    close(event->fd);
    *slot_fd(page, event->slot) = -1;
}

int csb_fanotify_orphans(const void *page, struct csb_fan_event *out, int max)
{
    int count = 0;
    int len = CSB_FAN_READ_SIZE; /* the page was zeroed before the read: a zero event_len ends it */
    const struct fanotify_event_metadata *event = page;
    for (; FAN_EVENT_OK(event, len) && count < max; event = FAN_EVENT_NEXT(event, len)) {
        if (event->vers != FANOTIFY_METADATA_VERSION || event->fd < 0 || !is_permission(event))
            continue;
        out[count].fd = event->fd;
        out[count].slot = (int32_t)((const char *)event - (const char *)page);
        out[count].pid = event->pid;
        out[count].dev = 0;
        out[count].ino = 0;
        read_pidns(event->pid, out[count].pidns);
        count++;
    }
    return count;
}

void csb_fanotify_answer_orphan(int fan, void *page, const struct csb_fan_event *event)
{
    /* ENOENT: the dead reader answered it and died before marking the slot. */
    respond_deny(fan, event->fd);
    *slot_fd(page, event->slot) = -1;
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

int csb_trap_mailbox_alive(int sock, const char *path)
{
    struct sockaddr_un addr;
    socklen_t len;
    if (mailbox_address(path, &addr, &len) < 0)
        return 1;
    ssize_t n;
    do {
        n = sendto(sock, "", 0, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&addr, len);
    } while (n < 0 && errno == EINTR);
    return n < 0 && errno == ECONNREFUSED ? 0 : 1;
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
