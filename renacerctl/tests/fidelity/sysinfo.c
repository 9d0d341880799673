#include "fidelity.h"
int main(void) {
    S(SYS_sysinfo, NULL);
    S(SYS_syslog, 10, NULL, 0);
    S(SYS_getcpu, NULL, NULL, NULL);
    return 0;
}
