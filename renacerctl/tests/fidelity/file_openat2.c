#include "fidelity.h"
#include <linux/openat2.h>
int main(void) {
    struct open_how how = {.flags = O_RDONLY | O_CLOEXEC, .mode = 0, .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH};
    S(SYS_openat2, AT_FDCWD, ".", &how, sizeof how);
    struct open_how how2 = {.flags = O_WRONLY | O_CREAT, .mode = 0644, .resolve = 0};
    S(SYS_openat2, AT_FDCWD, "c.txt", &how2, sizeof how2);
    S(SYS_openat2, AT_FDCWD, "c.txt", NULL, sizeof how2);
    return 0;
}
