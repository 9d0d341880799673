#include "fidelity.h"
#include <sys/time.h>
#include <sys/times.h>
int main(void) {
    S(SYS_time, NULL);
    S(SYS_gettimeofday, NULL, NULL);
    struct timezone tz;
    S(SYS_gettimeofday, NULL, &tz);
    S(SYS_settimeofday, NULL, NULL);
    return 0;
}
