#include "fidelity.h"
#include <sys/wait.h>
int main(void) {
    pid_t pid = S(SYS_fork);
    if (pid == 0) S(SYS_exit_group, 3);
    int status;
    S(SYS_wait4, pid, &status, 0, NULL);
    S(SYS_wait4, -1, &status, WNOHANG, NULL);
    return 0;
}
