#include "fidelity.h"
#include <linux/fs.h>
int main(void) {
    int fd = S(SYS_creat, "r1", 0644);
    S(SYS_close, fd);
    fd = S(SYS_creat, "r3", 0644);
    S(SYS_close, fd);
    S(SYS_rename, "r1", "r2");
    S(SYS_renameat, AT_FDCWD, "r2", AT_FDCWD, "r1");
    S(SYS_renameat2, AT_FDCWD, "r1", AT_FDCWD, "r3", RENAME_NOREPLACE);
    S(SYS_renameat2, AT_FDCWD, "r1", AT_FDCWD, "r3", RENAME_EXCHANGE);
    S(SYS_renameat2, AT_FDCWD, "r1", AT_FDCWD, "r3", RENAME_WHITEOUT | RENAME_NOREPLACE);
    return 0;
}
