/* Capability drop for the tool and for init, through libcap. */
#include "child_internal.h"

#include <errno.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <linux/securebits.h>

/* Allocated by the monitor before clone (cap_init mallocs, which the child must not do). */
extern cap_t csb_empty_caps;

int csb_drop_capabilities(void)
{
    /* Lock root out of regaining capabilities on execve before the capability needed to set
     * securebits (CAP_SETPCAP) is itself dropped. */
    if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                                     SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
                                     SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
              0, 0, 0) < 0)
        return -1;
    for (cap_value_t cap = 0; cap < 64; cap++) {
        if (cap_drop_bound(cap) < 0) {
            if (errno == EINVAL)
                break; /* past the kernel's last capability */
            return -1;
        }
    }
    if (cap_reset_ambient() < 0)
        return -1;
    return cap_set_proc(csb_empty_caps);
}
