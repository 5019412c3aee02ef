/*
 * Protected paths, child side: each one is mounted read-only over itself inside the workspace,
 * from a descriptor opened beneath the workspace with no symlink followed, and onto that same
 * descriptor (MOVE_MOUNT_T_EMPTY_PATH), so no second lookup happens. Writes, creations, renames
 * over and unlinks then fail with EROFS or EBUSY from the kernel, whatever syscall the tool uses.
 */
#include "child_internal.h"
#include "../mount_api.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

void csb_protect_path(int control_fd, const char *rel, const char *workspace)
{
    int ws = open(workspace, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (ws < 0)
        csb_child_die(control_fd, CSB_STEP_PROTECT, errno, workspace);
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    int fd = (int)syscall(SYS_openat2, ws, rel, &how, sizeof how);
    close(ws);
    if (fd < 0)
        csb_child_die(control_fd, CSB_STEP_PROTECT, errno, rel);
    struct stat st;
    if (fstat(fd, &st) < 0)
        csb_child_die(control_fd, CSB_STEP_PROTECT, errno, rel);
    if (S_ISLNK(st.st_mode))
        csb_child_die(control_fd, CSB_STEP_PROTECT, ELOOP, rel);
    int tree = (int)syscall(SYS_open_tree, fd, "", OPEN_TREE_CLONE | O_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
    if (tree < 0)
        csb_child_die(control_fd, CSB_STEP_PROTECT, errno, rel);
    struct mount_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
    if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0 ||
        syscall(SYS_move_mount, tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        csb_child_die(control_fd, CSB_STEP_PROTECT, errno, rel);
    close(tree);
    close(fd);
}
