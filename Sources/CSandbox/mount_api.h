/*
 * The new mount API's flags, for C libraries whose <sys/mount.h> predates them (glibc < 2.36
 * has neither the flags nor wrappers; the files that use them call syscall() directly). One copy
 * for the child and the monitor; not in csandbox.h, which is what Swift sees.
 */
#ifndef CSANDBOX_MOUNT_API_H
#define CSANDBOX_MOUNT_API_H

#include <sys/mount.h>

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif

#endif
