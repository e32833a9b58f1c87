#define _GNU_SOURCE
#include "agent_support.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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
    // A new process group led by the child: the worker signals the whole group, grandchildren included.
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
    posix_spawnattr_setflags(&attributes, flags);

    if (request->stdin_fd >= 0) {
        posix_spawn_file_actions_adddup2(&actions, request->stdin_fd, 0);
    } else {
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    }
    posix_spawn_file_actions_adddup2(&actions, request->stdout_fd, 1);
    posix_spawn_file_actions_adddup2(&actions, request->stderr_fd, 2);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    if (request->cwd != NULL) {
        posix_spawn_file_actions_addchdir_np(&actions, request->cwd);
    }

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

int at_pipe(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

void at_ignore_sigpipe(void) {
    signal(SIGPIPE, SIG_IGN);
}
