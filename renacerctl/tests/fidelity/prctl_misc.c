#include "fidelity.h"
#include <sys/prctl.h>
int main(void) {
    int v;
    S(SYS_prctl, PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
    S(SYS_prctl, PR_GET_PDEATHSIG, &v, 0, 0, 0);
    S(SYS_prctl, PR_GET_DUMPABLE, 0, 0, 0, 0);
    S(SYS_prctl, PR_SET_DUMPABLE, 1, 0, 0, 0);
    S(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    S(SYS_prctl, PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
    S(SYS_prctl, PR_GET_TIMERSLACK, 0, 0, 0, 0);
    S(SYS_prctl, PR_SET_TIMERSLACK, 50000, 0, 0, 0);
    S(SYS_prctl, PR_GET_SECUREBITS, 0, 0, 0, 0);
    S(SYS_prctl, PR_CAPBSET_READ, 0, 0, 0, 0);
    S(SYS_prctl, PR_GET_KEEPCAPS, 0, 0, 0, 0);
    S(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    S(SYS_prctl, PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0);
    S(SYS_prctl, PR_GET_THP_DISABLE, 0, 0, 0, 0);
    S(SYS_prctl, PR_SET_TIMERSLACK, 0, 0, 0, 0);
    S(SYS_prctl, 0x12345, 1, 2, 3, 4);
    return 0;
}
