#include "fidelity.h"
#include <sys/prctl.h>
int main(void) {
    char name[16];
    S(SYS_prctl, PR_SET_NAME, "fidelity", 0, 0, 0);
    S(SYS_prctl, PR_GET_NAME, name, 0, 0, 0);
    S(SYS_prctl, PR_SET_NAME, "f", 0, 0, 0);
    return 0;
}
