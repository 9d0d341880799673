#include "fidelity.h"
#include <sys/mman.h>
int main(void) {
    void *p = (void *)S(SYS_mmap, NULL, 16384, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    S(SYS_madvise, p, 4096, MADV_DONTNEED);
    S(SYS_madvise, p, 4096, MADV_WILLNEED);
    S(SYS_madvise, p, 4096, MADV_HUGEPAGE);
    S(SYS_madvise, p, 4096, MADV_DONTFORK);
    S(SYS_madvise, p, 4096, MADV_FREE);
    S(SYS_madvise, p, 4096, 999);
    S(SYS_msync, p, 4096, MS_SYNC | MS_INVALIDATE);
    S(SYS_msync, p, 4096, MS_ASYNC);
    unsigned char vec[4];
    S(SYS_mincore, p, 16384, vec);
    return 0;
}
