/* Static /init for the AVX-512 Bochs run (scripts/ci/avx512-bochs.sh): mounts /proc and /sys,
 * runs each test binary of TESTS (those present) with this process's arguments and the
 * environment below, prints the first non-zero exit code (or 0) on the console, lets the serial
 * port drain, and powers off. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>

int main(int argc, char **argv) {
    int fd = open("/dev/console", O_RDWR);
    if (fd >= 0) {
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
    }
    mount("proc", "/proc", "proc", 0, NULL);
    mount("sysfs", "/sys", "sysfs", 0, NULL);
    setenv("RVF_REQUIRE_BACKENDS", "avx512", 1);
    setenv("RUST_TEST_THREADS", "1", 1);
    setenv("RUST_BACKTRACE", "1", 1);
    /* Settings passed on the kernel command line as NAME=VALUE arrive in our environment. */
    static const char *TESTS[] = {"/tests/differential", "/tests/x86"};
    char *args[64];
    int n = 1;
    for (int i = 1; i < argc && n < 63; i++) args[n++] = argv[i];
    args[n] = NULL;
    int code = 0, ran = 0;
    for (unsigned t = 0; t < sizeof TESTS / sizeof TESTS[0]; t++) {
        if (access(TESTS[t], X_OK) != 0) continue;
        args[0] = (char *)TESTS[t];
        printf("INIT: running %s (RVF_DIFF_MAX_LEN=%s)\n", TESTS[t],
               getenv("RVF_DIFF_MAX_LEN") ? getenv("RVF_DIFF_MAX_LEN") : "default");
        fflush(stdout);
        int c = 255;
        pid_t pid = fork();
        if (pid == 0) {
            execv(TESTS[t], args);
            perror("execv");
            _exit(127);
        } else if (pid > 0) {
            int status = 0;
            waitpid(pid, &status, 0);
            c = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        printf("INIT: %s exit code %d\n", TESTS[t], c);
        ran++;
        if (code == 0) code = c;
    }
    if (ran == 0) code = 126;
    printf("INIT: tests exit code %d\n", code);
    fflush(stdout);
    sync();
    sleep(3);
    reboot(RB_POWER_OFF);
    return 0;
}
