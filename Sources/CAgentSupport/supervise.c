#define _GNU_SOURCE
#include "agent_support.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static int pidfd_open_compat(pid_t pid) {
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

/// The parent is gone: take the agent and everything it started down with it.
static void __attribute__((noreturn)) kill_group(void) {
    kill(0, SIGKILL);
    _exit(137);
}

/// End like the agent ended, so the worker's wait status is the agent's.
static void __attribute__((noreturn)) exit_like(int status) {
    if (WIFSIGNALED(status)) {
        int signal_number = WTERMSIG(status);
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        signal(signal_number, SIG_DFL);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, signal_number);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        raise(signal_number);
        _exit(128 + signal_number);
    }
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

void at_supervise_main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "agent-turbo __supervise: usage: __supervise PARENT_PID PATH [ARG...]\n");
        _exit(2);
    }
    pid_t parent = (pid_t)strtol(argv[2], NULL, 10);
    const char *path = argv[3];

    // Watch the parent first, then check it is still ours: no window in which its death goes unseen.
    int parent_fd = pidfd_open_compat(parent);
    if (getppid() != parent) {
        kill_group();
    }

    // The worker stops an agent by signalling the group; the supervisor stays to report the agent's end.
    signal(SIGTERM, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);

    posix_spawnattr_t attributes;
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    pid_t agent;
    int result = posix_spawnp(&agent, path, NULL, &attributes, &argv[3], environ);
    posix_spawnattr_destroy(&attributes);
    if (result != 0) {
        fprintf(stderr, "agent-turbo: cannot start %s: %s\n", path, strerror(result));
        _exit(result == ENOENT ? 127 : 126);
    }

    int agent_fd = pidfd_open_compat(agent);
    int status = 0;
    for (;;) {
        if (parent_fd >= 0 && agent_fd >= 0) {
            struct pollfd fds[2] = {{parent_fd, POLLIN, 0}, {agent_fd, POLLIN, 0}};
            int ready = poll(fds, 2, -1);
            if (ready < 0 && errno != EINTR) {
                break;
            }
            if (ready > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
                kill_group();
            }
        } else {
            // Kernels without pidfd: look every 100 ms.
            struct timespec pause = {0, 100 * 1000 * 1000};
            nanosleep(&pause, NULL);
            if (getppid() != parent) {
                kill_group();
            }
        }
        pid_t done = waitpid(agent, &status, WNOHANG);
        if (done == agent) {
            exit_like(status);
        }
        if (done < 0 && errno != EINTR) {
            break;
        }
    }
    // Waiting failed: fall back to a plain blocking wait.
    while (waitpid(agent, &status, 0) < 0 && errno == EINTR) {
    }
    exit_like(status);
}
