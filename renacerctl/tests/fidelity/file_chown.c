#include "fidelity.h"
int main(void) {
    int fd = S(SYS_creat, "o", 0644);
    S(SYS_chown, "o", 0, 0);
    S(SYS_fchown, fd, -1, 0);
    S(SYS_lchown, "o", 0, -1);
    S(SYS_fchownat, AT_FDCWD, "o", 1000, 1000, AT_SYMLINK_NOFOLLOW);
    S(SYS_chown, "o", -1, -1);
    return 0;
}
