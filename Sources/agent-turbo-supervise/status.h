#ifndef SUPERVISE_STATUS_H
#define SUPERVISE_STATUS_H

#include <stdint.h>
#include <sys/types.h>

#include "spool.h"

/// How the attempt ended, written to `DIR/status` (or the file --status names) (through a temporary file and a rename, so a reader sees
/// all of it or none) as `key=value` lines the worker reads. Times are CLOCK_MONOTONIC nanoseconds, the
/// clock the worker stamps its stop requests with, so it can tell an agent that ended by itself from one
/// that ended because it was stopped.
typedef struct {
    pid_t agent_pid;
    int spawn_errno;           // exec failed: the agent never ran
    const char *spawn_stage;   // "cwd", "stdin" or "exec" when spawn_errno is set
    int exited;                // the agent was reaped
    int wait_status;           // its wait status
    uint64_t started_ns;
    uint64_t exit_ns;          // when its end was seen
    uint64_t stop_ns;          // first stop request (SIGTERM or SIGUSR1 from the worker), 0 if none
    int worker_died;           // the worker's lifeline closed first
    int stop_delivered;        // a stop signal was sent to the agent before it was reaped (0: it ended by itself,
                               // even if a stop request came in while its end was not yet seen)
    int drain_timed_out;       // a process outside our reach kept the output pipes open
} attempt_status_t;

/// Writes the status file at `path`. Returns 0, or -1 with errno.
int status_write(const char *path, const attempt_status_t *status, const spool_t *spool);

#endif
