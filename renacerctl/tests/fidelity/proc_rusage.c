#include "fidelity.h"
#include <sys/resource.h>
int main(void) {
    struct rusage ru;
    S(SYS_getrusage, 99, &ru);
    S(SYS_getrusage, RUSAGE_SELF, NULL);
    S(SYS_getrusage, RUSAGE_SELF, &ru);
    S(SYS_getrusage, RUSAGE_CHILDREN, &ru);
    return 0;
}
