/*
 * The project root as a handle (monitor side). The coordinator names a root by path, but a path
 * can be swapped under us (a tool in an enclosing project replaces the directory with a symlink
 * to /etc); so the root is opened without following any symlink in any component, checked by
 * identity, and mounted from that descriptor (idmap.c for a root-owned project), never by path
 * again.
 */
#include "../include/csandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

int csb_open_root_nofollow(const char *path)
{
    struct open_how how = {
        .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
        .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
    };
    return (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
}

