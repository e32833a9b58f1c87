#define _GNU_SOURCE
#include "agent_support.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

/// The parent of `pid` from /proc, or -1.
static pid_t parent_of(pid_t pid) {
    char path[64];
    char buffer[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        return -1;
    }
    size_t length = fread(buffer, 1, sizeof(buffer) - 1, file);
    fclose(file);
    buffer[length] = 0;
    // The command name may hold spaces and parentheses: the fields after it follow the last ')'.
    char *close = strrchr(buffer, ')');
    if (close == NULL) {
        return -1;
    }
    char state;
    int ppid;
    if (sscanf(close + 1, " %c %d", &state, &ppid) != 2 || state == 'Z') {
        return -1;
    }
    return (pid_t)ppid;
}

/// SIGKILLs every live descendant of this process, whatever its process group or session: Claude Code starts
/// each tool command with setsid, out of reach of a signal to the agent's group. Returns how many were found.
static int kill_descendants(void) {
    enum { most = 4096 };
    static pid_t pids[most];
    static pid_t parents[most];
    int count = 0;
    DIR *proc = opendir("/proc");
    if (proc == NULL) {
        return 0;
    }
    struct dirent *entry;
    while ((entry = readdir(proc)) != NULL && count < most) {
        char *end;
        long pid = strtol(entry->d_name, &end, 10);
        if (*end != 0 || pid <= 0) {
            continue;
        }
        pid_t parent = parent_of((pid_t)pid);
        if (parent > 0) {
            pids[count] = (pid_t)pid;
            parents[count] = parent;
            count++;
        }
    }
    closedir(proc);
    // Walk down from this process: mark children of marked processes until nothing changes.
    static char marked[most];
    memset(marked, 0, sizeof(marked));
    pid_t self = getpid();
    int found = 0;
    int changed = 1;
    while (changed) {
        changed = 0;
        for (int i = 0; i < count; i++) {
            if (marked[i]) {
                continue;
            }
            int descends = parents[i] == self;
            for (int j = 0; !descends && j < count; j++) {
                descends = marked[j] && pids[j] == parents[i];
            }
            if (descends) {
                marked[i] = 1;
                changed = 1;
                found++;
            }
        }
    }
    for (int i = 0; i < count; i++) {
        if (marked[i]) {
            kill(pids[i], SIGKILL);
        }
    }
    return found;
}

/// Kills and reaps every descendant, a few rounds to catch ones that were forking meanwhile. Their resource
/// use joins this process's children totals, which the worker reads.
static void clean_up_descendants(void) {
    for (int round = 0; round < 20 && kill_descendants() > 0; round++) {
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
        while (waitpid(-1, NULL, WNOHANG) > 0) {
        }
    }
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
}

/// The parent is gone: take the agent and everything it started down with it.
static void __attribute__((noreturn)) kill_group(void) {
    kill_descendants();
    // Only a supervisor leading its own group (as the worker starts it) takes the group down with it.
    if (getpgrp() == getpid()) {
        kill(0, SIGKILL);
    }
    _exit(137);
}

/// Set by SIGUSR1: the worker wants the agent and everything it started killed now. The handler may run on
/// any thread of the process (the Swift runtime has several), so it also writes to a pipe the wait loop polls.
static volatile sig_atomic_t kill_requested = 0;
static int wake_pipe[2] = {-1, -1};

static void on_kill_request(int signal_number) {
    (void)signal_number;
    kill_requested = 1;
    if (wake_pipe[1] >= 0) {
        char byte = 1;
        ssize_t ignored = write(wake_pipe[1], &byte, 1);
        (void)ignored;
    }
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

    // Orphans of the agent (a tool process started in a session of its own) become our children, so
    // that they can be found and stopped when the agent ends.
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

    // The worker asks the agent to stop by sending SIGTERM to the group; the supervisor stays to report the
    // agent's end. To kill, the worker sends SIGUSR1 to the supervisor alone, which SIGKILLs every descendant
    // (a SIGKILL to the group would take the supervisor too, and leave orphans in other sessions running).
    signal(SIGTERM, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        wake_pipe[0] = wake_pipe[1] = -1;
    }
    struct sigaction request;
    memset(&request, 0, sizeof(request));
    request.sa_handler = on_kill_request;
    sigemptyset(&request.sa_mask);
    sigaction(SIGUSR1, &request, NULL);

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
        if (kill_requested) {
            kill_requested = 0;
            kill_descendants();
        }
        if (parent_fd >= 0 && agent_fd >= 0) {
            struct pollfd fds[3] = {{parent_fd, POLLIN, 0}, {agent_fd, POLLIN, 0}, {wake_pipe[0], POLLIN, 0}};
            int ready = poll(fds, wake_pipe[0] >= 0 ? 3 : 2, -1);
            if (ready > 0 && (fds[2].revents & POLLIN)) {
                char drain[16];
                while (read(wake_pipe[0], drain, sizeof(drain)) > 0) {
                }
            }
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
            clean_up_descendants();
            exit_like(status);
        }
        if (done < 0 && errno != EINTR) {
            break;
        }
    }
    // Waiting failed: fall back to a plain blocking wait.
    while (waitpid(agent, &status, 0) < 0 && errno == EINTR) {
    }
    clean_up_descendants();
    exit_like(status);
}
