/*
 * CSandbox: everything Swift cannot or must not do itself.
 *
 * Two halves, kept apart on purpose:
 *  - child side (child.c, init.c, mount.c, caps.c, limits.c, net.c, seccomp_load.c, exec.c): runs
 *    between clone() and execve() in a copy of a possibly multi-threaded process, so it is
 *    async-signal-safe: raw syscalls, stack or static buffers, no malloc, no stdio, no locks.
 *  - monitor side (spawn.c, seccomp_compile.c, notify.c, idmap.c, fds.c): runs in the worker
 *    outside the sandbox and may allocate.
 *
 * Swift sees plain structs and functions only; every buffer crossing the boundary is a flat
 * byte plan built by Swift (see plan.h for the format) so the child never parses anything richer
 * than length-prefixed records.
 */
#ifndef CSANDBOX_H
#define CSANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/xattr.h> /* Glibc's module does not export it; the escape tests set and read attributes */

#ifdef __cplusplus
extern "C" {
#endif

/* ---- The prepare plan: ops the child executes to build its root. ------------------------- */

/* Record layout (little endian, packed by Swift): u32 op, u32 flags, u64 num, u32 len_a, u32 len_b,
 * then len_a bytes of a and len_b bytes of b; each string includes its terminating NUL. */
enum csb_op {
    CSB_OP_BIND = 1,       /* a: host source, b: target; flags: WRITABLE, OPTIONAL */
    CSB_OP_TMPFS = 2,      /* b: target; num: size in bytes */
    CSB_OP_SYMLINK = 3,    /* a: link text, b: target */
    CSB_OP_WORKSPACE = 4,  /* a: host path, b: target; flags: WRITABLE, IDMAPPED */
    CSB_OP_PROC = 5,       /* b: target ("/proc"); /proc/sys is made read-only */
    CSB_OP_DEV = 6,        /* b: target ("/dev"): tmpfs with null, zero, full, random, urandom */
    CSB_OP_HOSTNAME = 7,   /* a: hostname */
    CSB_OP_LOOPBACK = 8,   /* bring up lo in the new network namespace */
    CSB_OP_ROOT_IDENTITY = 9, /* num: the root's inode, a: its device (decimal); checked by the
                               * next WORKSPACE, which mounts from the descriptor it checked */
    CSB_OP_PROTECT = 10,   /* a: a path relative to the workspace, b: the workspace's target;
                            * mounted read-only over itself (after WORKSPACE) */
    CSB_OP_TRAP = 11,      /* a: host trap (file or tree), b: target; flags: CREATE (masks.c) */
    CSB_OP_PRIVILEGED = 12, /* a: a setuid/setgid/file-capability regular file relative to the
                             * workspace, b: the workspace's target; read-only over itself,
                             * directories pinned, skipped if gone or no longer a regular file
                             * (protect.c) */
};

enum csb_op_flag {
    CSB_FLAG_WRITABLE = 1u << 0,
    CSB_FLAG_OPTIONAL = 1u << 1,
    CSB_FLAG_IDMAPPED = 1u << 2,
    CSB_FLAG_CREATE = 1u << 3,     /* CSB_OP_TRAP: make the mount point in the new root's tmpfs */
    CSB_FLAG_DIRECTORY = 1u << 4,  /* CSB_OP_TRAP: the trap is a directory */
    CSB_FLAG_PIN = 1u << 5,        /* CSB_OP_TRAP: pin the directories between the target and its
                                    * mount (a workspace mask; masks.c) */
    CSB_FLAG_NAMESPACE_CAPS = 1u << 6, /* CSB_OP_PROC: cap the namespaces the tool may hold (the
                                        * profile lets it make some; ucounts.c) */
};

/* ---- Messages on the control socket (monitor <-> sandbox), one tag byte first. ------------ */

/* The most writable binds one sandbox can have idmapped (one CSB_TAG_BINDFD each). */
enum { CSB_MAX_BIND_TREES = 32 };

enum csb_tag {
    CSB_TAG_GO = 'G',        /* monitor -> child: id maps (and the workspace mount) are in place */
    CSB_TAG_MOUNTFD = 'M',   /* monitor -> child: the idmapped workspace mount (SCM_RIGHTS); without
                              * a descriptor: bind the workspace read-only (allowed downgrade) */
    CSB_TAG_PLAIN = 'P',     /* monitor -> child: the workspace is not idmapped after all: bind it
                              * as a project of this uid would be (an idmap the file system refused) */
    CSB_TAG_BINDFD = 'B',    /* monitor -> child: the idmapped tree of the next writable bind marked
                              * CSB_FLAG_IDMAPPED (SCM_RIGHTS); without a descriptor: bind it by path */
    CSB_TAG_CGROUP = 'C',    /* monitor -> child: a v1 `tasks` file to write "0" to (SCM_RIGHTS) */
    CSB_TAG_JOINED = 'J',    /* monitor -> child: no more cgroups; say READY once joined */
    CSB_TAG_FILTER = 'F',    /* monitor -> child: u32 flags (CSB_FILTER_*), u32 length, BPF */
    CSB_TAG_READY = 'R',     /* child -> monitor: root built, waiting for the run message */
    CSB_TAG_RUN = 'U',       /* monitor -> child: u32 length, then the run message */
    CSB_TAG_ERROR = 'E',     /* child -> monitor: struct csb_error follows */
    CSB_TAG_LISTENER = 'L',  /* child -> monitor: i32 fd number of the seccomp listener */
    CSB_TAG_ACK = 'A',       /* monitor -> child: listener taken */
    CSB_TAG_STATUS = 'S',    /* init -> monitor: i32 wait status of the tool, i32 tool pid */
};

/* The set-up steps, reported with errno when one fails; Swift turns them into sentences. */
enum csb_step {
    CSB_STEP_NONE = 0,
    CSB_STEP_SYNC,
    CSB_STEP_SETID,
    CSB_STEP_PDEATHSIG,
    CSB_STEP_MOUNT_PRIVATE,
    CSB_STEP_MOUNT_BASE,
    CSB_STEP_PIVOT_OLD,
    CSB_STEP_MOUNT_NEWROOT,
    CSB_STEP_BIND,
    CSB_STEP_TMPFS,
    CSB_STEP_SYMLINK,
    CSB_STEP_WORKSPACE,
    CSB_STEP_PROC,
    CSB_STEP_DEV,
    CSB_STEP_HOSTNAME,
    CSB_STEP_LOOPBACK,
    CSB_STEP_UMOUNT_OLD,
    CSB_STEP_PIVOT_NEW,
    CSB_STEP_REMOUNT_ROOT,
    CSB_STEP_RUN_MESSAGE,
    CSB_STEP_RLIMIT,
    CSB_STEP_FORK_TOOL,
    CSB_STEP_STDIO,
    CSB_STEP_SETSID,
    CSB_STEP_CAPS,
    CSB_STEP_NO_NEW_PRIVS,
    CSB_STEP_CHDIR,
    CSB_STEP_SECCOMP,
    CSB_STEP_LISTENER,
    CSB_STEP_EXEC,
    CSB_STEP_PLAN,
    CSB_STEP_CGROUP,
    CSB_STEP_LANDLOCK,
    CSB_STEP_ROOT_IDENTITY, /* the workspace root is not the directory the plan names */
    CSB_STEP_PROTECT,       /* mounting a protected path read-only */
    CSB_STEP_TRAP,
};

struct csb_error {
    uint32_t step;      /* enum csb_step */
    int32_t err;        /* errno, or 0 */
    char detail[240];   /* the path or name the step worked on, NUL-terminated */
};

/* The run message (after CSB_TAG_RUN and its u32 length), little endian:
 *   u64 rlimits[CSB_RLIMIT_COUNT] (0 = leave unset)
 *   string cwd
 *   u32 argc, argc strings; u32 envc, envc strings ("KEY=VALUE"); string PATH to search
 * A string is u32 length (with NUL) + bytes. Everything else (privileges, the filter) was
 * settled at prepare time, so a warm sandbox pays only for this. */
enum csb_rlimit_slot {
    CSB_RLIMIT_AS = 0,
    CSB_RLIMIT_NPROC,
    CSB_RLIMIT_FSIZE,
    CSB_RLIMIT_CPU,
    CSB_RLIMIT_NOFILE,
    CSB_RLIMIT_COUNT,
};

enum csb_filter_flag {
    CSB_FILTER_LISTENER = 1u << 0,   /* install the filter with a user-notification listener */
};

/* ---- Monitor side. ------------------------------------------------------------------------ */

/* What the cloned child inherits; the fds are in the monitor's table at clone time. */
struct csb_child_config {
    int control_fd;   /* the child's end of the control socketpair */
    int stdin_fd;
    int stdout_fd;
    int stderr_fd;
    const uint8_t *_Nonnull plan;
    size_t plan_len;
};

/* Namespace sets (CLONE_NEW* bits): every sandbox gets user, mount, pid, ipc and uts; net is
 * added unless the profile shares the host's network. */
enum csb_namespaces {
    CSB_NS_BASE = 0x10000000 | 0x00020000 | 0x20000000 | 0x08000000 | 0x04000000,
    CSB_NS_NET = 0x40000000,
};

/* clone(2) with `ns_flags`, returning the child's pid (and a pidfd in *pidfd), or -1 with errno.
 * The child runs the prepare plan and then the run message and never returns. With `netns_fd`
 * >= 0 (from csb_netns_fresh), the child is born in that network namespace instead of a new one:
 * the calling thread enters it for the clone only and returns to its own (aborting the process
 * if it could not: a monitor thread must never stay in a sandbox's namespace). */
pid_t csb_clone_sandbox(int ns_flags, const struct csb_child_config *_Nonnull config, int *_Nonnull pidfd,
                        int netns_fd);
/* A new network namespace with its loopback up, made on the calling thread (which returns to its
 * own namespace), as a descriptor; -1 with errno (EPERM: not root in the host's namespaces). */
int csb_netns_fresh(void);

/* Sends one tag byte plus an optional fd (SCM_RIGHTS). */
int csb_send_tag_fd(int sock, uint8_t tag, int fd);
/* Receives up to `len` bytes; if an fd arrives it is stored in *fd (else -1). If `want_pid` is
 * non-NULL the sender's pid, translated into the receiver's pid namespace (SO_PASSCRED), is
 * stored there. Returns bytes read, 0 at EOF, -1 with errno. */
ssize_t csb_recv_msg(int sock, void *_Nonnull buf, size_t len, int *_Nonnull fd, pid_t *_Nullable want_pid);


/* The project root as a handle (root.c): an O_PATH directory descriptor of `path` opened with
 * no symlink followed in any component (openat2 RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS), or
 * -1 with errno (ELOOP: a component is a symlink). */
int csb_open_root_nofollow(const char *_Nonnull path);
/* An idmapped, detached copy of the directory `dirfd` (open_tree with AT_EMPTY_PATH, so no path
 * lookup, + mount_setattr; idmap.c), owned through the user namespace `userns_fd`, with
 * nosuid/nodev (and rdonly unless writable). Returns the mount fd. */
int csb_idmapped_tree_fd(int dirfd, int userns_fd, int writable);
/* A user namespace with the given uid_map and gid_map contents (idmap.c), which no process is in:
 * a helper sharing our memory is cloned into it, its maps are written, and it is killed (reaped
 * by a later call). Needs CAP_SETUID/CAP_SETGID over every id mapped. Returns the namespace's
 * descriptor, or -1 with errno. */
int csb_userns_with_maps(const char *_Nonnull uid_map, const char *_Nonnull gid_map);
/* Waits for the killed helpers of csb_userns_with_maps not reaped yet (a process about to exit). */
void csb_wait_namespace_helpers(void);
/* The id of the mount `fd` lies on (idmap.c): 0, or -1 where statx has none. */
int csb_mount_id(int fd, uint64_t *_Nonnull id);
/* Makes the protected path `rel` (relative to the root `rootfd`) exist, walking with no symlink
 * followed: an empty placeholder (a directory, or a file for a file leaf when !is_dir) owned by
 * uid:gid is created at its highest missing ancestor, unless that is an entry of the root itself.
 * Returns how many leading components of `rel` name what to protect; 0 when nothing is mounted
 * (a missing entry of the root, or a filesystem that refuses the creation, so the tool cannot
 * create it either); -1 with errno (ELOOP: a component is a symlink). */
int csb_protect_prepare(int rootfd, const char *_Nonnull rel, int is_dir, uid_t uid, gid_t gid);
/* A placeholder for the missing entry `name` of the root (no '/'): an empty directory (is_dir)
 * or file owned by uid:gid and marked as a placeholder (trusted.jcs.placeholder). Returns 1 when
 * a placeholder is there (made now or by another sandbox of the project), 2 when a real entry
 * is, 0 when the file system refuses the creation (to the tool as well), -1 with errno. The
 * caller holds the project's placeholder lock shared (ProtectedPaths). */
int csb_protect_placeholder(int rootfd, const char *_Nonnull name, int is_dir, uid_t uid, gid_t gid);
/* Removes the entry `name` of the root if it is a placeholder and still empty. The caller holds
 * the project's placeholder lock exclusively: no sandbox has it mounted. */
void csb_protect_sweep(int rootfd, const char *_Nonnull name);

/* Compiles the rules with libseccomp into a BPF program (struct sock_filter[]) in *out (malloc'd;
 * free with csb_free). On failure returns -1 and writes a sentence into err. */
struct csb_rule_arg {
    uint32_t index;
    uint32_t op;      /* enum csb_arg_op */
    uint64_t value;
    uint64_t mask;
};
enum csb_arg_op { CSB_ARG_EQ = 0, CSB_ARG_NE, CSB_ARG_LT, CSB_ARG_LE, CSB_ARG_GT, CSB_ARG_GE, CSB_ARG_MASKED_EQ };
enum csb_action { CSB_ACTION_NOTIFY = 0, CSB_ACTION_ERRNO, CSB_ACTION_KILL, CSB_ACTION_ALLOW };
struct csb_rule {
    const char *_Nonnull syscall;
    uint32_t action;  /* enum csb_action */
    int32_t err;      /* for ERRNO */
    uint32_t arg_count;
    const struct csb_rule_arg *_Nullable args;
};
int csb_compile_filter(const struct csb_rule *_Nonnull rules, size_t count, uint8_t *_Nullable *_Nonnull out,
                       size_t *_Nonnull out_len, char *_Nonnull err, size_t err_len);
void csb_free(void *_Nullable p);
/* Fills libseccomp's lazily initialised process-wide state once (it is not thread-safe); the
 * compile and notification functions call it themselves. */
void csb_libseccomp_init(void);

/* Syscall number <-> name for the native architecture (libseccomp's tables). */
int csb_syscall_number(const char *_Nonnull name);
/* Writes the name of `nr` into buf; returns 0, or -1 if unknown. */
int csb_syscall_name(int nr, char *_Nonnull buf, size_t len);

/* ---- seccomp user notification (monitor side). -------------------------------------------- */

struct csb_notification {
    uint64_t id;
    uint32_t pid;     /* in the monitor's pid namespace */
    int32_t nr;
    uint32_t arch;
    uint64_t args[6];
};
/* Blocks until a notification arrives. 0 on success, -1 with errno (ENOENT: the caller died). */
int csb_notify_receive(int listener, struct csb_notification *_Nonnull out);
/* Answers a notification: error (positive errno) fails the call; error 0 with `continue_call`
 * lets the kernel run it. Returns 0 or -1 with errno. */
int csb_notify_respond(int listener, uint64_t id, int32_t error, int continue_call);
/* Whether the notification is still pending (the pid has not been reused since). */
int csb_notify_id_valid(int listener, uint64_t id);
/* Installs the monitor's `srcfd` in the notifying task as descriptor `target_fd`, replacing what
 * was there (SECCOMP_ADDFD_FLAG_SETFD; close-on-exec when `cloexec`). The notification itself
 * stays pending: answer it afterwards. Returns 0 or -1 with errno. (egress, EgressInterceptor) */
int csb_notify_addfd(int listener, uint64_t id, int srcfd, int target_fd, int cloexec);
/* The network namespace of socket `sockfd` (SIOCGSKNS), as a new descriptor, or -1 with errno. */
int csb_socket_netns(int sockfd);
/* One socket on the loopback (127.0.0.1 or ::1) of a sandbox's network namespace (egress DNS):
 * in: family, type (SOCK_DGRAM, or SOCK_STREAM which is also listened on), port; out: fd
 * (close-on-exec, non-blocking) or -1 with err. */
struct csb_netns_socket {
    int family;
    int type;
    uint16_t port;
    int fd;
    int err;
};
/* Makes `sockets` inside the network namespace of the task `pidfd` names, on a thread of its own.
 * 0 (each socket says how it went), or -1 with errno when the namespace cannot be joined
 * (EEXIST: it is the caller's own, as with a profile on the host's network). */
int csb_netns_loopback_sockets(int pidfd, struct csb_netns_socket *_Nonnull sockets, int count);
/* Reads `len` bytes of process `pid` at `addr`; returns bytes read or -1. */
ssize_t csb_read_process_memory(pid_t pid, uint64_t addr, void *_Nonnull buf, size_t len);

/* Whether the kernel supports seccomp user notification (SECCOMP_GET_NOTIF_SIZES answers):
 * one syscall, no child. */
int csb_seccomp_notify_supported(void);

/* ---- Small syscalls Swift cannot call (variadic or no wrapper). ---------------------------- */
int csb_pidfd_open(pid_t pid);
int csb_pidfd_getfd(int pidfd, int target_fd);
int csb_pidfd_send_signal(int pidfd, int sig);
int csb_set_cloexec(int fd);
int csb_pipe_cloexec(int fds[_Nonnull 2]);
/* posix_spawn_file_actions_addclosefrom_np, which needs _GNU_SOURCE to be declared. */
int csb_spawn_actions_closefrom(void *_Nonnull actions, int from);
int csb_socketpair_control(int fds[_Nonnull 2]);

/* Opens `path` beneath `dirfd` as the kernel would resolve it for the tool, refusing any walk
 * that leaves it (absolute symlinks, "..", /proc magic links): openat2 with RESOLVE_BENEATH.
 * Returns an O_PATH fd, or -1 with errno: EXDEV/ELOOP escapes, ENOENT/ENOTDIR missing, EAGAIN a
 * rename race (retry). */
int csb_openat2_beneath(int dirfd, const char *_Nonnull path);
/* An O_PATH descriptor of the directory `path` (O_PATH needs _GNU_SOURCE, which Swift lacks). */
int csb_open_directory_path(const char *_Nonnull path);
/* An O_PATH descriptor of `path`, of any type: opening a device or a FIFO for it has no effect. */
int csb_open_path(const char *_Nonnull path);

/* ---- Host probes for `jcs doctor` (monitor side, each forks a throwaway child). ------------ */
/* Each returns 0 when the layer works, else an errno. */
int csb_probe_userns(void);
int csb_probe_seccomp_filter(void);
int csb_probe_seccomp_notify(void);
int csb_probe_landlock_abi(void);   /* returns the ABI version (>0), or -errno */
int csb_probe_pivot_root(void);
int csb_probe_idmapped_mount(const char *_Nonnull path);
/* The same for an open directory (a project root handle). */
int csb_probe_idmapped_mount_fd(int dir);

/* ---- Reporting traps (fanotify.c, monitor side). ----------------------------------------- */

/* A fanotify group of class CONTENT (permission events), close-on-exec and non-blocking.
 * Returns the fd or -1 with errno (EPERM: the monitor is not root in the init namespace). */
int csb_fanotify_init(void);
/* Marks the inode at `path` (not followed if a symlink) for open/exec permission events,
 * directories included. The mark is evictable where the kernel has it (5.19): it does not pin
 * the inode, so a trap's mark goes with its inode once the last mount of it is gone, and a group
 * shared by many sandboxes (TrapGroup) collects no dead marks. Returns 0 or -1 with errno. */
int csb_fanotify_mark(int fan, const char *_Nonnull path);
/* How many pid namespaces, from the opener's own outwards, an event records. */
#define CSB_PIDNS_DEPTH 4
/* One permission event, still unanswered: its descriptor (for csb_fanotify_answer), where it
 * lies in the page it was read into, the opener's pid (monitor's pid namespace), the opened
 * inode, and the inode numbers of the opener's pid namespace and its ancestors (0 past the top
 * or when unreadable), read while the opener waits. */
struct csb_fan_event {
    int32_t fd;
    int32_t slot;
    int32_t pid;
    uint64_t dev;
    uint64_t ino;
    uint64_t pidns[CSB_PIDNS_DEPTH];
};
/* How much one read of the group takes: the size of the page the group's readers share. */
#define CSB_FAN_READ_SIZE 4096
/* The most events one such read holds (each at least FAN_EVENT_METADATA_LEN, 24 bytes). */
#define CSB_FAN_EVENTS_PER_READ 171 /* CSB_FAN_READ_SIZE / 24 + 1 */
/* Reads pending events (non-blocking) into `page` (CSB_FAN_READ_SIZE bytes, zeroed by the
 * caller): the kernel writes each event's descriptor number there, so a page the readers share
 * (TrapGroup) keeps the numbers of a reader that dies before answering. Returns the bytes read,
 * 0 when none is pending, -1 with errno. */
int csb_fanotify_read(int fan, void *_Nonnull page);
/* Fills up to `max` records from the `len` bytes `csb_fanotify_read` left in `page`, each with its
 * descriptor open. An event beyond `max` or whose inode cannot be read is answered at once.
 * Returns the number of records. */
int csb_fanotify_parse(int fan, void *_Nonnull page, int len, struct csb_fan_event *_Nonnull out, int max);
/* Answers `event` with FAN_DENY (the opener sees EPERM), closes its descriptor, and marks its
 * slot in `page` answered (descriptor number -1), so nobody answers it again. */
void csb_fanotify_answer(int fan, void *_Nonnull page, const struct csb_fan_event *_Nonnull event);
/* The events a reader that died left unanswered in `page` (read by csb_fanotify_read into a
 * zeroed page; slots it answered are marked), up to `max`, each with the dead reader's
 * descriptor number and its opener's pid namespaces (dev and ino 0: the trap's inode went with
 * the dead reader's descriptor). Nothing is answered yet: tell the opener first, then answer
 * with csb_fanotify_answer_orphan. Returns the count. */
int csb_fanotify_orphans(const void *_Nonnull page, struct csb_fan_event *_Nonnull out, int max);
/* Answers an orphan FAN_DENY by its number (the kernel matches an answer to a waiting event by
 * that number alone, whoever writes it) and marks its slot answered. Only while holding the
 * readers' lock, when every live reader has answered all it read. */
void csb_fanotify_answer_orphan(int fan, void *_Nonnull page, const struct csb_fan_event *_Nonnull event);
/* The phase word at the start of the page the group's readers share, read and written across
 * processes: 0 idle, 1 while a reader holds events it has not answered yet. */
static inline uint32_t csb_fan_phase_load(const void *_Nonnull page)
{
    return __atomic_load_n((const uint32_t *)page, __ATOMIC_ACQUIRE);
}
static inline void csb_fan_phase_store(void *_Nonnull page, uint32_t phase)
{
    __atomic_store_n((uint32_t *)page, phase, __ATOMIC_RELEASE);
}
/* A sandbox's trap mailbox: a unix datagram socket bound at `path` (non-blocking, close-on-exec,
 * mode 0600). A socket left at `path` by a dead monitor is replaced: the path is named after a
 * live pid namespace, which no other live sandbox has. Returns the fd or -1 with errno. */
int csb_trap_mailbox_bind(const char *_Nonnull path);
/* Sends one refused open (the trap's device and inode) from `sock` to the mailbox at `path`,
 * without blocking (a full mailbox drops it). Returns 0 or -1 with errno (ENOENT: no such box). */
int csb_trap_mailbox_send(int sock, const char *_Nonnull path, uint64_t dev, uint64_t ino);
/* Receives one record from mailbox `sock` (dev and ino 0 for a malformed one). Returns 1, 0
 * when none waits, -1 with errno. */
int csb_trap_mailbox_recv(int sock, uint64_t *_Nonnull dev, uint64_t *_Nonnull ino);
/* An unbound datagram socket for csb_trap_mailbox_send. */
int csb_trap_mailbox_sender(void);
/* Whether a socket is still bound at mailbox `path`: an empty datagram (which its reader skips)
 * is refused with ECONNREFUSED once its monitor is gone. Returns 1 or 0. */
int csb_trap_mailbox_alive(int sock, const char *_Nonnull path);
/* Whether descriptor `fa` of process `a` and `fb` of `b` are one open file (kcmp KCMP_FILE):
 * 1, 0, or -1 with errno. */
int csb_same_file(pid_t a, int fa, pid_t b, int fb);
/* Closes up to CSB_CLOSE_MAX descriptors (-1 entries ignored) without waiting: the last
 * references to a sandbox's namespaces tear down its mount tree (an RCU grace period, 10-20 ms on
 * a loaded host) and network state, so a helper process sharing our descriptor table
 * (CLONE_VM|CLONE_FILES, no signal at exit) closes them and pays the wait instead. Earlier
 * helpers are reaped on each call. Falls back to a plain close. */
#define CSB_CLOSE_MAX 4
void csb_close_all_detached(const int *_Nonnull fds, int count);
/* The same helper first gives up a sandbox's share of its project's placeholder lock: if
 * `lock_fd` can then be locked exclusively, no other sandbox has them mounted, and each of
 * `names` (NUL-separated, names_len bytes) is removed when still an empty placeholder
 * (csb_protect_sweep) and `lock_path` unlinked. Takes over lock_fd, root_fd and fds[]. -1 with
 * E2BIG (nothing taken) when the names or path do not fit the helper's record. */
int csb_protect_release_detached(int lock_fd, int root_fd, const char *_Nonnull lock_path, const char *_Nonnull names,
                                 size_t names_len, const int *_Nonnull fds, int count);
/* Waits for every helper of csb_close_all_detached: a process that is about to exit calls it once
 * its result is out, so no helper is left for init to reap. */
void csb_wait_closers(void);
/* Whether `path` is the root or inside of a tmpfs (statfs, which Swift's Glibc lacks). */
int csb_is_tmpfs(const char *_Nonnull path);

/* ---- File capabilities (capabilities.c, monitor side). ------------------------------------ */

/* 1 when `path` carries `security.capability`; `follow` 0 reads the last component itself. */
int csb_file_has_capabilities(const char *_Nonnull path, int follow);

/* ---- Project quotas (quota.c, monitor side, host root). --------------------------------- */

/* 0 when the file system holding `path` has project quotas on (Q_GETINFO answers), else errno
 * (ESRCH: quotas are off, ENOSYS/EINVAL/ENOTTY: the file system has none). */
int csb_project_quota_supported(const char *_Nonnull path);
/* Tags `root` (and, the first time, everything in it) with `projid` and PROJINHERIT, then sets the
 * hard limits (0 = none). Returns 0 or an errno. */
int csb_project_quota_apply(const char *_Nonnull root, uint32_t projid, uint64_t bytes, uint64_t inodes);
struct csb_quota_usage {
    uint64_t bytes;
    uint64_t inodes;
    uint64_t bytes_limit;
    uint64_t inodes_limit;
};
int csb_project_quota_usage(const char *_Nonnull root, uint32_t projid, struct csb_quota_usage *_Nonnull out);

/* Exit status of the worker or CLI when the sandbox itself could not be set up. */
#define CSB_EXIT_SETUP_FAILED 125

#ifdef __cplusplus
}
#endif
#endif
