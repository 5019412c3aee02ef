/*
 * Work a helper process does off the caller's path (monitor side). Dropping a sandbox's last
 * namespace references
 * tears down its mount tree (an expedited RCU grace period) and queues its network cleanup;
 * removing a project's placeholders is metadata work on the project's file system. None of it
 * is part of a result, so a helper sharing our memory and descriptor table (CLONE_VM |
 * CLONE_FILES, no signal at exit) does it, and the caller goes on. Earlier helpers are reaped
 * on each call; a process about to exit waits for them (csb_wait_closers). A process, not a
 * thread: `jcs sandbox run` exits at once, and its helper finishes the teardown (~13 ms with a
 * thread that the exit had to wait for). Sharing our memory, the helper also shares the cloning
 * thread's errno, so it makes raw system calls only (raw_syscall.h).
 */
#include "../include/csandbox.h"
#include "raw_syscall.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CLOSER_STACK (64u << 10)
#define MAX_CLOSERS 64

/* What a helper does: optionally release a project's placeholders, then close fds[]. Kept in
 * the slot, which stays put until the helper is reaped. */
struct closer_job {
    int fds[CSB_CLOSE_MAX];
    int sweep_lock; /* -1: no placeholders to release */
    int sweep_root;
    char sweep_path[256];
    char sweep_names[1024]; /* NUL-separated, ending with an empty name */
};

struct closer {
    int pidfd;
    void *stack;
    struct closer_job job;
};
static struct closer closers[MAX_CLOSERS];
static pthread_mutex_t closers_lock = PTHREAD_MUTEX_INITIALIZER;

/* Runs on the cloning thread's thread-local storage: raw system calls only, no libc call that
 * could set errno under that thread (raw_syscall.h). */
static int closer_main(void *arg)
{
    const struct closer_job *job = arg;
    if (job->sweep_lock >= 0) {
        /* The last of the project's sandboxes to go removes the placeholders (protect.c). */
        if (csb_raw_syscall(SYS_flock, job->sweep_lock, LOCK_EX | LOCK_NB, 0, 0, 0) == 0) {
            for (const char *name = job->sweep_names; *name; name += strlen(name) + 1)
                csb_protect_sweep(job->sweep_root, name);
            csb_raw_syscall(SYS_unlinkat, AT_FDCWD, (long)job->sweep_path, 0, 0, 0);
        }
        csb_raw_syscall(SYS_close, job->sweep_lock, 0, 0, 0, 0);
        csb_raw_syscall(SYS_close, job->sweep_root, 0, 0, 0, 0);
    }
    for (int i = 0; i < CSB_CLOSE_MAX; i++)
        if (job->fds[i] >= 0)
            csb_raw_syscall(SYS_close, job->fds[i], 0, 0, 0, 0);
    return 0;
}

static void close_each(const int *fds, int count)
{
    for (int i = 0; i < count; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

/* Reaps finished helpers and frees their stacks; with `slot`, returns a free slot or -1. */
static int reap_closers(void)
{
    int free_slot = -1;
    for (int i = 0; i < MAX_CLOSERS; i++) {
        if (closers[i].stack == NULL) {
            if (free_slot < 0)
                free_slot = i;
            continue;
        }
        siginfo_t info;
        info.si_pid = 0;
        if (waitid((idtype_t)3 /* P_PIDFD */, (id_t)closers[i].pidfd, &info, WEXITED | WNOHANG | __WALL) == 0 &&
            info.si_pid != 0) {
            close(closers[i].pidfd);
            munmap(closers[i].stack, CLOSER_STACK);
            closers[i].stack = NULL;
            if (free_slot < 0)
                free_slot = i;
        }
    }
    return free_slot;
}

/* Starts a helper for `job`; runs it inline when no helper can start. */
static void run_detached(const struct closer_job *job)
{
    pthread_mutex_lock(&closers_lock);
    int slot = reap_closers();
    void *stack = slot < 0 ? MAP_FAILED
                           : mmap(NULL, CLOSER_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) {
        pthread_mutex_unlock(&closers_lock);
        closer_main((void *)job);
        return;
    }
    closers[slot].job = *job;
    int pidfd = -1;
    pid_t pid = clone(closer_main, (char *)stack + CLOSER_STACK, CLONE_VM | CLONE_FILES | CLONE_PIDFD,
                      &closers[slot].job, &pidfd);
    if (pid < 0) {
        munmap(stack, CLOSER_STACK);
        pthread_mutex_unlock(&closers_lock);
        closer_main((void *)job);
        return;
    }
    closers[slot].pidfd = pidfd;
    closers[slot].stack = stack;
    pthread_mutex_unlock(&closers_lock);
}

static void set_fds(struct closer_job *job, const int *fds, int count)
{
    for (int i = 0; i < CSB_CLOSE_MAX; i++)
        job->fds[i] = i < count ? fds[i] : -1;
}

void csb_close_all_detached(const int *fds, int count)
{
    if (count > CSB_CLOSE_MAX) {
        close_each(fds + CSB_CLOSE_MAX, count - CSB_CLOSE_MAX);
        count = CSB_CLOSE_MAX;
    }
    struct closer_job job;
    memset(&job, 0, sizeof job);
    job.sweep_lock = -1;
    set_fds(&job, fds, count);
    run_detached(&job);
}

int csb_protect_release_detached(int lock_fd, int root_fd, const char *lock_path, const char *names, size_t names_len,
                                 const int *fds, int count)
{
    struct closer_job job;
    memset(&job, 0, sizeof job);
    if (count > CSB_CLOSE_MAX || strlen(lock_path) >= sizeof job.sweep_path || names_len + 1 > sizeof job.sweep_names) {
        errno = E2BIG;
        return -1;
    }
    job.sweep_lock = lock_fd;
    job.sweep_root = root_fd;
    memcpy(job.sweep_path, lock_path, strlen(lock_path) + 1);
    memcpy(job.sweep_names, names, names_len);
    job.sweep_names[names_len] = '\0';
    set_fds(&job, fds, count);
    run_detached(&job);
    return 0;
}

void csb_wait_closers(void)
{
    pthread_mutex_lock(&closers_lock);
    for (int i = 0; i < MAX_CLOSERS; i++) {
        if (closers[i].stack == NULL)
            continue;
        siginfo_t info;
        while (waitid((idtype_t)3 /* P_PIDFD */, (id_t)closers[i].pidfd, &info, WEXITED | __WALL) < 0 && errno == EINTR) {
        }
        close(closers[i].pidfd);
        munmap(closers[i].stack, CLOSER_STACK);
        closers[i].stack = NULL;
    }
    pthread_mutex_unlock(&closers_lock);
}
