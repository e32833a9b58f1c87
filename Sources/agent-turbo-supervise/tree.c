#include "tree.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/prctl.h>
#endif

int tree_become_subreaper(int linux_extras) {
#ifdef __linux__
    if (linux_extras) {
        return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
    }
#endif
    (void)linux_extras;
    return 0;
}

#ifdef __linux__
/// SIGKILLs this process's children, read from /proc/self/task/<tid>/children (the supervisor has one
/// thread). Their own children come to us when they die, and the next round finds them. Returns how many.
static int kill_children(void) {
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    int count = 0;
    char buffer[4096];
    char number[32];
    size_t digits = 0;
    for (;;) {
        ssize_t n = read(fd, buffer, sizeof(buffer));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        // Space-separated pids, read piecewise so that any number of children fits.
        for (ssize_t i = 0; i < n; i++) {
            char c = buffer[i];
            if (c >= '0' && c <= '9') {
                if (digits < sizeof(number) - 1) {
                    number[digits++] = c;
                }
            } else if (digits > 0) {
                number[digits] = 0;
                kill((pid_t)strtol(number, NULL, 10), SIGKILL);
                count++;
                digits = 0;
            }
        }
    }
    if (digits > 0) {
        number[digits] = 0;
        kill((pid_t)strtol(number, NULL, 10), SIGKILL);
        count++;
    }
    close(fd);
    return count;
}
#endif

void tree_kill(pid_t group, int linux_extras) {
    if (group > 0) {
        kill(-group, SIGKILL);
    }
#ifdef __linux__
    if (linux_extras) {
        kill_children();
    }
#endif
    (void)linux_extras;
}

static long long milliseconds_now(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

void tree_clean_up(pid_t group, int linux_extras, int patience_ms) {
    long long deadline = milliseconds_now() + patience_ms;
    for (;;) {
        tree_kill(group, linux_extras);
        pid_t reaped;
        while ((reaped = waitpid(-1, NULL, WNOHANG)) > 0) {
        }
        // No child at all: with the subreaper, no descendant is left anywhere.
        if (reaped < 0 && errno == ECHILD) {
            return;
        }
        if (milliseconds_now() >= deadline) {
            return;
        }
        struct timespec pause = {0, 2 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}
