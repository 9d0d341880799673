#include "fidelity.h"
#include <sys/ipc.h>
#include <sys/sem.h>
int main(void) {
    int id = S(SYS_semget, IPC_PRIVATE, 1, IPC_CREAT | IPC_EXCL | 0600);
    struct sembuf op = {0, 1, SEM_UNDO};
    S(SYS_semop, id, &op, 1);
    S(SYS_semctl, id, 0, GETVAL, 0);
    S(SYS_semctl, id, 0, IPC_RMID, 0);
    return 0;
}
