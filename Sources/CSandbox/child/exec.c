/* execve with the PATH search execvpe would do, minus its allocation. */
#include "child_internal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

int csb_exec(const char *file, char *const argv[], char *const envp[], const char *search_path)
{
    if (strchr(file, '/') != NULL) {
        execve(file, argv, envp);
        return errno;
    }
    char candidate[4096];
    size_t flen = strlen(file);
    int result = ENOENT;
    const char *p = search_path;
    while (1) {
        const char *end = strchr(p, ':');
        size_t dlen = end ? (size_t)(end - p) : strlen(p);
        /* An empty PATH element means the current directory, as in execvp. */
        const char *dir = dlen == 0 ? "." : p;
        size_t dl = dlen == 0 ? 1 : dlen;
        if (dl + 1 + flen + 1 <= sizeof candidate) {
            memcpy(candidate, dir, dl);
            candidate[dl] = '/';
            memcpy(candidate + dl + 1, file, flen + 1);
            execve(candidate, argv, envp);
            /* Keep a permission error over a later ENOENT, as execvp does. */
            if (errno == EACCES)
                result = EACCES;
            else if (errno != ENOENT && errno != ENOTDIR)
                return errno;
        }
        if (end == NULL)
            break;
        p = end + 1;
    }
    return result;
}
