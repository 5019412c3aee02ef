/*
 * Landlock, a second, independent layer under the mounts: once the root is built, writes are
 * allowed only beneath the paths the plan made writable (the workspace when writable, the tmpfs
 * mounts, writable binds, /dev and /proc). If a mount were ever misconfigured, or a future bug
 * exposed a host path read-write, Landlock would still refuse the write. On kernels with ABI 6
 * it also scopes abstract unix sockets and signals to the sandbox's own domain.
 *
 * Best effort by design: a kernel without Landlock (ENOSYS, EOPNOTSUPP) leaves the namespaces
 * as the enforcing layer, and `jcs doctor` says so.
 */
#include "child_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The uapi header of this distribution predates the later ABI fields; the kernel reads only as
 * many bytes as the size passed, so the layout is spelled out here. */
struct ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net; /* ABI 4 */
    uint64_t scoped;             /* ABI 6 */
};

struct path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

#define FS_WRITE_FILE (1ULL << 1)
#define FS_REMOVE_DIR (1ULL << 4)
#define FS_REMOVE_FILE (1ULL << 5)
#define FS_MAKE_CHAR (1ULL << 6)
#define FS_MAKE_DIR (1ULL << 7)
#define FS_MAKE_REG (1ULL << 8)
#define FS_MAKE_SOCK (1ULL << 9)
#define FS_MAKE_FIFO (1ULL << 10)
#define FS_MAKE_BLOCK (1ULL << 11)
#define FS_MAKE_SYM (1ULL << 12)
#define FS_REFER (1ULL << 13)    /* ABI 2 */
#define FS_TRUNCATE (1ULL << 14) /* ABI 3 */
#define SCOPE_ABSTRACT_UNIX (1ULL << 0)
#define SCOPE_SIGNAL (1ULL << 1)
#define RULE_PATH_BENEATH 1
#define CREATE_RULESET_VERSION (1U << 0)

static const char *writable[64];
static int writable_count;

void csb_landlock_allow_writes(const char *path)
{
    if (writable_count < (int)(sizeof writable / sizeof writable[0]))
        writable[writable_count++] = path;
}

int csb_landlock_restrict(void)
{
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, CREATE_RULESET_VERSION);
    if (abi < 1)
        return 0; /* no Landlock on this kernel: the namespaces remain the enforcing layer */
    uint64_t write_rights = FS_WRITE_FILE | FS_REMOVE_DIR | FS_REMOVE_FILE | FS_MAKE_CHAR | FS_MAKE_DIR |
                            FS_MAKE_REG | FS_MAKE_SOCK | FS_MAKE_FIFO | FS_MAKE_BLOCK | FS_MAKE_SYM;
    if (abi >= 2)
        write_rights |= FS_REFER;
    if (abi >= 3)
        write_rights |= FS_TRUNCATE;
    struct ruleset_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.handled_access_fs = write_rights;
    size_t size = sizeof attr.handled_access_fs;
    if (abi >= 6) {
        attr.scoped = SCOPE_ABSTRACT_UNIX | SCOPE_SIGNAL;
        size = sizeof attr;
    }
    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
    if (ruleset < 0)
        return -1;
    for (int i = 0; i < writable_count; i++) {
        int fd = open(writable[i], O_PATH | O_CLOEXEC);
        if (fd < 0)
            continue; /* an optional mount that was skipped */
        struct path_beneath_attr rule = {.allowed_access = write_rights, .parent_fd = fd};
        long rc = syscall(SYS_landlock_add_rule, ruleset, RULE_PATH_BENEATH, &rule, 0);
        close(fd);
        if (rc < 0) {
            close(ruleset);
            return -1;
        }
    }
    long rc = syscall(SYS_landlock_restrict_self, ruleset, 0);
    close(ruleset);
    return (int)rc;
}
