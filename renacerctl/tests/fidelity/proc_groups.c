#include "fidelity.h"
int main(void) {
    gid_t g[4];
    S(SYS_getgroups, 0, NULL);
    S(SYS_getgroups, 4, g);
    gid_t set[2] = {0, 1};
    S(SYS_setgroups, 2, set);
    S(SYS_setgroups, 0, NULL);
    return 0;
}
