#include "fidelity.h"
#include <sys/wait.h>
int main(void) {
    pid_t pid = vfork();
    if (pid == 0) _exit(1);
    int status;
    S(SYS_wait4, pid, &status, 0, NULL);
    return 0;
}
