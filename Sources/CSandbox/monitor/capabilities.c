/*
 * File capabilities of a project file (monitor side): whether `security.capability` is set, which
 * the prepare-time walk asks of every executable it finds. The kernel strips the attribute on
 * write(2) but not on a store through a shared writable mapping, so an executable that carries
 * one is mounted read-only in the sandbox like a setuid file (child/protect.c).
 */
#include "../include/csandbox.h"

#include <sys/xattr.h>

int csb_file_has_capabilities(const char *path, int follow)
{
    ssize_t size = follow ? getxattr(path, "security.capability", NULL, 0)
                          : lgetxattr(path, "security.capability", NULL, 0);
    return size >= 0;
}
