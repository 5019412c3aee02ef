/*
 * The monitor's fanotify group over its sandbox's traps (monitor side, may allocate).
 *
 * Permission events, not notifications: the opener waits until the monitor answers, so the
 * monitor both refuses (FAN_DENY, the tool sees EPERM) and learns who tried what. Inode marks,
 * because every sandbox has trap inodes of its own: no other monitor's group hears of them, and a
 * warm sandbox nobody polls yet cannot stall anyone else's open.
 */

#include "../include/csandbox.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <unistd.h>

int csb_fanotify_init(void)
{
    return fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY | O_CLOEXEC | O_LARGEFILE);
}

int csb_fanotify_mark(int fan, const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return -1;
    uint64_t mask = FAN_OPEN_PERM;
    if (S_ISDIR(st.st_mode))
        mask |= FAN_ONDIR;
    else
        mask |= FAN_ACCESS_PERM | FAN_OPEN_EXEC_PERM;
    return fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_DONT_FOLLOW, mask, AT_FDCWD, path);
}

int csb_fanotify_deny_pending(int fan, struct csb_fan_event *out, int max)
{
    char buffer[4096] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
    ssize_t len;
    do {
        len = read(fan, buffer, sizeof buffer);
    } while (len < 0 && errno == EINTR);
    if (len < 0)
        return errno == EAGAIN ? 0 : -1;
    int count = 0;
    struct fanotify_event_metadata *event = (struct fanotify_event_metadata *)buffer;
    for (; FAN_EVENT_OK(event, len); event = FAN_EVENT_NEXT(event, len)) {
        if (event->vers != FANOTIFY_METADATA_VERSION || event->fd < 0)
            continue;
        struct stat st;
        int known = fstat(event->fd, &st) == 0;
        if (event->mask & (FAN_OPEN_PERM | FAN_ACCESS_PERM | FAN_OPEN_EXEC_PERM)) {
            /* Deny before anything else can go wrong: an unanswered event blocks the opener. */
            struct fanotify_response response = {.fd = event->fd, .response = FAN_DENY};
            ssize_t w;
            do {
                w = write(fan, &response, sizeof response);
            } while (w < 0 && errno == EINTR);
        }
        close(event->fd);
        if (known && count < max) {
            out[count].pid = event->pid;
            out[count].dev = (uint64_t)st.st_dev;
            out[count].ino = (uint64_t)st.st_ino;
            count++;
        }
    }
    return count;
}

int csb_is_tmpfs(const char *path)
{
    struct statfs fs;
    return statfs(path, &fs) == 0 && fs.f_type == TMPFS_MAGIC;
}

#define CLOSER_STACK (64u << 10)
#define MAX_CLOSERS 64

struct closer {
    int pidfd;
    void *stack;
    int fds[CSB_CLOSE_MAX];
};
static struct closer closers[MAX_CLOSERS];
static pthread_mutex_t closers_lock = PTHREAD_MUTEX_INITIALIZER;

static int closer_main(void *arg)
{
    const int *fds = arg;
    for (int i = 0; i < CSB_CLOSE_MAX; i++)
        if (fds[i] >= 0)
            syscall(SYS_close, fds[i]);
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

void csb_close_detached(int fan) { csb_close_all_detached(&fan, 1); }

void csb_close_all_detached(const int *fds, int count)
{
    if (count > CSB_CLOSE_MAX) {
        close_each(fds + CSB_CLOSE_MAX, count - CSB_CLOSE_MAX);
        count = CSB_CLOSE_MAX;
    }
    pthread_mutex_lock(&closers_lock);
    int slot = reap_closers();
    void *stack = slot < 0 ? MAP_FAILED
                           : mmap(NULL, CLOSER_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) {
        pthread_mutex_unlock(&closers_lock);
        close_each(fds, count);
        return;
    }
    /* The helper reads its list from the slot, which stays put until it is reaped. */
    for (int i = 0; i < CSB_CLOSE_MAX; i++)
        closers[slot].fds[i] = i < count ? fds[i] : -1;
    int pidfd = -1;
    pid_t pid = clone(closer_main, (char *)stack + CLOSER_STACK, CLONE_VM | CLONE_FILES | CLONE_PIDFD,
                      closers[slot].fds, &pidfd);
    if (pid < 0) {
        munmap(stack, CLOSER_STACK);
        pthread_mutex_unlock(&closers_lock);
        close_each(fds, count);
        return;
    }
    closers[slot].pidfd = pidfd;
    closers[slot].stack = stack;
    pthread_mutex_unlock(&closers_lock);
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
