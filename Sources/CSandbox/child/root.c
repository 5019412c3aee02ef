/*
 * The workspace from a verified handle (child side). The plan names the root by its host path
 * and the identity (device, inode) the coordinator recorded when the project started. The child
 * opens the path under the host's root without following any symlink, in any component, checks
 * the identity, and mounts from that descriptor: between the check and the mount there is no
 * second lookup a swapped path could redirect.
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

static int have_expected;
static uint64_t expected_dev, expected_ino;

/* Decimal digits to u64; -1 unless the whole string is digits. */
static int parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (*s == '\0')
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 0;
}

/* Appends the decimal digits of v at out[*pos] (bounded by len, NUL kept). */
static void put_u64(char *out, size_t len, size_t *pos, uint64_t v)
{
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0 && n < (int)sizeof digits);
    while (n > 0 && *pos + 1 < len)
        out[(*pos)++] = digits[--n];
    out[*pos] = '\0';
}

static void put_str(char *out, size_t len, size_t *pos, const char *s)
{
    while (*s && *pos + 1 < len)
        out[(*pos)++] = *s++;
    out[*pos] = '\0';
}

void csb_expect_root(int control_fd, uint64_t inode, const char *device)
{
    if (parse_u64(device, &expected_dev) < 0)
        csb_child_die(control_fd, CSB_STEP_PLAN, EINVAL, "root identity device");
    expected_ino = inode;
    have_expected = 1;
}

/* Opens `host_path` under the host's root (at OLDROOT) with no symlink followed and checks it is
 * the expected directory; dies with CSB_STEP_ROOT_IDENTITY otherwise ("found dev=D ino=I", or the
 * errno of the refused lookup). */
static int open_verified(int control_fd, const char *host_path)
{
    char source[4096];
    if (csb_join_path(source, sizeof source, CSB_OLDROOT, host_path) < 0)
        csb_child_die(control_fd, CSB_STEP_WORKSPACE, ENAMETOOLONG, host_path);
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
    how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    int fd = (int)syscall(SYS_openat2, AT_FDCWD, source, &how, sizeof how);
    /* A link, a gap or a non-directory where the root was is a swap; anything else (EACCES for
     * an owner who cannot reach the path) is an ordinary set-up failure. */
    if (fd < 0 && (errno == ELOOP || errno == ENOENT || errno == ENOTDIR))
        csb_child_die(control_fd, CSB_STEP_ROOT_IDENTITY, errno, host_path);
    if (fd < 0)
        csb_child_die(control_fd, CSB_STEP_WORKSPACE, errno, host_path);
    struct stat st;
    if (fstat(fd, &st) < 0)
        csb_child_die(control_fd, CSB_STEP_ROOT_IDENTITY, errno, host_path);
    if (have_expected && ((uint64_t)st.st_dev != expected_dev || (uint64_t)st.st_ino != expected_ino)) {
        char detail[128];
        size_t pos = 0;
        put_str(detail, sizeof detail, &pos, "found dev=");
        put_u64(detail, sizeof detail, &pos, (uint64_t)st.st_dev);
        put_str(detail, sizeof detail, &pos, " ino=");
        put_u64(detail, sizeof detail, &pos, (uint64_t)st.st_ino);
        csb_child_die(control_fd, CSB_STEP_ROOT_IDENTITY, 0, detail);
    }
    return fd;
}

void csb_mount_workspace(int control_fd, const char *host_path, const char *target, int writable)
{
    int dir = open_verified(control_fd, host_path);
    int tree = (int)syscall(SYS_open_tree, dir, "", OPEN_TREE_CLONE | O_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
    if (tree < 0)
        csb_child_die(control_fd, CSB_STEP_WORKSPACE, errno, host_path);
    close(dir);
    struct mount_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (writable ? 0 : MOUNT_ATTR_RDONLY);
    if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0 ||
        syscall(SYS_move_mount, tree, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        csb_child_die(control_fd, CSB_STEP_WORKSPACE, errno, host_path);
    close(tree);
}
