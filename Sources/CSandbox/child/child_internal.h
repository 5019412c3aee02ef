/*
 * Helpers shared by the child-side files. Everything declared here is async-signal-safe: it may
 * run in a process cloned from a multi-threaded parent, so it uses raw syscalls and the caller's
 * buffers only.
 */
#ifndef CSB_CHILD_INTERNAL_H
#define CSB_CHILD_INTERNAL_H

#include "../include/csandbox.h"
#include <stdint.h>
#include <stddef.h>
#include <sys/resource.h>

/* Where the child builds things before the final pivot: BASE is a private tmpfs that becomes the
 * root for a moment, OLDROOT holds the host's root while binds are taken from it. */
#define CSB_BASE "/tmp"
#define CSB_OLDROOT "/oldroot"
#define CSB_NEWROOT "/newroot"

/* In place of an idmapped mount descriptor: bind the workspace read-only instead. */
#define CSB_WORKSPACE_READ_ONLY (-2)
/* In place of an idmapped mount descriptor: bind by path, as when the sandbox runs as the uid
 * the files keep (the workspace of an unmapped project, or a writable bind). */
#define CSB_WORKSPACE_PLAIN (-3)

/* What the monitor handed over for the mounts before GO: the workspace's idmapped tree (or one
 * of the CSB_WORKSPACE_* markers, or -1 for none), and one entry per writable bind marked
 * CSB_FLAG_IDMAPPED, in plan order, each a tree or CSB_WORKSPACE_PLAIN. */
struct csb_handover {
    int workspace;
    int binds[CSB_MAX_BIND_TREES];
    int bind_count;
    int next_bind;
};

/* Reports (step, errno, detail) on the control socket and exits; never returns. */
__attribute__((noreturn)) void csb_child_die(int control_fd, enum csb_step step, int err, const char *detail);

int csb_write_full(int fd, const void *buf, size_t len);
int csb_read_full(int fd, void *buf, size_t len);

/* Joins `prefix` and `path` into out (size len); returns -1 if it does not fit. */
int csb_join_path(char *out, size_t len, const char *prefix, const char *path);
/* mkdir -p for a path inside the new root; ignores EEXIST. */
int csb_mkdir_p(const char *path, unsigned mode);
/* Creates an empty regular file (mount point for a file bind). */
int csb_touch(const char *path);
/* `rel` beneath the directory `dir` as O_PATH (plus `flags`), through the host side's
 * csb_beneath_open (no symlink or magic link at any component, nothing outside `dir`); -1 with
 * errno. */
int csb_open_beneath(const char *dir, const char *rel, int flags);

/* A cursor over a byte plan or run message, bounds-checked. */
struct csb_cursor {
    const uint8_t *p;
    size_t left;
};
int csb_take_u32(struct csb_cursor *c, uint32_t *out);
int csb_take_u64(struct csb_cursor *c, uint64_t *out);
/* A NUL-terminated string of declared length; returns NULL if malformed. */
const char *csb_take_string(struct csb_cursor *c);
const uint8_t *csb_take_bytes(struct csb_cursor *c, size_t len);

/* Steps, one file each. */
void csb_build_root(int control_fd, const uint8_t *plan, size_t plan_len, struct csb_handover *handover);
int csb_drop_capabilities(void);
/* The workspace from a verified handle (root.c): record the expected identity, then mount the
 * host directory `host_path` at `target` from the descriptor whose identity was checked. */
void csb_expect_root(int control_fd, uint64_t inode, const char *device);
void csb_mount_workspace(int control_fd, const char *host_path, const char *target, int writable);
/* protect.c: mount `rel` (beneath the workspace at `workspace`) read-only over itself. */
void csb_protect_path(int control_fd, const char *rel, const char *workspace);
/* protect.c: mount the setuid/setgid (or file-capability) regular file `rel`, beneath the
 * workspace whose sandbox path is `workspace`, read-only over itself, its directories pinned;
 * skipped if it is no longer a regular file. */
void csb_protect_privileged(int control_fd, const char *rel, const char *workspace);
/* protect.c: clones the mount tree at `fd` (recursively: what is mounted below stays), applies
 * `attr_set` (MOUNT_ATTR_*, 0 for none) and moves the copy onto `fd` itself. 0, or -1 with errno. */
int csb_bind_over_itself(int fd, uint64_t attr_set);
/* masks.c: binds each directory between `target` (a sandbox path) and its mount over itself. */
void csb_pin_ancestors(int control_fd, enum csb_step step, const char *target);
/* masks.c: mounts the host trap `source` read-only over `target` (both without CSB_ prefixes). */
void csb_mount_trap(int control_fd, uint32_t flags, const char *source, const char *target);
/* Landlock (landlock.c): record a path (inside the new root) where writes stay allowed, then
 * restrict the process once the root is final. */
void csb_landlock_allow_writes(const char *path);
int csb_landlock_restrict(void);
int csb_apply_rlimits(const uint64_t limits[CSB_RLIMIT_COUNT]);
/* Caps the sandbox user namespace's inotify and fanotify counts (charged to the host's root too),
 * and with `namespaces` its namespace counts; `proc` is the sandbox's own /proc, still writable.
 * Dies on failure. */
void csb_cap_ucounts(int control_fd, const char *proc, int namespaces);
/* ucounts.c, monitor side: lowers this process's soft limits on what the kernel charges to the
 * creator of a user namespace, for the clone that makes one, saving them; restore after the clone.
 * The caller serializes the pair (the limits are per process). -1 with errno. */
#define CSB_CREATOR_RLIMITS 2
int csb_lower_creator_rlimits(struct rlimit saved[CSB_CREATOR_RLIMITS]);
void csb_restore_creator_rlimits(const struct rlimit saved[CSB_CREATOR_RLIMITS]);
/* ucounts.c, child side: one sandbox's share of those counts, for init and the tool. */
int csb_cap_rlimit_ucounts(void);
int csb_loopback_up(void);
/* Loads the BPF program; returns the listener fd when `listener`, 0 without, -1 with errno. */
int csb_load_filter(const uint8_t *filter, size_t len, int listener);
/* execve with a PATH search done by hand (execvpe is not async-signal-safe); returns errno. */
int csb_exec(const char *file, char *const argv[], char *const envp[], const char *search_path);
/* pid 1 of the sandbox: reaps, forwards signals, reports the tool's status; never returns. */
__attribute__((noreturn)) void csb_run_init(int control_fd, pid_t tool);

#endif
