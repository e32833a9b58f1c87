/// agent-turbo-supervise: the small native process every agent runs under (no Swift runtime, so that starting
/// one costs about what starting `true` does).
///
///     agent-turbo-supervise --spool DIR --watch-fd FD [--output-cap BYTES] [--stdin FILE] [--cwd DIR]
///                           [--drain-ms MS] [--status FILE] [--posix] -- PROGRAM [ARG...]
///
/// It starts PROGRAM in a process group of its own, reads its stdout and stderr at whatever pace it writes
/// them into DIR/spool (so an agent never waits for the worker or the database), and when it ends kills
/// whatever it left running, drains the pipes for at most --drain-ms, writes DIR/status and exits as the
/// agent did (same code, or same signal). --status writes the status elsewhere than DIR/status: a task's
/// setup command runs under a supervisor of its own before the agent's, into the same spool.
///
/// The worker talks to it with signals: SIGTERM asks the agent to stop (relayed to its group), SIGUSR1 kills
/// the agent and everything it started. FD is the read end of the worker's lifeline pipe: when the worker
/// dies, even by `kill -9`, the pipe reaches end of file and the supervisor kills everything at once.
/// --posix forces the portable implementation on Linux (no subreaper, no /proc walk).
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spool.h"
#include "status.h"
#include "tree.h"

extern char **environ;

typedef struct {
    const char *spool_directory;
    const char *status_path;  // NULL: DIR/status
    int watch_fd;
    unsigned long long output_cap;
    const char *stdin_path;
    const char *cwd;
    int drain_ms;
    int linux_extras;
    char **program;  // NULL-terminated, program[0] the executable's path
} options_t;

static volatile sig_atomic_t term_requested = 0;
static volatile sig_atomic_t kill_requested = 0;
static int wake_pipe[2] = {-1, -1};

static uint64_t now_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

/// Signals only set a flag and wake the poll loop (the self-pipe trick): SIGCHLD included, which is how the
/// agent's end is noticed on every platform.
static void on_signal(int number) {
    int saved = errno;
    if (number == SIGTERM) {
        term_requested = 1;
    } else if (number == SIGUSR1) {
        kill_requested = 1;
    }
    char byte = 1;
    ssize_t ignored = write(wake_pipe[1], &byte, 1);
    (void)ignored;
    errno = saved;
}

static void usage(const char *message) {
    fprintf(stderr,
            "agent-turbo-supervise: %s\nusage: agent-turbo-supervise --spool DIR --watch-fd FD [--output-cap BYTES] "
            "[--stdin FILE] [--cwd DIR] [--drain-ms MS] [--status FILE] [--posix] -- PROGRAM [ARG...]\n",
            message);
    exit(2);
}

static void parse(int argc, char **argv, options_t *options) {
    memset(options, 0, sizeof(*options));
    options->watch_fd = -1;
    options->output_cap = 10ull << 20;
    options->drain_ms = 1000;
#ifdef __linux__
    options->linux_extras = 1;
#endif
    int i = 1;
    for (; i < argc; i++) {
        const char *name = argv[i];
        if (strcmp(name, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(name, "--posix") == 0) {
            options->linux_extras = 0;
            continue;
        }
        if (i + 1 >= argc) {
            usage("an option is missing its value");
        }
        const char *value = argv[++i];
        if (strcmp(name, "--spool") == 0) {
            options->spool_directory = value;
        } else if (strcmp(name, "--watch-fd") == 0) {
            options->watch_fd = atoi(value);
        } else if (strcmp(name, "--output-cap") == 0) {
            options->output_cap = strtoull(value, NULL, 10);
        } else if (strcmp(name, "--stdin") == 0) {
            options->stdin_path = value;
        } else if (strcmp(name, "--cwd") == 0) {
            options->cwd = value;
        } else if (strcmp(name, "--status") == 0) {
            options->status_path = value;
        } else if (strcmp(name, "--drain-ms") == 0) {
            options->drain_ms = atoi(value);
        } else {
            usage("unknown option");
        }
    }
    if (options->spool_directory == NULL || options->watch_fd < 0 || i >= argc) {
        usage("--spool, --watch-fd and a program are required");
    }
    options->program = &argv[i];
    if (options->status_path == NULL) {
        static char default_status[4096];
        snprintf(default_status, sizeof(default_status), "%s/status", options->spool_directory);
        options->status_path = default_status;
    }
}

static void set_flags(int fd, int descriptor_flags, int status_flags) {
    fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | descriptor_flags);
    if (status_flags != 0) {
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | status_flags);
    }
}

