#ifndef AGENT_SUPPORT_H
#define AGENT_SUPPORT_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/resource.h>

/// What to start: a program in a new process group, with the given standard descriptors and no others.
typedef struct {
    const char *path;           // executable path (absolute or relative to cwd)
    char *const *argv;          // NULL-terminated
    char *const *envp;          // NULL-terminated
    const char *cwd;            // working directory, or NULL to keep the caller's
    int stdin_fd;               // descriptor to become 0, or -1 for /dev/null
    int stdout_fd;              // descriptor to become 1, or -1 for /dev/null
    int stderr_fd;              // descriptor to become 2, or -1 for /dev/null
    int inherit_fd;             // descriptor to become 3 (the worker's lifeline), or -1
    int new_process_group;      // 1: lead a new process group; 0: stay in the caller's
    int new_session;            // 1: lead a new session (and group), as a daemon would
    int portable;               // 1: close descriptors the POSIX way even where the platform has a faster one
} at_spawn_request;

/// Starts the program (in a new process group led by itself when asked), every signal at its default and none blocked,
/// descriptors 0-3 as requested and every other one closed. Returns the pid, or -1 with `*error` set to errno.
pid_t at_spawn(const at_spawn_request *request, int *error);

/// The worker's lifeline: a pipe whose read end every supervisor holds and whose write end only the worker
/// holds, so that the worker's death (even `kill -9`) is an end of file every supervisor sees. Both ends are
/// close-on-exec and numbered `lowest` or above. Returns 0, or -1 with errno.
int at_lifeline(int fds[2], int lowest);

/// CLOCK_MONOTONIC in nanoseconds: the clock the supervisor stamps the agent's end with.
uint64_t at_monotonic_ns(void);

/// `write(2)`, named the same on every platform.
ssize_t at_write(int fd, const void *buffer, size_t count);

/// Waits until `pid` has exited without reaping it (so its pid and process group stay reserved).
/// Returns 0, or -1 with errno.
int at_wait_exited(pid_t pid);

/// Reaps `pid`: its wait status and the resource usage of it and the children it waited for.
/// Returns 0, or -1 with errno.
int at_reap(pid_t pid, int *status, struct rusage *usage);

/// Sends `signal` to process group `pgid`. Returns 0, or -1 with errno (ESRCH when the group is empty).
int at_signal_group(pid_t pgid, int signal);

/// Sends `signal` to one process.
int at_signal_process(pid_t pid, int signal);

/// Helpers for wait statuses, which are macros in C.
int at_exited(int status);
int at_exit_code(int status);
int at_signaled(int status);
int at_term_signal(int status);

/// Ignores SIGPIPE in this process (writes to a closed pipe return EPIPE instead of killing the worker).
void at_ignore_sigpipe(void);

/// Touches `megabytes` of fresh memory so that it is resident; returns the block (never freed) or NULL.
void *at_hold_memory(long megabytes);

/// Spins on the CPU until this process has used `seconds` of CPU time (however busy the machine is).
void at_burn_cpu(double seconds);

#endif
