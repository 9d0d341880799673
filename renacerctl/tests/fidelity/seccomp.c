#include "fidelity.h"
#include <linux/seccomp.h>
int main(void) {
    S(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, NULL);
    S(SYS_seccomp, 99, 0, NULL);
    return 0;
}
