/* Byte- and path-level helpers for the child side: no allocation, EINTR-safe, bounds-checked. */
#include "child_internal.h"
#include "../include/csandbox_beneath.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int csb_write_full(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int csb_read_full(int fd, void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0) {
            errno = EPIPE;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

void csb_child_die(int control_fd, enum csb_step step, int err, const char *detail)
{
    struct {
        uint8_t tag;
        struct csb_error error;
    } __attribute__((packed)) msg;
    memset(&msg, 0, sizeof msg);
    msg.tag = CSB_TAG_ERROR;
    msg.error.step = (uint32_t)step;
    msg.error.err = err;
    if (detail != NULL) {
        size_t n = strlen(detail);
        if (n >= sizeof msg.error.detail)
            n = sizeof msg.error.detail - 1;
        memcpy(msg.error.detail, detail, n);
    }
    (void)csb_write_full(control_fd, &msg, sizeof msg);
    _exit(CSB_EXIT_SETUP_FAILED);
}

int csb_join_path(char *out, size_t len, const char *prefix, const char *path)
{
    size_t a = strlen(prefix), b = strlen(path);
    if (a + b + 1 > len)
        return -1;
    memcpy(out, prefix, a);
    memcpy(out + a, path, b + 1);
    return 0;
}

int csb_mkdir_p(const char *path, unsigned mode)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n + 1 > sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, mode) < 0 && errno != EEXIST)
            return -1;
        buf[i] = saved;
    }
    return 0;
}

int csb_touch(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0444);
    if (fd < 0)
        return errno == EEXIST ? 0 : -1;
    close(fd);
    return 0;
}

int csb_open_beneath(const char *dir, const char *rel, int flags)
{
    int at = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (at < 0)
        return -1;
    int fd = csb_beneath_open(at, rel, O_PATH | flags);
    int saved = errno;
    close(at);
    errno = saved;
    return fd;
}

int csb_take_u32(struct csb_cursor *c, uint32_t *out)
{
    if (c->left < 4)
        return -1;
    memcpy(out, c->p, 4);
    c->p += 4;
    c->left -= 4;
    return 0;
}

int csb_take_u64(struct csb_cursor *c, uint64_t *out)
{
    if (c->left < 8)
        return -1;
    memcpy(out, c->p, 8);
    c->p += 8;
    c->left -= 8;
    return 0;
}

const uint8_t *csb_take_bytes(struct csb_cursor *c, size_t len)
{
    if (c->left < len)
        return NULL;
    const uint8_t *p = c->p;
    c->p += len;
    c->left -= len;
    return p;
}

const char *csb_take_string(struct csb_cursor *c)
{
    uint32_t len;
    if (csb_take_u32(c, &len) < 0 || len == 0)
        return NULL;
    const uint8_t *p = csb_take_bytes(c, len);
    if (p == NULL || p[len - 1] != '\0')
        return NULL;
    return (const char *)p;
}
