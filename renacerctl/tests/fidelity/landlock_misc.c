#include "fidelity.h"
int main(void) {
    S(SYS_landlock_create_ruleset, NULL, 0, 1);
    S(SYS_memfd_secret, 0);
    S(SYS_process_madvise, -1, NULL, 0, 0, 0);
    return 0;
}
