#include "fidelity.h"
#include <sys/mman.h>
int main(void) {
    void *p = (void *)S(SYS_mmap, NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    S(SYS_mremap, p, 4096, 8192, MREMAP_MAYMOVE);
    S(SYS_mremap, p, 4096, 8192, 0);
    return 0;
}
