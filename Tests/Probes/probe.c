/*
 * probe: one small C program the escape tests run inside the sandbox. Each subcommand makes
 * exactly one attempt and prints "<name> ok" or "<name> errno=<n>" so the test can assert
 * what the kernel answered, independently of the violation record the monitor wrote.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <signal.h>
#include <stddef.h>
#include <termios.h>
#include <unistd.h>

static int report(const char *name, long rc)
{
    if (rc < 0)
        printf("%s errno=%d\n", name, errno);
    else
        printf("%s ok\n", name);
    return 0;
}

static int connect_to(int family, int type, const char *addr, int port)
{
    int fd = socket(family, type, 0);
    if (fd < 0)
        return report("socket", -1);
    int rc;
    if (family == AF_INET) {
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        inet_pton(AF_INET, addr, &sa.sin_addr);
        rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    } else {
        struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
        inet_pton(AF_INET6, addr, &sa.sin6_addr);
        rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    }
    return report("connect", rc);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 2)
        return 2;
    const char *cmd = argv[1];
    if (!strcmp(cmd, "ptrace-traceme"))
        return report(cmd, ptrace(PTRACE_TRACEME, 0, 0, 0));
    if (!strcmp(cmd, "ptrace-attach"))
        return report(cmd, ptrace(PTRACE_ATTACH, (pid_t)atoi(argv[2]), 0, 0));
    if (!strcmp(cmd, "mount"))
        return report(cmd, mount("none", "/tmp", "tmpfs", 0, NULL));
    if (!strcmp(cmd, "unshare-user"))
        return report(cmd, unshare(CLONE_NEWUSER));
    if (!strcmp(cmd, "unshare-net"))
        return report(cmd, unshare(CLONE_NEWNET));
    if (!strcmp(cmd, "clone-newuser"))
        return report(cmd, syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0));
    if (!strcmp(cmd, "clone3"))
        return report(cmd, syscall(SYS_clone3, NULL, 0));
    if (!strcmp(cmd, "keyctl"))
        return report(cmd, syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
    if (!strcmp(cmd, "add_key"))
        return report(cmd, syscall(SYS_add_key, "user", "k", "v", 1, KEY_SPEC_SESSION_KEYRING));
    if (!strcmp(cmd, "bpf")) {
        union bpf_attr attr;
        memset(&attr, 0, sizeof attr);
        return report(cmd, syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr));
    }
    if (!strcmp(cmd, "io_uring")) {
        struct io_uring_params p;
        memset(&p, 0, sizeof p);
        return report(cmd, syscall(SYS_io_uring_setup, 4, &p));
    }
    if (!strcmp(cmd, "perf_event_open"))
        return report(cmd, syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
    if (!strcmp(cmd, "userfaultfd"))
        return report(cmd, syscall(SYS_userfaultfd, 0));
    if (!strcmp(cmd, "tiocsti")) {
        char c = 'x';
        return report(cmd, ioctl(0, TIOCSTI, &c));
    }
    if (!strcmp(cmd, "tiocsti-high-bits")) {
        /* CVE-2019-10063: junk in the upper 32 bits of the request must not slip past. */
        char c = 'x';
        return report(cmd, syscall(SYS_ioctl, 0, 0x100000000UL | TIOCSTI, &c));
    }
    if (!strcmp(cmd, "tioclinux")) {
        char subcode = 2; /* TIOCL_SETSEL: console selection, a paste into the terminal */
        return report(cmd, ioctl(0, TIOCLINUX, &subcode));
    }
    if (!strcmp(cmd, "socket"))
        return report(cmd, socket(atoi(argv[2]), atoi(argv[3]), atoi(argv[4])));
    if (!strcmp(cmd, "socket-high-bits"))
        return report(cmd, syscall(SYS_socket, 0x100000000UL | (unsigned long)atoi(argv[2]), SOCK_DGRAM, 0));
    if (!strcmp(cmd, "tcp4"))
        return connect_to(AF_INET, SOCK_STREAM, argv[2], atoi(argv[3]));
    if (!strcmp(cmd, "tcp6"))
        return connect_to(AF_INET6, SOCK_STREAM, argv[2], atoi(argv[3]));
    if (!strcmp(cmd, "udp4-sendto")) {
        int fd = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[3]))};
        inet_pton(AF_INET, argv[2], &sa.sin_addr);
        return report(cmd, sendto(fd, "q", 1, 0, (struct sockaddr *)&sa, sizeof sa));
    }
    if (!strcmp(cmd, "udp6-sendmsg")) {
        int fd = socket(AF_INET6, SOCK_DGRAM, 0);
        struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)atoi(argv[3]))};
        inet_pton(AF_INET6, argv[2], &sa.sin6_addr);
        struct iovec iov = {.iov_base = "q", .iov_len = 1};
        struct msghdr msg = {.msg_name = &sa, .msg_namelen = sizeof sa, .msg_iov = &iov, .msg_iovlen = 1};
        return report(cmd, sendmsg(fd, &msg, 0));
    }
    if (!strcmp(cmd, "abstract-unix")) {
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        size_t n = strlen(argv[2]);
        memcpy(sa.sun_path + 1, argv[2], n);
        return report(cmd, connect(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)));
    }
    if (!strcmp(cmd, "x32"))
        return report(cmd, syscall(0x40000000 | SYS_getpid));
    if (!strcmp(cmd, "personality"))
        return report(cmd, personality(0x0400000 /* READ_IMPLIES_EXEC */));
    if (!strcmp(cmd, "open-write"))
        return report(cmd, open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644));
    if (!strcmp(cmd, "open-read"))
        return report(cmd, open(argv[2], O_RDONLY));
    if (!strcmp(cmd, "openat2-read")) {
        /* struct open_how {u64 flags, mode, resolve}: the syscall libc has no wrapper for. */
        uint64_t how[3] = {O_RDONLY, 0, 0};
        return report(cmd, syscall(SYS_openat2, AT_FDCWD, argv[2], how, sizeof how));
    }
    if (!strcmp(cmd, "opath-reopen")) {
        /* O_PATH needs no permission event; reopening it through /proc must still meet one. */
        int fd = open(argv[2], 010000000 /* O_PATH */);
        if (fd < 0)
            return report(cmd, fd);
        char link[64];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        return report(cmd, open(link, O_RDONLY));
    }
    if (!strcmp(cmd, "fds")) {
        /* Lists our open descriptors as "fds 0 1 2". */
        printf("fds");
        for (int fd = 0; fd < 4096; fd++)
            if (fcntl(fd, F_GETFD) >= 0)
                printf(" %d", fd);
        printf("\n");
        return 0;
    }
    if (!strcmp(cmd, "ids")) {
        printf("euid=%d\n", (int)geteuid());
        char line[256];
        FILE *f = fopen("/proc/self/status", "r");
        while (f && fgets(line, sizeof line, f))
            if (!strncmp(line, "Cap", 3) || !strncmp(line, "NoNewPrivs", 10) || !strncmp(line, "Seccomp:", 8))
                fputs(line, stdout);
        return 0;
    }
    if (!strcmp(cmd, "memory")) {
        /* Touch every page, so the memory is really charged. */
        size_t mb = (size_t)atoi(argv[2]);
        for (size_t i = 0; i < mb; i++) {
            char *p = malloc(1 << 20);
            if (!p)
                return report("malloc", -1);
            memset(p, 1, 1 << 20);
        }
        return report(cmd, 0);
    }
    if (!strcmp(cmd, "forks")) {
        /* Forks until refused; each child just sleeps. */
        int n = 0;
        while (n < 100000) {
            pid_t pid = fork();
            if (pid < 0) {
                printf("forks=%d errno=%d\n", n, errno);
                return 0;
            }
            if (pid == 0) {
                pause();
                _exit(0);
            }
            n++;
        }
        printf("forks=%d\n", n);
        return 0;
    }
    fprintf(stderr, "unknown probe %s\n", cmd);
    return 2;
}
