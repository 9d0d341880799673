#include "fidelity.h"
#include <sys/ipc.h>
#include <sys/msg.h>
int main(void) {
    int id = S(SYS_msgget, IPC_PRIVATE, IPC_CREAT | 0600);
    struct { long type; char text[8]; } m = {1, "hi"};
    S(SYS_msgsnd, id, &m, 3, IPC_NOWAIT);
    S(SYS_msgrcv, id, &m, 8, 0, IPC_NOWAIT);
    S(SYS_msgrcv, id, &m, 8, 0, IPC_NOWAIT);
    S(SYS_msgctl, id, IPC_RMID, NULL);
    return 0;
}
