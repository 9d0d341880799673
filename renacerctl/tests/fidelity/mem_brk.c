#include "fidelity.h"
int main(void) {
    S(SYS_brk, 0);
    S(SYS_brk, 4096);
    return 0;
}
