/*
 * System calls that never touch errno, for code that runs in a helper sharing our memory
 * (CLONE_VM without CLONE_SETTLS, detached.c, idmap.c). Such a helper runs on the thread-local
 * storage of the thread that cloned it: every errno its libc calls set lands in that thread's
 * errno while that thread goes on. glibc's realpath reads errno after readlink to tell "not a
 * link" from a failure, so a helper's failing flock made prepares on that thread fail with
 * EAGAIN now and then. Returns the result, or -errno.
 */
#ifndef CSB_RAW_SYSCALL_H
#define CSB_RAW_SYSCALL_H

static inline long csb_raw_syscall(long n, long a, long b, long c, long d, long e)
{
#if defined(__x86_64__)
    long ret;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8) : "rcx", "r11", "memory");
    return ret;
#elif defined(__aarch64__)
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4) : "memory");
    return x0;
#else
#error "csb_raw_syscall: add this architecture"
#endif
}

#endif
