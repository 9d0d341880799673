#include "fidelity.h"
#include <sys/stat.h>
int main(void) {
    struct stat st;
    S(SYS_stat, "/dev/null", &st);
    S(SYS_lstat, "/nonexistent", &st);
    S(SYS_newfstatat, AT_FDCWD, "/dev/zero", &st, AT_SYMLINK_NOFOLLOW);
    S(SYS_fstat, 0, &st);
    S(SYS_fstat, 77, &st);
    return 0;
}
