#include "fidelity.h"
#include <sys/stat.h>
int main(void) {
    int fd = S(SYS_creat, "m", 0644);
    S(SYS_chmod, "m", 0600);
    S(SYS_fchmod, fd, 04755);
    S(SYS_fchmodat, AT_FDCWD, "m", 01777);
    S(SYS_chmod, "nonexistent", 0);
    S(452, AT_FDCWD, "m", 0644, AT_SYMLINK_NOFOLLOW);
    return 0;
}
