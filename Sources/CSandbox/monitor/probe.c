/*
 * Host probes for `jcs doctor`: each one tries the real operation in a throwaway child, because
 * kernel configs, LSMs and sysctls can each disable a layer that the headers say exists.
 */
#include "../include/csandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs fn in a child cloned with `flags`; returns 0 if it exited 0, else the errno it exited with. */
static int in_child(int flags, int (*fn)(void))
{
    long pid = syscall(SYS_clone, (unsigned long)flags | SIGCHLD, 0, 0, 0, 0);
    if (pid < 0)
        return errno;
    if (pid == 0)
        _exit(fn() == 0 ? 0 : (errno > 0 && errno < 255 ? errno : 254));
    int status = 0;
    while (waitpid((pid_t)pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return EINTR;
}

static int nothing(void) { return 0; }

int csb_probe_userns(void) { return in_child(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET, nothing); }

static int load_allow_filter(unsigned long flags)
{
    struct sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
    struct sock_fprog prog = {.len = 1, .filter = allow};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return -1;
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog) < 0 ? -1 : 0;
}

static int seccomp_filter_child(void) { return load_allow_filter(0); }

static int seccomp_notify_child(void)
{
    /* A listener for a filter that notifies nothing still proves the kernel accepts the flag. */
    return load_allow_filter(SECCOMP_FILTER_FLAG_NEW_LISTENER);
}

int csb_probe_seccomp_filter(void) { return in_child(0, seccomp_filter_child); }

int csb_probe_seccomp_notify(void) { return in_child(0, seccomp_notify_child); }

int csb_probe_landlock_abi(void)
{
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    return abi < 0 ? -errno : (int)abi;
}

static int pivot_child(void)
{
    /* pivot_root(".", ".") needs no put_old directory: an unmapped uid cannot mkdir here. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
        mount("tmpfs", "/tmp", "tmpfs", 0, "size=64k") < 0 || chdir("/tmp") < 0 ||
        syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0)
        return -1;
    return 0;
}

int csb_probe_pivot_root(void) { return in_child(CLONE_NEWUSER | CLONE_NEWNS, pivot_child); }

/* An idmapped tree of the directory `dir` through a namespace of no process's
 * (csb_userns_with_maps): 0, or why the mount refused. */
int csb_probe_idmapped_mount_fd(int dir)
{
    int userns = csb_userns_with_maps("0 65534 1\n", "0 65534 1\n");
    if (userns < 0)
        return errno;
    int err = 0;
    int tree = csb_idmapped_tree_fd(dir, userns, 0);
    if (tree < 0)
        err = errno;
    else
        close(tree);
    close(userns);
    return err;
}

int csb_probe_idmapped_mount(const char *path)
{
    int dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return errno;
    int err = csb_probe_idmapped_mount_fd(dir);
    close(dir);
    return err;
}
