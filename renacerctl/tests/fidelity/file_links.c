#include "fidelity.h"
int main(void) {
    int fd = S(SYS_creat, "orig", 0644);
    S(SYS_close, fd);
    S(SYS_link, "orig", "hard");
    S(SYS_linkat, AT_FDCWD, "orig", AT_FDCWD, "hard2", 0);
    S(SYS_symlink, "orig", "soft");
    S(SYS_symlinkat, "orig", AT_FDCWD, "soft2");
    char buf[32];
    S(SYS_readlink, "soft", buf, sizeof buf);
    S(SYS_readlinkat, AT_FDCWD, "soft2", buf, 2);
    S(SYS_readlink, "orig", buf, sizeof buf);
    S(SYS_unlink, "hard");
    S(SYS_unlinkat, AT_FDCWD, "hard2", 0);
    return 0;
}
