/* openat2 wrappers for the coordinator's beneath-only file access (see csandbox_beneath.h). */
#include "../include/csandbox_beneath.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

static int beneath(int dirfd, const char *path, int flags)
{
    struct open_how how = {
        /* No O_NOFOLLOW: with it, a link as the last component answers ENOTDIR (O_DIRECTORY) or
         * opens the link itself (O_PATH); without it RESOLVE_NO_SYMLINKS refuses it with ELOOP
         * like any other component, so every link has the same answer. */
        .flags = (unsigned long long)(flags | O_CLOEXEC),
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
    };
    if (flags & O_CREAT) {
        errno = EINVAL;
        return -1;
    }
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

int csb_beneath_open(int dirfd, const char *path, int flags) { return beneath(dirfd, path, flags); }

int csb_beneath_open_path(int dirfd, const char *path) { return beneath(dirfd, path, O_PATH); }

int csb_open_root_handle(const char *path) { return open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC); }
