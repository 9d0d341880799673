#include "fidelity.h"
#include <sys/vfs.h>
int main(void) {
    struct statfs st;
    S(SYS_statfs, "/nonexistent", &st);
    S(SYS_fstatfs, 99, &st);
    return 0;
}
