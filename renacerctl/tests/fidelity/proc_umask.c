#include "fidelity.h"
int main(void) {
    S(SYS_umask, 022);
    S(SYS_umask, 077);
    S(SYS_umask, 0);
    return 0;
}
