/* GPU driver traffic without a GPU: for each device node given, open it,
 * send DRM_IOCTL_VERSION twice and one NVIDIA-style request, then close.
 * The tests point it at character nodes of /dev/null's numbers named like
 * GPU devices, so each ioctl fails with ENOTTY, but the calls are real. */
#include <fcntl.h>
#include <linux/ioctl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* _IOWR('d', 0x00, struct drm_version): 64 bytes on x86_64. */
#define DRM_IOCTL_VERSION _IOC(_IOC_READ | _IOC_WRITE, 'd', 0x00, 64)
/* An NVIDIA control request: _IOWR('F', 0xd2, 72 bytes). */
#define NV_ESC_REQUEST _IOC(_IOC_READ | _IOC_WRITE, 'F', 0xd2, 72)

int main(int argc, char **argv) {
    char buf[128] = {0};
    for (int i = 1; i < argc; i++) {
        int fd = open(argv[i], O_RDWR);
        if (fd < 0) {
            perror(argv[i]);
            return 1;
        }
        ioctl(fd, DRM_IOCTL_VERSION, buf);
        ioctl(fd, DRM_IOCTL_VERSION, buf);
        ioctl(fd, NV_ESC_REQUEST, buf);
        close(fd);
    }
    return 0;
}
