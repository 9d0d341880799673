#include "fidelity.h"
int main(void) {
    S(SYS_getpid);
    S(SYS_exit_group, 3);
    return 0;
}
