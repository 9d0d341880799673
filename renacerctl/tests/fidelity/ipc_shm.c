#include "fidelity.h"
#include <sys/ipc.h>
#include <sys/shm.h>
int main(void) {
    int id = S(SYS_shmget, IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    void *p = (void *)S(SYS_shmat, id, NULL, SHM_RDONLY);
    S(SYS_shmdt, p);
    S(SYS_shmctl, id, IPC_RMID, NULL);
    S(SYS_shmget, 0x1234abcd, 4096, 0);
    return 0;
}
