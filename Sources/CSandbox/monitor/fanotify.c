/*
 * The monitor's fanotify group over its sandbox's traps (monitor side, may allocate).
 *
 * Permission events, not notifications: the opener waits until the monitor answers, so the
 * monitor both refuses (FAN_DENY, the tool sees EPERM) and learns who tried what. Inode marks,
 * because every sandbox has trap inodes of its own: no other monitor's group hears of them, and a
 * warm sandbox nobody polls yet cannot stall anyone else's open.
 */

#include "../include/csandbox.h"

#include <errno.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <unistd.h>

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
    return fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_DONT_FOLLOW, mask, AT_FDCWD, path);
}

int csb_fanotify_deny_pending(int fan, struct csb_fan_event *out, int max)
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
        struct stat st;
        int known = fstat(event->fd, &st) == 0;
        if (event->mask & (FAN_OPEN_PERM | FAN_ACCESS_PERM | FAN_OPEN_EXEC_PERM)) {
            /* Deny before anything else can go wrong: an unanswered event blocks the opener. */
            struct fanotify_response response = {.fd = event->fd, .response = FAN_DENY};
            ssize_t w;
            do {
                w = write(fan, &response, sizeof response);
            } while (w < 0 && errno == EINTR);
        }
        close(event->fd);
        if (known && count < max) {
            out[count].pid = event->pid;
            out[count].dev = (uint64_t)st.st_dev;
            out[count].ino = (uint64_t)st.st_ino;
            count++;
        }
    }
    return count;
}

int csb_is_tmpfs(const char *path)
{
    struct statfs fs;
    return statfs(path, &fs) == 0 && fs.f_type == TMPFS_MAGIC;
}
