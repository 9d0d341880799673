#include "fidelity.h"
#include <sys/resource.h>
int main(void) {
    struct rlimit r;
    S(SYS_getrlimit, RLIMIT_NOFILE, &r);
    S(SYS_setrlimit, RLIMIT_NOFILE, &r);
    S(SYS_getrlimit, RLIMIT_CORE, &r);
    struct rlimit n = {1024, RLIM_INFINITY};
    S(SYS_prlimit64, 0, RLIMIT_STACK, NULL, &r);
    S(SYS_prlimit64, 0, RLIMIT_CORE, &n, NULL);
    S(SYS_prlimit64, 0, RLIMIT_CORE, &n, &r);
    return 0;
}
