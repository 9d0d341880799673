/* Writes through a null pointer: killed by SIGSEGV (SEGV_MAPERR at 0). */
int main(void) {
    volatile int *nowhere = 0;
    *nowhere = 1;
    return 0;
}
