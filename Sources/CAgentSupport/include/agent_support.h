#ifndef AGENT_SUPPORT_H
#define AGENT_SUPPORT_H

#include <sys/types.h>
#include <sys/resource.h>

/// What to start: a program in a new process group, with the given standard descriptors and no others.
typedef struct {
    const char *path;           // executable path (absolute or relative to cwd)
    char *const *argv;          // NULL-terminated
    char *const *envp;          // NULL-terminated
    const char *cwd;            // working directory, or NULL to keep the caller's
    int stdin_fd;               // descriptor to become 0, or -1 for /dev/null
    int stdout_fd;              // descriptor to become 1
    int stderr_fd;              // descriptor to become 2
    int new_process_group;      // 1: lead a new process group; 0: stay in the caller's
    int new_session;            // 1: lead a new session (and group), as a daemon would
} at_spawn_request;

/// Starts the program (in a new process group led by itself when asked), every signal at its default and none blocked,
/// descriptors 0-2 as requested and every other one closed. Returns the pid, or -1 with `*error` set to errno.
pid_t at_spawn(const at_spawn_request *request, int *error);

/// The hidden `__supervise` mode of agent-turbo: `argv` is `[self, "__supervise", PARENT_PID, PATH, ARG...]`.
/// Runs PATH with its arguments as a child in this process group, as a child subreaper, and
///  - if the parent (the worker) dies, kills every descendant and the whole process group at once, so no
///    agent (nor a tool it started in a session of its own) outlives a `kill -9` of its worker;
///  - when the child ends, kills whatever it left running, then ends the same way (same exit code, or the
///    same signal), so that the worker's `wait4` sees the agent's status and the kernel's resource totals
///    of the agent and everything it started.
/// Never returns.
void at_supervise_main(int argc, char **argv) __attribute__((noreturn));

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

/// A pipe whose both ends are close-on-exec. Returns 0, or -1 with errno.
int at_pipe(int fds[2]);

/// Ignores SIGPIPE in this process (writes to a closed pipe return EPIPE instead of killing the worker).
void at_ignore_sigpipe(void);

/// Touches `megabytes` of fresh memory so that it is resident; returns the block (never freed) or NULL.
void *at_hold_memory(long megabytes);

/// Spins on the CPU until this process has used `seconds` of CPU time (however busy the machine is).
void at_burn_cpu(double seconds);

#endif
