/*
 * Reporting traps: an empty host file or directory tree (made by the monitor, watched by its
 * fanotify group) mounted read-only over a path of the new root.
 *
 * A workspace mask lands on a path the project controls, and another call of the same project may
 * be swapping it for a symlink while this sandbox is built: the target is opened beneath the new
 * root with no symlink at any component, and the trap is attached to that very dentry
 * (open_tree + move_mount on descriptors), so it never lands anywhere the walk did not see.
 * A target that vanished since the walk needs no mask: there is nothing left to hide.
 *
 * A mask is a mount, so the masked file cannot be renamed (EBUSY), but its directory could be:
 * one call moved `config/` (and the `.env` in it) below the depth the next prepare's walk
 * reaches, and the next call read the secret. So every directory between a workspace mask and
 * the mount it lies on (the workspace) is bound over itself first: a mount point cannot be
 * renamed or removed from inside, and the tool has no capability to unmount it.
 */
#include "child_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int open_beneath_newroot(const char *target)
{
    while (*target == '/')
        target++;
    return csb_open_beneath(CSB_NEWROOT, target, 0);
}

/* Binds each directory above `target` over itself, from the nearest up to the first one that is
 * already a mount root (the workspace, or a directory an earlier mask pinned). Recursive clones,
 * so masks already in place below stay in the copy. Failures die as `step`. */
void csb_pin_ancestors(int control_fd, enum csb_step step, const char *target)
{
    char path[4096];
    size_t n = strlen(target);
    if (n >= sizeof path)
        csb_child_die(control_fd, step, ENAMETOOLONG, target);
    memcpy(path, target, n + 1);
    for (;;) {
        char *slash = strrchr(path, '/');
        if (slash == NULL || slash == path)
            return;
        *slash = '\0';
        int at = open_beneath_newroot(path);
        if (at < 0) {
            if (errno == ENOENT) /* gone since the walk: the mask step skips the target too */
                return;
            csb_child_die(control_fd, step, errno, path);
        }
        struct statx sx;
        if (syscall(SYS_statx, at, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_TYPE, &sx) < 0) {
            int saved = errno;
            close(at);
            csb_child_die(control_fd, step, saved, path);
        }
        if ((sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT)) {
            close(at);
            return;
        }
        if (csb_bind_over_itself(at, 0) < 0) {
            int saved = errno;
            close(at);
            csb_child_die(control_fd, step, saved, path);
        }
        close(at);
    }
}

/* A profile may bind the real thing there (a whole /etc): then the trap covers it as it is. */
static int make_point(const char *path, int directory)
{
    struct stat st;
    if (lstat(path, &st) == 0)
        return 0;
    if (directory)
        return csb_mkdir_p(path, 0755);
    char dir[4096];
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    if (n + 1 > sizeof dir)
        return -1;
    memcpy(dir, path, n);
    dir[n] = '\0';
    if (csb_mkdir_p(dir, 0755) < 0)
        return -1;
    return csb_touch(path);
}

void csb_mount_trap(int control_fd, uint32_t flags, const char *source, const char *target)
{
    char host[4096], point[4096];
    if (csb_join_path(host, sizeof host, CSB_OLDROOT, source) < 0 ||
        csb_join_path(point, sizeof point, CSB_NEWROOT, target) < 0)
        csb_child_die(control_fd, CSB_STEP_TRAP, ENAMETOOLONG, target);
    if ((flags & CSB_FLAG_CREATE) && make_point(point, (flags & CSB_FLAG_DIRECTORY) != 0) < 0)
        csb_child_die(control_fd, CSB_STEP_TRAP, errno, target);
    if (flags & CSB_FLAG_PIN)
        csb_pin_ancestors(control_fd, CSB_STEP_TRAP, target);
    int at = open_beneath_newroot(target);
    if (at < 0) {
        if (errno == ENOENT && !(flags & CSB_FLAG_CREATE))
            return;
        csb_child_die(control_fd, CSB_STEP_TRAP, errno, target);
    }
    int tree = (int)syscall(SYS_open_tree, AT_FDCWD, host, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree < 0) {
        int saved = errno;
        close(at);
        csb_child_die(control_fd, CSB_STEP_TRAP, saved, source);
    }
    struct mount_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
    if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0 ||
        syscall(SYS_move_mount, tree, "", at, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
        int saved = errno;
        close(tree);
        close(at);
        csb_child_die(control_fd, CSB_STEP_TRAP, saved, target);
    }
    close(tree);
    close(at);
}
