#include "fidelity.h"
#include <sys/select.h>
int main(void) {
    int p[2];
    S(SYS_pipe2, p, 0);
    fd_set r, w;
    FD_ZERO(&r); FD_ZERO(&w);
    FD_SET(p[0], &r);
    FD_SET(p[1], &w);
    struct timeval tv = {0, 123};
    S(SYS_select, p[1] + 1, &r, &w, NULL, &tv);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timeval tv2 = {0, 1000};
    S(SYS_select, p[0] + 1, &r, NULL, NULL, &tv2);
    S(SYS_select, 0, NULL, NULL, NULL, &tv2);
    return 0;
}
