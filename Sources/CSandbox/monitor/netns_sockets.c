/* Sockets inside a sandbox's network namespace, made by the monitor (egress DNS): a thread of
 * ours joins the namespace (setns changes only the calling thread's), makes and binds the
 * sockets, and ends. A socket keeps the namespace it was made in, so the rest of the monitor
 * uses them from the host's namespace. */
#include "../include/csandbox.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

struct netns_job {
    int pidfd;
    struct csb_netns_socket *sockets;
    int count;
    int err;
};

static int bind_loopback(struct csb_netns_socket *s)
{
    int fd = socket(s->family, s->type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int rc;
    if (s->family == AF_INET6) {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        struct sockaddr_in6 sin6;
        memset(&sin6, 0, sizeof sin6);
        sin6.sin6_family = AF_INET6;
        sin6.sin6_port = htons(s->port);
        sin6.sin6_addr = in6addr_loopback;
        rc = bind(fd, (struct sockaddr *)&sin6, sizeof sin6);
    } else {
        struct sockaddr_in sin;
        memset(&sin, 0, sizeof sin);
        sin.sin_family = AF_INET;
        sin.sin_port = htons(s->port);
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        rc = bind(fd, (struct sockaddr *)&sin, sizeof sin);
    }
    if (rc == 0 && s->type == SOCK_STREAM)
        rc = listen(fd, 64);
    if (rc != 0) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

static void *netns_thread(void *arg)
{
    struct netns_job *job = arg;
    struct stat ours, theirs;
    if (stat("/proc/thread-self/ns/net", &ours) != 0 || setns(job->pidfd, CLONE_NEWNET) != 0 ||
        stat("/proc/thread-self/ns/net", &theirs) != 0) {
        job->err = errno;
        return NULL;
    }
    /* A sandbox sharing our namespace (a profile with the host's network): its "loopback" is the
     * host's, where these sockets must never be. */
    if (ours.st_ino == theirs.st_ino && ours.st_dev == theirs.st_dev) {
        job->err = EEXIST;
        return NULL;
    }
    for (int i = 0; i < job->count; i++) {
        job->sockets[i].fd = bind_loopback(&job->sockets[i]);
        job->sockets[i].err = job->sockets[i].fd < 0 ? errno : 0;
    }
    return NULL;
}

int csb_netns_loopback_sockets(int pidfd, struct csb_netns_socket *sockets, int count)
{
    struct netns_job job = {pidfd, sockets, count, 0};
    for (int i = 0; i < count; i++) {
        sockets[i].fd = -1;
        sockets[i].err = 0;
    }
    pthread_t thread;
    int rc = pthread_create(&thread, NULL, netns_thread, &job);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    pthread_join(thread, NULL);
    if (job.err != 0) {
        errno = job.err;
        return -1;
    }
    return 0;
}
