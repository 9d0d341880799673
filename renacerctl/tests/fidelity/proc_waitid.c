#include "fidelity.h"
#include <sys/wait.h>
int main(void) {
    pid_t pid = S(SYS_fork);
    if (pid == 0) S(SYS_exit_group, 7);
    siginfo_t info;
    S(SYS_waitid, P_PID, pid, &info, WEXITED | WNOWAIT, NULL);
    S(SYS_waitid, P_ALL, 0, &info, WEXITED, NULL);
    S(SYS_waitid, P_ALL, 0, &info, WEXITED | WNOHANG, NULL);
    return 0;
}
