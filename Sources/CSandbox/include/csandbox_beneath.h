#ifndef CSANDBOX_BENEATH_H
#define CSANDBOX_BENEATH_H
/* Host-side access to a project's files, always from a directory descriptor and never through a
 * symbolic link (beneath.c). The coordinator reads and writes what untrusted tools left in the
 * project; a path re-resolved from a string would follow whatever link a tool planted. */

#ifdef __cplusplus
extern "C" {
#endif

/* Opens `path` (relative) beneath `dirfd` with openat2 and RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS: no component may be a symbolic link and the walk may not leave `dirfd`.
 * `flags` are open flags (O_RDONLY, O_DIRECTORY, O_NONBLOCK…); O_CLOEXEC is always added; no
 * O_CREAT (no mode is passed). A link as the last component is refused (ELOOP) like any other. Returns the fd or -1 with errno: ELOOP a link, EXDEV an
 * escape, EAGAIN a concurrent rename (the caller retries), ENOSYS an old kernel. */
int csb_beneath_open(int dirfd, const char *_Nonnull path, int flags);
/* The same with O_PATH (Swift cannot spell O_PATH): a handle for a directory walk, not for I/O. */
int csb_beneath_open_path(int dirfd, const char *_Nonnull path);
/* A project root's handle: open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC). */
int csb_open_root_handle(const char *_Nonnull path);

#ifdef __cplusplus
}
#endif
#endif
