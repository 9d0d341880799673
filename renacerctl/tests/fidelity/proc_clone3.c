#include "fidelity.h"
#include <linux/sched.h>
#include <sys/wait.h>
int main(void) {
    struct clone_args args = {.flags = CLONE_CLEAR_SIGHAND, .exit_signal = SIGCHLD};
    pid_t pid = S(SYS_clone3, &args, sizeof args);
    if (pid == 0) S(SYS_exit_group, 0);
    int status;
    S(SYS_wait4, pid, &status, 0, NULL);
    S(SYS_clone3, NULL, 0);
    return 0;
}
