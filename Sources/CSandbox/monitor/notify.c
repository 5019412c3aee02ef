/* seccomp user notification, monitor side: the kernel parks the tool's syscall until we answer. */
#include "../include/csandbox.h"

#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/seccomp.h>

int csb_notify_receive(int listener, struct csb_notification *out)
{
    csb_libseccomp_init();
    struct seccomp_notif *req = NULL;
    struct seccomp_notif_resp *resp = NULL;
    if (seccomp_notify_alloc(&req, &resp) != 0) {
        errno = ENOMEM;
        return -1;
    }
    int rc = seccomp_notify_receive(listener, req);
    if (rc == 0) {
        out->id = req->id;
        out->pid = req->pid;
        out->nr = req->data.nr;
        out->arch = req->data.arch;
        memcpy(out->args, req->data.args, sizeof out->args);
    }
    seccomp_notify_free(req, resp);
    if (rc != 0) {
        errno = -rc;
        return -1;
    }
    return 0;
}

int csb_notify_respond(int listener, uint64_t id, int32_t error, int continue_call)
{
    struct seccomp_notif *req = NULL;
    struct seccomp_notif_resp *resp = NULL;
    if (seccomp_notify_alloc(&req, &resp) != 0) {
        errno = ENOMEM;
        return -1;
    }
    memset(resp, 0, sizeof *resp);
    resp->id = id;
    resp->error = continue_call ? 0 : -error;
    resp->flags = continue_call ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0;
    int rc = seccomp_notify_respond(listener, resp);
    seccomp_notify_free(req, resp);
    if (rc != 0) {
        errno = -rc;
        return -1;
    }
    return 0;
}

/* Egress: the tool's own descriptor becomes a socket the monitor connected through the egress
 * proxy. SETFD on the same number, not FLAG_SEND: the tool's connect() must return 0, not a
 * descriptor number, and its other copies of the number (dup'ed fds) are the tool's business. */
int csb_notify_addfd(int listener, uint64_t id, int srcfd, int target_fd, int cloexec)
{
    struct seccomp_notif_addfd addfd;
    memset(&addfd, 0, sizeof addfd);
    addfd.id = id;
    addfd.flags = SECCOMP_ADDFD_FLAG_SETFD;
    addfd.srcfd = (uint32_t)srcfd;
    addfd.newfd = (uint32_t)target_fd;
    addfd.newfd_flags = cloexec ? O_CLOEXEC : 0;
    int rc;
    do {
        rc = ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);
    } while (rc < 0 && errno == EINTR);
    return rc < 0 ? -1 : 0;
}

int csb_socket_netns(int sockfd)
{
#ifndef SIOCGSKNS
#define SIOCGSKNS 0x894C
#endif
    return ioctl(sockfd, SIOCGSKNS);
}

int csb_notify_id_valid(int listener, uint64_t id) { return seccomp_notify_id_valid(listener, id) == 0; }

int csb_syscall_number(const char *name)
{
    int nr = seccomp_syscall_resolve_name(name);
    return nr == __NR_SCMP_ERROR ? -1 : nr;
}

int csb_syscall_name(int nr, char *buf, size_t len)
{
    char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
    if (name == NULL || len == 0)
        return -1;
    strncpy(buf, name, len - 1);
    buf[len - 1] = '\0';
    free(name);
    return 0;
}

int csb_seccomp_notify_supported(void)
{
    struct seccomp_notif_sizes sizes;
    return syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) == 0;
}
