/*
 * Profile rules -> BPF, once per profile. The child only loads the bytes (seccomp_load.c).
 *
 * Anything that is not the native x86_64 ABI (x32 numbers, i386 via int 0x80) is killed by the
 * architecture check libseccomp puts in front of every filter: rules written for one ABI's
 * numbers must not be sidestepped through another's.
 */
#include "../include/csandbox.h"

#include <errno.h>
#include <pthread.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

static enum scmp_compare compare_op(uint32_t op)
{
    switch (op) {
    case CSB_ARG_EQ: return SCMP_CMP_EQ;
    case CSB_ARG_NE: return SCMP_CMP_NE;
    case CSB_ARG_LT: return SCMP_CMP_LT;
    case CSB_ARG_LE: return SCMP_CMP_LE;
    case CSB_ARG_GT: return SCMP_CMP_GT;
    case CSB_ARG_GE: return SCMP_CMP_GE;
    default: return SCMP_CMP_MASKED_EQ;
    }
}

static uint32_t scmp_action(const struct csb_rule *rule)
{
    switch (rule->action) {
    case CSB_ACTION_NOTIFY: return SCMP_ACT_NOTIFY;
    case CSB_ACTION_ERRNO: return SCMP_ACT_ERRNO((uint32_t)rule->err);
    case CSB_ACTION_KILL: return SCMP_ACT_KILL_PROCESS;
    default: return SCMP_ACT_ALLOW;
    }
}

/* libseccomp keeps process-wide state it fills lazily (the kernel's API level, notification
 * sizes) without locking; monitors compile filters and allocate notifications from several
 * threads at once (a coordinator's pools, the tests), so that state is filled once up front and
 * compilation is serialized. */
static pthread_once_t libseccomp_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t compile_lock = PTHREAD_MUTEX_INITIALIZER;

static void libseccomp_init(void)
{
    (void)seccomp_api_get();
    struct seccomp_notif *req = NULL;
    struct seccomp_notif_resp *resp = NULL;
    if (seccomp_notify_alloc(&req, &resp) == 0)
        seccomp_notify_free(req, resp);
}

void csb_libseccomp_init(void) { pthread_once(&libseccomp_once, libseccomp_init); }

static int compile_locked(const struct csb_rule *rules, size_t count, uint8_t **out, size_t *out_len, char *err,
                          size_t err_len);

int csb_compile_filter(const struct csb_rule *rules, size_t count, uint8_t **out, size_t *out_len, char *err,
                       size_t err_len)
{
    csb_libseccomp_init();
    pthread_mutex_lock(&compile_lock);
    int rc = compile_locked(rules, count, out, out_len, err, err_len);
    pthread_mutex_unlock(&compile_lock);
    return rc;
}

static int compile_locked(const struct csb_rule *rules, size_t count, uint8_t **out, size_t *out_len, char *err,
                          size_t err_len)
{
    *out = NULL;
    *out_len = 0;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (ctx == NULL) {
        snprintf(err, err_len, "seccomp_init failed");
        return -1;
    }
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
    /* The child sets no_new_privs itself, before the filter, as one of its named steps. */
    if (rc == 0)
        rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    if (rc != 0) {
        snprintf(err, err_len, "seccomp_attr_set: %s", strerror(-rc));
        seccomp_release(ctx);
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        const struct csb_rule *rule = &rules[i];
        int nr = seccomp_syscall_resolve_name(rule->syscall);
        /* A syscall newer than this libseccomp arrives as its native number in decimal. */
        if (nr == __NR_SCMP_ERROR && rule->syscall[0] >= '0' && rule->syscall[0] <= '9')
            nr = atoi(rule->syscall);
        if (nr == __NR_SCMP_ERROR) {
            snprintf(err, err_len, "rule %zu: unknown syscall '%s'", i, rule->syscall);
            seccomp_release(ctx);
            return -1;
        }
        struct scmp_arg_cmp cmp[6];
        if (rule->arg_count > 6) {
            snprintf(err, err_len, "rule %zu: more than 6 argument conditions", i);
            seccomp_release(ctx);
            return -1;
        }
        for (uint32_t j = 0; j < rule->arg_count; j++) {
            const struct csb_rule_arg *a = &rule->args[j];
            cmp[j].arg = a->index;
            cmp[j].op = compare_op(a->op);
            cmp[j].datum_a = a->op == CSB_ARG_MASKED_EQ ? a->mask : a->value;
            cmp[j].datum_b = a->op == CSB_ARG_MASKED_EQ ? a->value : 0;
        }
        rc = seccomp_rule_add_exact_array(ctx, scmp_action(rule), nr, rule->arg_count, cmp);
        if (rc != 0 && rc != -EEXIST) {
            snprintf(err, err_len, "rule %zu (%s): %s", i, rule->syscall,
                     rc == -EINVAL ? "conditions libseccomp cannot express (two on one argument?)" : strerror(-rc));
            seccomp_release(ctx);
            return -1;
        }
    }
    int mfd = memfd_create("csb-bpf", MFD_CLOEXEC);
    if (mfd < 0) {
        snprintf(err, err_len, "memfd_create for the filter: %s", strerror(errno));
        seccomp_release(ctx);
        return -1;
    }
    rc = seccomp_export_bpf(ctx, mfd);
    if (rc != 0) {
        /* libseccomp returns -errno, or -ECANCELED when the kernel's own call failed. */
        snprintf(err, err_len, "seccomp_export_bpf: %s (%d)", strerror(rc < 0 ? -rc : rc), rc);
        close(mfd);
        seccomp_release(ctx);
        return -1;
    }
    seccomp_release(ctx);
    off_t size = lseek(mfd, 0, SEEK_END);
    uint8_t *buf = size > 0 ? malloc((size_t)size) : NULL;
    if (buf == NULL || pread(mfd, buf, (size_t)size, 0) != size) {
        snprintf(err, err_len, "reading the exported filter failed");
        free(buf);
        close(mfd);
        return -1;
    }
    close(mfd);
    *out = buf;
    *out_len = (size_t)size;
    return 0;
}

void csb_free(void *p) { free(p); }
