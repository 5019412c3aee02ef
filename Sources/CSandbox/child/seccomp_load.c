/* Loads the filter the monitor compiled once with libseccomp; building it here would cost
 * ~0.4 ms per call and allocate. */
#include "child_internal.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The program arrives at an arbitrary offset of the run message; sock_filter wants alignment. */
static struct sock_filter aligned_program[BPF_MAXINSNS];

int csb_load_filter(const uint8_t *filter, size_t len, int listener)
{
    if (len == 0 || len % sizeof(struct sock_filter) != 0 || len > sizeof aligned_program) {
        errno = EINVAL;
        return -1;
    }
    memcpy(aligned_program, filter, len);
    struct sock_fprog prog = {
        .len = (unsigned short)(len / sizeof(struct sock_filter)),
        .filter = aligned_program,
    };
    unsigned long flags = listener ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
    long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
    return (int)rc;
}
