#include "fidelity.h"
int main(void) {
    S(SYS_dup, 0);
    S(SYS_dup2, 0, 10);
    S(SYS_dup3, 0, 11, O_CLOEXEC);
    S(SYS_dup3, 0, 12, 0);
    S(SYS_dup, 99);
    S(SYS_close, 10);
    S(SYS_close_range, 11, 12, 0);
    S(SYS_close_range, 3, ~0U, 4);
    S(SYS_close_range, 13, 14, 2);
    return 0;
}
