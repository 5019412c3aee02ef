/*
 * Fresh network namespaces made off the call's path (monitor side, host root).
 *
 * Every sandbox gets a network namespace nobody used before (a reused one shows the next
 * tenant the last one's TIME_WAIT sockets and loopback counters). Creating one and bringing its
 * loopback up costs about a millisecond of kernel work (the per-namespace sysctl, proc and sysfs
 * entries of `lo`, IPv6 addrconf); made by the clone, it sat on the serial path of prepare. Here
 * a thread of its own makes it while prepare does everything else, and the cloning thread enters
 * it for the clone only. Such a namespace is owned by the host's user namespace, so the
 * sandbox's root holds no capability over it at all (it cannot reconfigure even its loopback).
 */
#include "../include/csandbox.h"
#include "../child/child_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

int csb_netns_fresh(void)
{
    int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (home < 0)
        return -1;
    /* The way back needs CAP_SYS_ADMIN over the home namespace's owner, which root in a user
     * namespace of its own (a container) lacks while unshare still succeeds: entering the home
     * namespace first, a no-op, asks the kernel that question before there is no way back. */
    if (setns(home, CLONE_NEWNET) < 0 || unshare(CLONE_NEWNET) < 0) {
        int err = errno;
        close(home);
        errno = err;
        return -1;
    }
    int err = 0;
    int fd = -1;
    if (csb_loopback_up() < 0)
        err = errno;
    else if ((fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
        err = errno;
    /* A monitor thread left in a sandbox's namespace would make the host's sockets there. */
    if (setns(home, CLONE_NEWNET) < 0)
        abort();
    close(home);
    if (err != 0) {
        errno = err;
        return -1;
    }
    return fd;
}
