#include "fidelity.h"
#include <sys/personality.h>
int main(void) {
    S(SYS_personality, 0xffffffff);
    S(SYS_personality, PER_LINUX);
    S(SYS_personality, PER_LINUX | ADDR_NO_RANDOMIZE);
    S(SYS_personality, PER_LINUX);
    return 0;
}
