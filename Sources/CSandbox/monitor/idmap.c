/*
 * The idmapped workspace. A root-owned project must stay root-owned on disk while the sandbox,
 * whose root is an unprivileged host uid, writes it. An idmapped mount translates on the fly:
 * through the sandbox's user namespace, on-disk uid 0 is the sandbox's root and what the tool
 * creates is stored as uid 0. Only host root can make one, so the monitor does it and hands the
 * detached tree to the child, which attaches it with move_mount.
 */
#include "../include/csandbox.h"
#include "../mount_api.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

int csb_idmapped_tree_fd(int dirfd, int userns_fd, int writable)
{
    int fd = (int)syscall(SYS_open_tree, dirfd, "", OPEN_TREE_CLONE | O_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
    if (fd < 0)
        return -1;
    struct mount_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (writable ? 0 : MOUNT_ATTR_RDONLY);
    attr.userns_fd = (uint64_t)userns_fd;
    if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}
