#include "fidelity.h"
#include <sys/mman.h>
int main(void) {
    void *p = (void *)S(SYS_mmap, NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    S(SYS_mlock, p, 4096);
    S(SYS_munlock, p, 4096);
    S(SYS_mlock2, p, 4096, MLOCK_ONFAULT);
    S(SYS_munlock, p, 4096);
    S(SYS_mlockall, MCL_CURRENT | MCL_ONFAULT);
    S(SYS_munlockall);
    return 0;
}
