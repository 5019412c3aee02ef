/*
 * pid 1 of the sandbox: reaps orphans, forwards the monitor's signals to the tool, and reports
 * the tool's wait status. When it exits the kernel kills everything left in the pid namespace,
 * double-forked daemons included, which is how the sandbox ends.
 */
#include "child_internal.h"

#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

void csb_run_init(int control_fd, pid_t tool)
{
    /* Privileges, dumpability and the filter were dropped and loaded at prepare time. */
    syscall(SYS_close_range, 0u, (unsigned)(control_fd - 1), 0);
    syscall(SYS_close_range, (unsigned)(control_fd + 1), ~0u, 0);

    /* Every signal was blocked before the fork: blocked signals are queued rather than ignored
     * for a namespace init, so sigwaitinfo sees both SIGCHLD and what the monitor sends. */
    sigset_t all;
    sigfillset(&all);

    int status = 0;
    while (1) {
        siginfo_t info;
        int sig = sigwaitinfo(&all, &info);
        if (sig < 0)
            continue;
        if (sig != SIGCHLD) {
            kill(tool, sig);
            continue;
        }
        int tool_done = 0;
        while (1) {
            int st;
            pid_t pid = waitpid(-1, &st, WNOHANG);
            if (pid <= 0)
                break;
            if (pid == tool) {
                status = st;
                tool_done = 1;
            }
        }
        if (tool_done)
            break;
    }
    struct {
        uint8_t tag;
        int32_t status;
        int32_t pid;
    } __attribute__((packed)) msg = {CSB_TAG_STATUS, status, tool};
    (void)csb_write_full(control_fd, &msg, sizeof msg);
    _exit(0);
}
