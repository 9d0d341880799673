#include "fidelity.h"
#include <sys/mman.h>
int main(void) {
    S(SYS_pkey_alloc, 0, 0);
    S(SYS_pkey_alloc, 0, PKEY_DISABLE_WRITE);
    S(SYS_pkey_alloc, 0, 0xbadc0ded00000002UL);
    S(SYS_pkey_free, 99);
    void *p = (void *)S(SYS_mmap, NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    S(SYS_pkey_mprotect, p, 4096, PROT_READ | PROT_WRITE, -1);
    return 0;
}
