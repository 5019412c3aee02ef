/*
 * Protected paths, monitor side: makes sure each one exists before the child mounts it
 * read-only over itself. A mount needs a mount point, so a missing protected path inside an
 * existing directory below the root (`.git/hooks` in a repository without hooks) gets an empty,
 * inert placeholder created here by the host, at its highest missing ancestor. A missing entry
 * of the root itself (`.git` in a project that is no repository, `.envrc`) gets none: an empty
 * `.git/` or `.envrc` in every project would change what editors and tools see there (a `.git`
 * marks a repository root), so it is left unprotected and the caller says so. Every step walks
 * from the root's handle with no symlink followed, so a planted link can neither redirect the
 * walk nor be mounted over.
 */
#include "../include/csandbox.h"
#include "raw_syscall.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

static int open_component(int dirfd, const char *name, int directory)
{
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    int fd = (int)syscall(SYS_openat2, dirfd, name, &how, sizeof how);
    if (fd < 0)
        return -1;
    /* Checked here rather than with O_DIRECTORY, so a symlink reads as ELOOP, not ENOTDIR. */
    struct stat st;
    int err = fstat(fd, &st) < 0 ? errno : S_ISLNK(st.st_mode) ? ELOOP : directory && !S_ISDIR(st.st_mode) ? ENOTDIR : 0;
    if (err != 0) {
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

int csb_protect_prepare(int rootfd, const char *rel, int is_dir, uid_t uid, gid_t gid)
{
    char component[256];
    int dir = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
    if (dir < 0)
        return -1;
    int depth = 0;
    const char *p = rel;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        const char *next = slash ? slash + 1 : p + n;
        int last = *next == '\0';
        if (n == 0 || n >= sizeof component) {
            close(dir);
            errno = EINVAL;
            return -1;
        }
        memcpy(component, p, n);
        component[n] = '\0';
        depth++;
        int want_dir = !last || is_dir;
        int fd = open_component(dir, component, want_dir);
        if (fd >= 0) {
            close(dir);
            dir = fd;
            p = next;
            continue;
        }
        if (errno != ENOENT) {
            int saved = errno;
            close(dir);
            errno = saved;
            return -1;
        }
        /* The highest missing ancestor: the placeholder, unless it would be an entry of the root.
         * EEXIST means a concurrent prepare made it first, which is as good. */
        if (depth == 1) {
            close(dir);
            return 0;
        }
        int rc;
        if (want_dir) {
            rc = mkdirat(dir, component, 0755);
        } else {
            rc = openat(dir, component, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
            if (rc >= 0)
                close(rc);
        }
        /* A filesystem that refuses us the creation (read-only, procfs, no permission for an
         * unprivileged monitor) refuses the tool too, whose rights are at most ours. */
        if (rc < 0 && (errno == EROFS || errno == ENOENT || errno == EPERM || errno == EACCES)) {
            close(dir);
            return 0;
        }
        if (rc < 0 && errno != EEXIST) {
            int saved = errno;
            close(dir);
            errno = saved;
            return -1;
        }
        if (rc >= 0 || want_dir)
            (void)fchownat(dir, component, uid, gid, AT_SYMLINK_NOFOLLOW);
        close(dir);
        return depth;
    }
    close(dir);
    return depth;
}

/*
 * Placeholders for missing entries of the root itself (`.git`, `.envrc` in a project that has
 * none). Without one, a tool could create `.git/config` or `.envrc` and the host would run it
 * later; with one, the child mounts it read-only over itself like any protected path. It lives
 * only while a sandbox of the project does: the caller holds a shared lock on the project's lock
 * file meanwhile, and whoever then gets it exclusively removes every placeholder still empty.
 * A placeholder carries the marker PLACEHOLDER_XATTR, which only the host's root can set or
 * remove (trusted.*), so neither a tool nor a user's own empty `.envrc` is ever taken for one,
 * and one left by a monitor that died is removed by the next one that gets the lock.
 */
#define PLACEHOLDER_XATTR "trusted.jcs.placeholder"

static int open_entry(int rootfd, const char *name)
{
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    return (int)syscall(SYS_openat2, rootfd, name, &how, sizeof how);
}

/* Marks a placeholder we just created through `fd` and gives it the root's owner; a chown to
 * the owner it has already (a root-owned project) is skipped: each is a journal handle on ext4,
 * on every prepare of a project whose last sandbox swept them. */
static int mark_created(int fd, uid_t uid, gid_t gid)
{
    struct stat st;
    if (fsetxattr(fd, PLACEHOLDER_XATTR, "1", 1, 0) < 0 || fstat(fd, &st) < 0)
        return -1;
    if ((st.st_uid != uid || st.st_gid != gid) && fchown(fd, uid, gid) < 0)
        return -1;
    return 0;
}

int csb_protect_placeholder(int rootfd, const char *name, int is_dir, uid_t uid, gid_t gid)
{
    if (name[0] == '\0' || strchr(name, '/') != NULL || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
        errno = EINVAL;
        return -1;
    }
    int created;
    int fd = -1;
    if (is_dir) {
        created = mkdirat(rootfd, name, 0755) == 0;
    } else {
        /* The descriptor of the creation is the placeholder: no second lookup to mark it. */
        fd = openat(rootfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        created = fd >= 0;
    }
    if (!created && errno != EEXIST)
        return errno == EROFS || errno == EPERM || errno == EACCES || errno == ENOENT ? 0 : -1;
    if (fd < 0)
        fd = open_entry(rootfd, name);
    if (fd < 0) {
        /* Something else is there (a link: the caller's walk refuses it; a socket): not ours. */
        if (!created)
            return 2;
        return -1;
    }
    int rc;
    if (created) {
        rc = mark_created(fd, uid, gid) == 0 ? 1 : -1;
        if (rc < 0) {
            int err = errno;
            close(fd);
            (void)unlinkat(rootfd, name, is_dir ? AT_REMOVEDIR : 0);
            errno = err;
            return -1;
        }
    } else {
        char value[4];
        rc = fgetxattr(fd, PLACEHOLDER_XATTR, value, sizeof value) > 0 ? 1 : 2;
    }
    close(fd);
    return rc;
}

/* Raw system calls only: a detached helper runs this on another thread's errno (detached.c). */
void csb_protect_sweep(int rootfd, const char *name)
{
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    long fd = csb_raw_syscall(SYS_openat2, rootfd, (long)name, (long)&how, sizeof how, 0);
    if (fd < 0)
        return;
    char value[4];
    struct stat st;
    int ours = csb_raw_syscall(SYS_fgetxattr, fd, (long)PLACEHOLDER_XATTR, (long)value, sizeof value, 0) > 0 &&
               csb_raw_syscall(SYS_fstat, fd, (long)&st, 0, 0, 0) == 0;
    csb_raw_syscall(SYS_close, fd, 0, 0, 0, 0);
    if (!ours)
        return;
    /* Only an empty one: what a host user put into it since is theirs (rmdir refuses a full
     * directory by itself). */
    if (S_ISDIR(st.st_mode))
        csb_raw_syscall(SYS_unlinkat, rootfd, (long)name, AT_REMOVEDIR, 0, 0);
    else if (S_ISREG(st.st_mode) && st.st_size == 0)
        csb_raw_syscall(SYS_unlinkat, rootfd, (long)name, 0, 0, 0);
}
