#include "fidelity.h"
#include <linux/stat.h>
int main(void) {
    char buf[256];
    S(SYS_statx, AT_FDCWD, "/dev/null", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, buf);
    S(SYS_statx, AT_FDCWD, "/nonexistent", 0, STATX_TYPE | STATX_MODE, buf);
    return 0;
}
