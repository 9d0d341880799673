/* Traced with --source: each syscall below comes from a known line. */
#include <fcntl.h>
#include <unistd.h>

static void greet(void) {
    write(1, "hello from C\n", 13);
}

int main(void) {
    int fd = open("/dev/null", O_RDONLY);
    greet();
    close(fd);
    return 0;
}
