/*
 * Filesystem project quotas for a project's directory (monitor side, host root).
 *
 * The project id is set on the root and on everything already in it, with PROJINHERIT on every
 * directory, so what the tool creates is counted against the project's limits. The tool cannot
 * undo it: changing a project id or PROJINHERIT is refused outside the init user namespace
 * (fileattr_set_prepare), quotactl is denied by the profile's seccomp rules, and a link or rename
 * into a directory of another project fails with EXDEV.
 */
#include "../include/csandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/quota.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_quotactl_fd
#define SYS_quotactl_fd 443
#endif

static int quotactl_fd(int fd, int cmd, uint32_t id, void *addr)
{
    return (int)syscall(SYS_quotactl_fd, fd, QCMD(cmd, PRJQUOTA), id, addr);
}

int csb_project_quota_supported(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    struct if_dqinfo info;
    int rc = quotactl_fd(fd, Q_GETINFO, 0, &info) == 0 ? 0 : errno;
    close(fd);
    return rc;
}

static int set_project(int fd, uint32_t projid, int directory)
{
    struct fsxattr attr;
    if (ioctl(fd, FS_IOC_FSGETXATTR, &attr) < 0)
        return -1;
    uint32_t flags = attr.fsx_xflags | (directory ? FS_XFLAG_PROJINHERIT : 0);
    if (attr.fsx_projid == projid && flags == attr.fsx_xflags)
        return 0;
    attr.fsx_projid = projid;
    attr.fsx_xflags = flags;
    return ioctl(fd, FS_IOC_FSSETXATTR, &attr);
}

/* Depth-first, never following a symlink, each directory opened from its parent. */
static int tag_tree(int dirfd, uint32_t projid, int depth)
{
    if (set_project(dirfd, projid, 1) < 0)
        return -1;
    if (depth > 256)
        return 0;
    int copy = dup(dirfd);
    if (copy < 0)
        return -1;
    DIR *dir = fdopendir(copy);
    if (dir == NULL) {
        close(copy);
        return -1;
    }
    int rc = 0;
    struct dirent *entry;
    while (rc == 0 && (entry = readdir(dir)) != NULL) {
        if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, ".."))
            continue;
        int fd = openat(dirfd, entry->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
            continue; /* a symlink (ELOOP), a socket, a vanished name: nothing to count */
        struct stat st;
        if (fstat(fd, &st) == 0) {
            if (S_ISDIR(st.st_mode))
                rc = tag_tree(fd, projid, depth + 1);
            else if (S_ISREG(st.st_mode))
                rc = set_project(fd, projid, 0);
        }
        close(fd);
    }
    closedir(dir);
    return rc;
}

int csb_project_quota_apply(const char *root, uint32_t projid, uint64_t bytes, uint64_t inodes)
{
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno;
    struct fsxattr attr;
    int rc = 0;
    if (ioctl(fd, FS_IOC_FSGETXATTR, &attr) < 0)
        rc = errno;
    /* Tagging the existing tree is paid once per project, when the root is not tagged yet. */
    else if ((attr.fsx_projid != projid || !(attr.fsx_xflags & FS_XFLAG_PROJINHERIT)) && tag_tree(fd, projid, 0) < 0)
        rc = errno;
    if (rc == 0) {
        struct if_dqblk limits;
        memset(&limits, 0, sizeof limits);
        limits.dqb_bhardlimit = (bytes + QIF_DQBLKSIZE - 1) / QIF_DQBLKSIZE;
        limits.dqb_bsoftlimit = limits.dqb_bhardlimit;
        limits.dqb_ihardlimit = inodes;
        limits.dqb_isoftlimit = inodes;
        limits.dqb_valid = QIF_BLIMITS | QIF_ILIMITS;
        if (quotactl_fd(fd, Q_SETQUOTA, projid, &limits) < 0)
            rc = errno;
    }
    close(fd);
    return rc;
}

int csb_project_quota_usage(const char *root, uint32_t projid, struct csb_quota_usage *out)
{
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    struct if_dqblk q;
    memset(&q, 0, sizeof q);
    int rc = quotactl_fd(fd, Q_GETQUOTA, projid, &q) == 0 ? 0 : errno;
    close(fd);
    if (rc == 0) {
        out->bytes = q.dqb_curspace;
        out->inodes = q.dqb_curinodes;
        out->bytes_limit = q.dqb_bhardlimit * QIF_DQBLKSIZE;
        out->inodes_limit = q.dqb_ihardlimit;
    }
    return rc;
}
