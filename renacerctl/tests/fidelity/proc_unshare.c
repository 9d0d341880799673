#include "fidelity.h"
#include <sched.h>
int main(void) {
    S(SYS_unshare, CLONE_FILES);
    S(SYS_unshare, CLONE_FS | CLONE_SYSVSEM);
    S(SYS_unshare, 0);
    S(SYS_setns, 99, CLONE_NEWNET);
    return 0;
}
