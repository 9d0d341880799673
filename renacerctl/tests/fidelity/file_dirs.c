#include "fidelity.h"
int main(void) {
    S(SYS_mkdir, "d1", 0755);
    S(SYS_mkdirat, AT_FDCWD, "d2", 0700);
    S(SYS_chdir, "d1");
    S(SYS_chdir, "..");
    int fd = S(SYS_openat, AT_FDCWD, "d2", O_RDONLY | O_DIRECTORY);
    S(SYS_fchdir, fd);
    S(SYS_fchdir, 99);
    S(SYS_chdir, "..");
    S(SYS_rmdir, "d1");
    S(SYS_unlinkat, AT_FDCWD, "d2", AT_REMOVEDIR);
    S(SYS_rmdir, "nonexistent");
    return 0;
}
