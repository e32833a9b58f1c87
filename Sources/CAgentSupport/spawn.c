#define _GNU_SOURCE
#include "agent_support.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/// Closes every descriptor from `first` up in the child. The POSIX way lists /dev/fd (on Linux a view of
/// /proc/self/fd) in the parent; where the platform has better, it is used unless `portable` is set.
static int close_others(posix_spawn_file_actions_t *actions, posix_spawnattr_t *attributes, short *flags, int first,
                        int portable) {
#if defined(__APPLE__)
    (void)actions;
    (void)attributes;
    (void)first;
    (void)portable;
    // Every descriptor not named in a file action is closed in the child.
    *flags |= POSIX_SPAWN_CLOEXEC_DEFAULT;
    return 0;
#else
    (void)attributes;
    (void)flags;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    if (!portable) {
        return posix_spawn_file_actions_addclosefrom_np(actions, first);
    }
#else
    (void)portable;
#endif
    DIR *folder = opendir("/dev/fd");
    if (folder == NULL) {
        return errno;
    }
    int own = dirfd(folder);
    struct dirent *entry;
    while ((entry = readdir(folder)) != NULL) {
        char *end;
        long fd = strtol(entry->d_name, &end, 10);
        if (*end == 0 && end != entry->d_name && fd >= first && fd != own) {
            posix_spawn_file_actions_addclose(actions, (int)fd);
        }
    }
    closedir(folder);
    return 0;
#endif
}

pid_t at_spawn(const at_spawn_request *request, int *error) {
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_t actions;
    sigset_t all, none;
    int result;
    pid_t pid = -1;

    sigfillset(&all);
    sigemptyset(&none);
    if ((result = posix_spawnattr_init(&attributes)) != 0) {
        *error = result;
        return -1;
    }
    if ((result = posix_spawn_file_actions_init(&actions)) != 0) {
        posix_spawnattr_destroy(&attributes);
        *error = result;
        return -1;
    }
    // A new process group led by the child, so that a terminal's signals to the worker's group miss it.
    short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
    if (request->new_session) {
        flags |= POSIX_SPAWN_SETSID;
    } else if (request->new_process_group) {
        posix_spawnattr_setpgroup(&attributes, 0);
        flags |= POSIX_SPAWN_SETPGROUP;
    }
    // The worker ignores SIGPIPE; ignored signals survive exec, so every signal goes back to its default.
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setsigmask(&attributes, &none);

    const int standard[3] = {request->stdin_fd, request->stdout_fd, request->stderr_fd};
    for (int target = 0; target < 3; target++) {
        if (standard[target] >= 0) {
            posix_spawn_file_actions_adddup2(&actions, standard[target], target);
        } else {
            posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0);
        }
    }
    int first_closed = 3;
    if (request->inherit_fd >= 0) {
        posix_spawn_file_actions_adddup2(&actions, request->inherit_fd, 3);
        first_closed = 4;
    }
    if ((result = close_others(&actions, &attributes, &flags, first_closed, request->portable)) != 0) {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attributes);
        *error = result;
        return -1;
    }
    if (request->cwd != NULL) {
        posix_spawn_file_actions_addchdir_np(&actions, request->cwd);
    }
    posix_spawnattr_setflags(&attributes, flags);

    result = posix_spawn(&pid, request->path, &actions, &attributes, request->argv, request->envp);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (result != 0) {
        *error = result;
        return -1;
    }
    return pid;
}

int at_wait_exited(pid_t pid) {
    siginfo_t info;
    for (;;) {
        memset(&info, 0, sizeof(info));
        if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) == 0) {
            return 0;
        }
        if (errno != EINTR) {
            return -1;
        }
    }
}

int at_reap(pid_t pid, int *status, struct rusage *usage) {
    for (;;) {
        if (wait4(pid, status, 0, usage) == pid) {
            return 0;
        }
        if (errno != EINTR) {
            return -1;
        }
    }
}

int at_signal_group(pid_t pgid, int signal) {
    return kill(-pgid, signal);
}

int at_signal_process(pid_t pid, int signal) {
    return kill(pid, signal);
}

int at_exited(int status) { return WIFEXITED(status); }
int at_exit_code(int status) { return WEXITSTATUS(status); }
int at_signaled(int status) { return WIFSIGNALED(status); }
int at_term_signal(int status) { return WTERMSIG(status); }

int at_lifeline(int fds[2], int lowest) {
    int raw[2];
    if (pipe(raw) != 0) {
        return -1;
    }
    // Both ends close-on-exec and out of the low numbers a child is given (0-3); the read end reaches each
    // supervisor as its descriptor 3 through a file action.
    fds[0] = fcntl(raw[0], F_DUPFD_CLOEXEC, lowest);
    fds[1] = fcntl(raw[1], F_DUPFD_CLOEXEC, lowest);
    close(raw[0]);
    close(raw[1]);
    return fds[0] >= 0 && fds[1] >= 0 ? 0 : -1;
}

void at_ignore_sigpipe(void) {
    signal(SIGPIPE, SIG_IGN);
}

uint64_t at_monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

ssize_t at_write(int fd, const void *buffer, size_t count) {
    return write(fd, buffer, count);
}
