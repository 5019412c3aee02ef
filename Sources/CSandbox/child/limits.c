/* Resource limits applied by init before it forks the tool, so the tool and all its descendants
 * inherit them. Limits that must *report* when they fire (memory, processes) are cgroups, set by
 * the monitor; these rlimits are the per-process ceilings and the fallback. */
#include "child_internal.h"

#include <sys/resource.h>

int csb_apply_rlimits(const uint64_t limits[CSB_RLIMIT_COUNT])
{
    static const int resource[CSB_RLIMIT_COUNT] = {
        [CSB_RLIMIT_AS] = RLIMIT_AS,
        [CSB_RLIMIT_NPROC] = RLIMIT_NPROC,
        [CSB_RLIMIT_FSIZE] = RLIMIT_FSIZE,
        [CSB_RLIMIT_CPU] = RLIMIT_CPU,
        [CSB_RLIMIT_NOFILE] = RLIMIT_NOFILE,
    };
    for (int i = 0; i < CSB_RLIMIT_COUNT; i++) {
        if (limits[i] == 0)
            continue;
        struct rlimit rl = {limits[i], limits[i]};
        /* A hard CPU limit one second above the soft one: SIGXCPU first (reported as `cpu`),
         * SIGKILL only if the tool ignores it. */
        if (i == CSB_RLIMIT_CPU)
            rl.rlim_max = limits[i] + 1;
        if (setrlimit(resource[i], &rl) < 0)
            return -1;
    }
    struct rlimit no_core = {0, 0};
    return setrlimit(RLIMIT_CORE, &no_core);
}
