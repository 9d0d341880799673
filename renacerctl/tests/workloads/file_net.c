/* Deterministic workload for the strace golden test: files (open, write,
 * read, rename, unlink, a failing unlink), loopback sockets (a refused TCP
 * connect, a UDP sendto) and a nanosleep. Built static so that no dynamic
 * loader runs before main. Usage: file_net DIR */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2 || chdir(argv[1]) != 0)
        return 2;
    int fd = open("data.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (write(fd, "renacer golden line\n\ttab\001end", 28) != 28)
        return 3;
    close(fd);
    char buf[64];
    fd = open("data.txt", O_RDONLY);
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    rename("data.txt", "moved.txt");
    unlink("moved.txt");
    unlink("missing.txt");
    mkdir("sub", 0755);
    rmdir("sub");

    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(9);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int tcp = socket(AF_INET, SOCK_STREAM, 0);
    connect(tcp, (struct sockaddr *)&addr, sizeof addr);
    close(tcp);
    int udp = socket(AF_INET, SOCK_DGRAM, 0);
    sendto(udp, "ping", 4, 0, (struct sockaddr *)&addr, sizeof addr);
    close(udp);

    struct timespec pause = {0, 1000000};
    nanosleep(&pause, NULL);
    if (n > 0 && write(1, buf, (size_t)n) != n)
        return 4;
    return 0;
}
