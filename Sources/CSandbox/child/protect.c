/*
 * Protected paths, child side: each one is mounted read-only over itself inside the workspace,
 * from a descriptor opened beneath the workspace with no symlink followed, and onto that same
 * descriptor (MOVE_MOUNT_T_EMPTY_PATH), so no second lookup happens. Writes, creations, renames
 * over and unlinks then fail with EROFS or EBUSY from the kernel, whatever syscall the tool uses.
 *
 * The same for every setuid/setgid regular file the prepare-time walk found, and every executable
 * with file capabilities (issue 10): the kernel strips those bits (and `security.capability`) on
 * write(2), truncate, copy_file_range and fallocate, but not on a store through a shared writable
 * mapping, so a tool could put its code under a host user's setuid-root file. On a read-only mount open(O_RDWR) fails with EROFS, so no such mapping can
 * exist, and the file cannot be renamed or unlinked (EBUSY). Its directories are pinned as a
 * workspace mask's are (masks.c), so it stays where the walk (and the mask memo) found it.
 */
#include "child_internal.h"
#include "../mount_api.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int csb_bind_over_itself(int fd, uint64_t attr_set)
{
    int tree = (int)syscall(SYS_open_tree, fd, "", OPEN_TREE_CLONE | O_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
    if (tree < 0)
        return -1;
    struct mount_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = attr_set;
    int rc = 0;
    if ((attr_set != 0 && syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0) ||
        syscall(SYS_move_mount, tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        rc = -1;
    int saved = errno;
    close(tree);
    errno = saved;
    return rc;
}

/* Read-only over itself, and no setuid or device there either. */
static int readonly_over_itself(int fd)
{
    return csb_bind_over_itself(fd, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
}

void csb_protect_path(int control_fd, const char *rel, const char *workspace)
{
    int fd = csb_open_beneath(workspace, rel, O_NOFOLLOW);
    if (fd < 0)
        csb_child_die(control_fd, CSB_STEP_PROTECT, errno, rel);
    struct stat st;
    if (fstat(fd, &st) < 0)
        csb_child_die(control_fd, CSB_STEP_PROTECT, errno, rel);
    if (S_ISLNK(st.st_mode))
        csb_child_die(control_fd, CSB_STEP_PROTECT, ELOOP, rel);
    if (readonly_over_itself(fd) < 0)
        csb_child_die(control_fd, CSB_STEP_PROTECT, errno, rel);
    close(fd);
}

void csb_protect_privileged(int control_fd, const char *rel, const char *workspace)
{
    char sandbox[4096], inside[4096];
    if (csb_join_path(sandbox, sizeof sandbox, workspace, "/") < 0 ||
        csb_join_path(sandbox, sizeof sandbox, sandbox, rel) < 0 ||
        csb_join_path(inside, sizeof inside, CSB_NEWROOT, workspace) < 0)
        csb_child_die(control_fd, CSB_STEP_PROTECT, ENAMETOOLONG, rel);
    /* Pinned first: a descriptor opened before would name the dentry under the pin's copy, and a
     * mount onto it would be hidden below the copy. */
    csb_pin_ancestors(control_fd, CSB_STEP_PROTECT, sandbox);
    int fd = csb_open_beneath(inside, rel, O_NOFOLLOW);
    if (fd < 0) {
        /* Gone, or a component is now a link or a file (another call of the project changed it
         * since the walk): nothing setuid is left at this name to write through. */
        if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR)
            return;
        csb_child_die(control_fd, CSB_STEP_PROTECT, errno, rel);
    }
    struct stat st;
    if (fstat(fd, &st) < 0)
        csb_child_die(control_fd, CSB_STEP_PROTECT, errno, rel);
    /* The walk read the bits (or the file capabilities, which an O_PATH descriptor cannot read
     * here) moments ago; a tool cannot add either (seccomp), so only the type is checked again. */
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return;
    }
    if (readonly_over_itself(fd) < 0)
        csb_child_die(control_fd, CSB_STEP_PROTECT, errno, rel);
    close(fd);
}
