#include "fidelity.h"
#include <sched.h>
#include <sys/wait.h>
int main(void) {
    pid_t pid = S(SYS_clone, CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD, NULL, NULL, NULL, NULL);
    if (pid == 0) S(SYS_exit_group, 0);
    int status;
    S(SYS_wait4, pid, &status, 0, NULL);
    return 0;
}
