#include "fidelity.h"
#include <sys/random.h>
int main(void) {
    char buf[4];
    S(SYS_getrandom, buf, 0, GRND_NONBLOCK);
    S(SYS_getrandom, buf, 0, GRND_RANDOM);
    S(SYS_getrandom, buf, 0, GRND_INSECURE);
    S(SYS_getrandom, buf, 0, 0);
    S(SYS_getrandom, buf, 0, GRND_NONBLOCK | GRND_RANDOM);
    S(SYS_getrandom, buf, 0, 0x10);
    return 0;
}
