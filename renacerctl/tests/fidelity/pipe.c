#include "fidelity.h"
int main(void) {
    int p[2];
    char buf[8];
    S(SYS_pipe, p);
    S(SYS_write, p[1], "pipe", 4);
    S(SYS_read, p[0], buf, sizeof buf);
    S(SYS_pipe2, p, O_CLOEXEC | O_DIRECT);
    S(SYS_pipe2, NULL, 0);
    return 0;
}
