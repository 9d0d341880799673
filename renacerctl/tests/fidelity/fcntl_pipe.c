#include "fidelity.h"
int main(void) {
    int p[2];
    S(SYS_pipe2, p, O_NONBLOCK);
    S(SYS_fcntl, p[0], F_GETPIPE_SZ);
    S(SYS_fcntl, p[0], F_SETPIPE_SZ, 8192);
    S(SYS_fcntl, p[0], F_ADD_SEALS, 1);
    S(SYS_fcntl, p[0], F_GET_SEALS);
    S(SYS_fcntl, p[0], F_NOTIFY, 1);
    return 0;
}
