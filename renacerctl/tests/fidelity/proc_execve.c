#include "fidelity.h"
int main(int argc, char **argv) {
    (void)argc;
    if (argv[1] == NULL) {
        char *args[] = {argv[0], "again", NULL};
        char *env[] = {"A=1", "B=two", NULL};
        S(SYS_execve, argv[0], args, env);
    }
    char *none[] = {NULL};
    S(SYS_execve, "/nonexistent", none, none);
    S(SYS_execveat, AT_FDCWD, "/nonexistent", none, none, 0);
    return 0;
}
