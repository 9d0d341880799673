#include "fidelity.h"
#include <sys/mman.h>
int main(void) {
    int fd = S(SYS_memfd_create, "fidelity", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    S(SYS_ftruncate, fd, 4096);
    S(SYS_fcntl, fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW);
    S(SYS_fcntl, fd, F_GET_SEALS);
    S(SYS_memfd_create, "", 0);
    return 0;
}
