#include "fidelity.h"
#include <sys/wait.h>
int main(void) {
    pid_t pid = S(SYS_fork);
    if (pid == 0) { S(SYS_pause); S(SYS_exit_group, 0); }
    S(SYS_kill, pid, SIGKILL);
    int status;
    S(SYS_wait4, pid, &status, 0, NULL);
    return 0;
}