/// A pipe whose ends are close-on-exec (the child gets its end through dup2) and whose read end does not block.
static int make_pipe(int fds[2]) {
    if (pipe(fds) != 0) {
        return -1;
    }
    set_flags(fds[0], FD_CLOEXEC, O_NONBLOCK);
    set_flags(fds[1], FD_CLOEXEC, 0);
    return 0;
}

/// End like the agent ended, so that the worker's wait status is the agent's too.
static void __attribute__((noreturn)) exit_like(int exited, int status) {
    if (exited && WIFSIGNALED(status)) {
        int number = WTERMSIG(status);
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        signal(number, SIG_DFL);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, number);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        raise(number);
        _exit(128 + number);
    }
    _exit(exited && WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

static void note(spool_t *spool, char stream, const char *format, const char *a, const char *b) {
    char text[4400];
    int n = snprintf(text, sizeof(text), format, a, b);
    if (n > 0) {
        spool_note(spool, stream, text, (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1);
    }
}

/// Starts the program in a process group of its own with stdin, stdout and stderr as given; every other
/// descriptor of this process is close-on-exec. Returns the pid, or -1 with `*stage` and errno set.
static pid_t start_agent(const options_t *options, int out, int err, const char **stage) {
    if (options->cwd != NULL && chdir(options->cwd) != 0) {
        *stage = "cwd";
        return -1;
    }
    int input = open(options->stdin_path != NULL ? options->stdin_path : "/dev/null", O_RDONLY | O_CLOEXEC);
    if (input < 0) {
        *stage = "stdin";
        return -1;
    }
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_t actions;
    posix_spawnattr_init(&attributes);
    posix_spawn_file_actions_init(&actions);
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setpgroup(&attributes, 0);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
    posix_spawn_file_actions_adddup2(&actions, input, 0);
    posix_spawn_file_actions_adddup2(&actions, out, 1);
    posix_spawn_file_actions_adddup2(&actions, err, 2);
    pid_t pid;
    int result = posix_spawn(&pid, options->program[0], &actions, &attributes, options->program, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    close(input);
    if (result != 0) {
        *stage = "exec";
        errno = result;
        return -1;
    }
    return pid;
}

/// Reads what is there (up to 64 KiB) from one of the agent's pipes into the spool; closes it at end of file.
static void pump(int *fd, char stream, spool_t *spool) {
    static char buffer[64 * 1024];
    ssize_t n = read(*fd, buffer, sizeof(buffer));
    if (n > 0) {
        spool_output(spool, stream, buffer, (size_t)n);
    } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        close(*fd);
        *fd = -1;
    }
}

int main(int argc, char **argv) {
    options_t options;
    parse(argc, argv, &options);
    attempt_status_t status;
    memset(&status, 0, sizeof(status));
    status.started_ns = now_ns();

    // Nothing of ours reaches the agent but what start_agent hands it.
    set_flags(options.watch_fd, FD_CLOEXEC, 0);
    if (make_pipe(wake_pipe) != 0) {
        perror("agent-turbo-supervise: pipe");
        return 125;
    }
    set_flags(wake_pipe[1], 0, O_NONBLOCK);
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGUSR1, &action, NULL);
    sigaction(SIGCHLD, &action, NULL);
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    tree_become_subreaper(options.linux_extras);

    spool_t spool;
    if (spool_open(&spool, options.spool_directory, options.output_cap) != 0) {
        fprintf(stderr, "agent-turbo-supervise: cannot open the spool in %s: %s\n", options.spool_directory, strerror(errno));
        return 125;
    }
    int out[2], err[2];
    if (make_pipe(out) != 0 || make_pipe(err) != 0) {
        fprintf(stderr, "agent-turbo-supervise: pipe: %s\n", strerror(errno));
        return 125;
    }
    const char *stage = "exec";
    pid_t agent = start_agent(&options, out[1], err[1], &stage);
    close(out[1]);
    close(err[1]);
    if (agent < 0) {
        status.spawn_errno = errno;
        status.spawn_stage = stage;
        const char *subject = strcmp(stage, "cwd") == 0 ? options.cwd
                              : strcmp(stage, "stdin") == 0 ? options.stdin_path : options.program[0];
        note(&spool, 'e', "agent-turbo: cannot start the agent (%s): %s\n", subject, strerror(status.spawn_errno));
        status.exit_ns = now_ns();
        status_write(options.status_path, &status, &spool);
        _exit(status.spawn_errno == ENOENT ? 127 : 126);
    }
    status.agent_pid = agent;
    char pid_text[32];
    snprintf(pid_text, sizeof(pid_text), "%d", (int)agent);
    spool_note(&spool, 'p', pid_text, strlen(pid_text));

    int stdout_fd = out[0];
    int stderr_fd = err[0];
    uint64_t drain_deadline = 0;
    for (;;) {
        // Reap first: an agent that has already ended (its end not yet seen when a stop request came in) ended by
        // itself, and is recorded so (stop_delivered stays 0) rather than as stopped.
        if (!status.exited) {
            int wait_status = 0;
            pid_t done = waitpid(agent, &wait_status, WNOHANG);
            if (done == agent || (done < 0 && errno == ECHILD)) {
                status.exited = done == agent;
                status.wait_status = wait_status;
                status.exit_ns = now_ns();
                // Whatever the agent left running goes now; then the pipes get a short drain.
                tree_clean_up(agent, options.linux_extras, 2000);
                drain_deadline = now_ns() + (uint64_t)options.drain_ms * 1000000ull;
                if (done < 0) {
                    status.exited = 1;
                    status.wait_status = 0;
                }
            }
        }
        if (term_requested) {
            term_requested = 0;
            if (status.stop_ns == 0) {
                status.stop_ns = now_ns();
            }
            if (!status.exited) {
                kill(-agent, SIGTERM);
                status.stop_delivered = 1;
            }
        }
        if (kill_requested) {
            kill_requested = 0;
            if (status.stop_ns == 0) {
                status.stop_ns = now_ns();
            }
            // After the agent's end its pid (its group's id) may be reused: nothing is signalled then.
            if (!status.exited) {
                tree_kill(agent, options.linux_extras);
                status.stop_delivered = 1;
            }
        }
        if (status.exited && stdout_fd < 0 && stderr_fd < 0) {
            break;
        }
        struct pollfd fds[4];
        int count = 0;
        fds[count++] = (struct pollfd){wake_pipe[0], POLLIN, 0};
        int watch_index = count;
        fds[count++] = (struct pollfd){options.watch_fd, POLLIN, 0};
        int stdout_index = stdout_fd >= 0 ? count : -1;
        if (stdout_fd >= 0) {
            fds[count++] = (struct pollfd){stdout_fd, POLLIN, 0};
        }
        int stderr_index = stderr_fd >= 0 ? count : -1;
        if (stderr_fd >= 0) {
            fds[count++] = (struct pollfd){stderr_fd, POLLIN, 0};
        }
        int timeout = -1;
        if (status.exited) {
            uint64_t now = now_ns();
            if (now >= drain_deadline) {
                status.drain_timed_out = 1;
                break;
            }
            timeout = (int)((drain_deadline - now) / 1000000ull) + 1;
        }
        int ready = poll(fds, (nfds_t)count, timeout);
        if (ready < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        if (fds[0].revents & POLLIN) {
            char drain[64];
            while (read(wake_pipe[0], drain, sizeof(drain)) > 0) {
            }
        }
        if (fds[watch_index].revents & (POLLIN | POLLHUP | POLLERR)) {
            char byte;
            if (read(options.watch_fd, &byte, 1) <= 0) {
                // The worker is gone: nothing it started may outlive it.
                status.worker_died = 1;
                if (status.stop_ns == 0) {
                    status.stop_ns = now_ns();
                }
                if (!status.exited) {
                    tree_clean_up(agent, options.linux_extras, 2000);
                    status.stop_delivered = 1;
                }
                break;
            }
        }
        if (stdout_index >= 0 && (fds[stdout_index].revents & (POLLIN | POLLHUP | POLLERR))) {
            pump(&stdout_fd, 'o', &spool);
        }
        if (stderr_index >= 0 && (fds[stderr_index].revents & (POLLIN | POLLHUP | POLLERR))) {
            pump(&stderr_fd, 'e', &spool);
        }
    }
    spool_write_tails(&spool, options.spool_directory);
    status_write(options.status_path, &status, &spool);
    exit_like(status.exited, status.wait_status);
}
