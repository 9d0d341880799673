#include "fidelity.h"
int main(void) {
    S(SYS_access, "/dev/null", F_OK);
    S(SYS_access, "/dev/null", R_OK | W_OK);
    S(SYS_access, "/nonexistent", X_OK);
    S(SYS_faccessat, AT_FDCWD, "/dev/null", R_OK);
    S(SYS_faccessat2, AT_FDCWD, "/dev/null", W_OK, AT_EACCESS);
    S(SYS_faccessat2, AT_FDCWD, "/dev/null", W_OK, AT_SYMLINK_NOFOLLOW | AT_EACCESS);
    return 0;
}
