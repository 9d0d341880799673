#include "fidelity.h"
static char stack[65536];
int main(void) {
    stack_t ss = {.ss_sp = stack, .ss_size = sizeof stack, .ss_flags = 0}, old;
    S(SYS_sigaltstack, &ss, &old);
    S(SYS_sigaltstack, NULL, &old);
    ss.ss_flags = SS_DISABLE;
    S(SYS_sigaltstack, &ss, NULL);
    return 0;
}
