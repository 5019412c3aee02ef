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

/* A user namespace held open by a child stopped on a pipe, so we can idmap through it. */
int csb_probe_idmapped_mount(const char *path)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return errno;
    long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (pid < 0)
        return errno;
    if (pid == 0) {
        char b;
        close(pipefd[1]);
        (void)read(pipefd[0], &b, 1);
        _exit(0);
    }
    close(pipefd[0]);
    char map_path[64], ns_path[64];
    int err = 0;
    static const char map[] = "0 65534 1\n";
    const char *files[] = {"uid_map", "gid_map"};
    for (int i = 0; i < 2 && err == 0; i++) {
        int n = 0;
        memcpy(map_path, "/proc/", 6);
        n = 6;
        char digits[16];
        int d = 0;
        long v = pid;
        do {
            digits[d++] = (char)('0' + v % 10);
            v /= 10;
        } while (v > 0);
        while (d > 0)
            map_path[n++] = digits[--d];
        map_path[n++] = '/';
        strcpy(map_path + n, files[i]);
        if (i == 0) {
            memcpy(ns_path, map_path, (size_t)n);
            strcpy(ns_path + n, "ns/user");
        }
        int fd = open(map_path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, map, sizeof map - 1) < 0)
            err = errno;
        if (fd >= 0)
            close(fd);
    }
    if (err == 0) {
        int userns = open(ns_path, O_RDONLY | O_CLOEXEC);
        if (userns < 0) {
            err = errno;
        } else {
            int dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
            int tree = dir < 0 ? -1 : csb_idmapped_tree_fd(dir, userns, 0);
            if (tree < 0)
                err = errno;
            else
                close(tree);
            if (dir >= 0)
                close(dir);
            close(userns);
        }
    }
    close(pipefd[1]);
    waitpid((pid_t)pid, NULL, 0);
    return err;
}
