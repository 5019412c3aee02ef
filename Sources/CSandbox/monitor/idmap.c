/*
 * The idmapped workspace. A root-owned project must stay root-owned on disk while the sandbox,
 * whose root is an unprivileged host uid, writes it. An idmapped mount translates on the fly:
 * through the sandbox's user namespace, on-disk uid 0 is the sandbox's root and what the tool
 * creates is stored as uid 0. Only host root can make one, so the monitor does it and hands the
 * detached tree to the child, which attaches it with move_mount.
 *
 * The workspace of a project of an unprivileged owner, and each writable bind, are idmapped too,
 * so that the sandbox can run as a host uid of its own while what it writes keeps its owner:
 * through a user namespace of no process's (csb_userns_with_maps) that maps the owner to the
 * sandbox's uid and every other id to itself.
 */
#include "../include/csandbox.h"
#include "../mount_api.h"
#include "raw_syscall.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int csb_idmapped_tree_fd(int dirfd, int userns_fd, int writable)
{
    int fd = (int)syscall(SYS_open_tree, dirfd, "", OPEN_TREE_CLONE | O_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
    if (fd < 0)
        return -1;
    struct mount_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (writable ? 0 : MOUNT_ATTR_RDONLY);
    attr.userns_fd = (uint64_t)userns_fd;
    if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/* The helper only has to exist while its maps are written; SIGKILL ends it. It runs on the
 * cloning thread's errno: raw system calls only (raw_syscall.h). */
static int hold_namespace(void *arg)
{
    (void)arg;
    for (;;)
        csb_raw_syscall(SYS_pause, 0, 0, 0, 0, 0);
    return 0;
}

static int write_map(pid_t pid, const char *file, const char *map)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t len = strlen(map);
    ssize_t n = write(fd, map, len);
    int saved = errno;
    close(fd);
    if (n == (ssize_t)len)
        return 0;
    errno = n < 0 ? saved : EIO;
    return -1;
}

/* Killed helpers not yet reaped, with their stacks. A killed helper needs a CPU to finish
 * exiting; on a loaded host that took up to ~1 ms, so the caller does not wait for it: the
 * stack is freed once the helper is reaped, by a later call. */
#define HELPER_STACK (16u << 10)
#define MAX_DYING 64
static struct {
    int pidfd;
    void *stack;
} dying[MAX_DYING];
static pthread_mutex_t dying_lock = PTHREAD_MUTEX_INITIALIZER;

static void bury(int pidfd, void *stack, int slot)
{
    siginfo_t info;
    while (waitid((idtype_t)3 /* P_PIDFD */, (id_t)pidfd, &info, WEXITED | __WALL) < 0 && errno == EINTR) {
    }
    close(pidfd);
    munmap(stack, HELPER_STACK);
    if (slot >= 0)
        dying[slot].stack = NULL;
}

/* Reaps the helpers that are gone; returns a free slot, or -1. Called with dying_lock held. */
static int reap_dying(void)
{
    int free_slot = -1;
    for (int i = 0; i < MAX_DYING; i++) {
        if (dying[i].stack != NULL) {
            siginfo_t info;
            info.si_pid = 0;
            if (waitid((idtype_t)3, (id_t)dying[i].pidfd, &info, WEXITED | WNOHANG | __WALL) == 0 && info.si_pid == 0)
                continue;
            bury(dying[i].pidfd, dying[i].stack, i);
        }
        if (free_slot < 0)
            free_slot = i;
    }
    return free_slot;
}

int csb_userns_with_maps(const char *uid_map, const char *gid_map)
{
    /* CLONE_VM | CLONE_FILES: no copy of a large coordinator's memory or descriptor table. No
     * exit signal, so a reaper of SIGCHLD children elsewhere in the process never sees it. */
    void *stack = mmap(NULL, HELPER_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED)
        return -1;
    int pidfd = -1;
    pid_t pid = clone(hold_namespace, (char *)stack + HELPER_STACK, CLONE_VM | CLONE_FILES | CLONE_NEWUSER | CLONE_PIDFD,
                      NULL, &pidfd);
    if (pid < 0) {
        int saved = errno;
        munmap(stack, HELPER_STACK);
        errno = saved;
        return -1;
    }
    int userns = -1;
    int err = 0;
    /* A privileged writer needs no setgroups "deny": the maps are the whole id space anyway. */
    if (write_map(pid, "uid_map", uid_map) < 0 || write_map(pid, "gid_map", gid_map) < 0) {
        err = errno;
    } else {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
        userns = open(path, O_RDONLY | O_CLOEXEC);
        if (userns < 0)
            err = errno;
    }
    syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
    pthread_mutex_lock(&dying_lock);
    int slot = reap_dying();
    if (slot >= 0) {
        dying[slot].pidfd = pidfd;
        dying[slot].stack = stack;
    }
    pthread_mutex_unlock(&dying_lock);
    if (slot < 0)
        bury(pidfd, stack, -1);
    errno = err;
    return userns;
}

void csb_wait_namespace_helpers(void)
{
    pthread_mutex_lock(&dying_lock);
    for (int i = 0; i < MAX_DYING; i++)
        if (dying[i].stack != NULL)
            bury(dying[i].pidfd, dying[i].stack, i);
    pthread_mutex_unlock(&dying_lock);
}

int csb_mount_id(int fd, uint64_t *id)
{
    struct statx sx;
    /* STATX_MNT_ID_UNIQUE (6.8) is never reused; the plain id may be after an unmount. */
    const unsigned masks[] = {0x4000u, STATX_MNT_ID};
    for (int i = 0; i < 2; i++) {
        if (statx(fd, "", AT_EMPTY_PATH, masks[i], &sx) == 0 && (sx.stx_mask & masks[i])) {
            *id = sx.stx_mnt_id;
            return 0;
        }
    }
    return -1;
}
