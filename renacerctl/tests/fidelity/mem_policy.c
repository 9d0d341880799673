#include "fidelity.h"
int main(void) {
    int mode;
    S(SYS_get_mempolicy, &mode, NULL, 0, NULL, 0);
    S(SYS_set_mempolicy, 0, NULL, 0);
    return 0;
}
