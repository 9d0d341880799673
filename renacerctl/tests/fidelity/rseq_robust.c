#include "fidelity.h"
int main(void) {
    S(SYS_rseq, NULL, 0, 0, 0);
    S(SYS_membarrier, 0, 0, 0);
    S(SYS_membarrier, 99, 0, 0);
    return 0;
}
