#include "fidelity.h"
#include <sys/select.h>
int main(void) {
    int p[2];
    S(SYS_pipe2, p, 0);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    FD_SET(0, &r);
    struct timespec ts = {0, 1000};
    S(SYS_pselect6, p[0] + 1, &r, NULL, NULL, &ts, NULL);
    S(SYS_pselect6, 0, NULL, NULL, NULL, &ts, NULL);
    return 0;
}
