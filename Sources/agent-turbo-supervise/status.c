#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int status_write(const char *final, const attempt_status_t *status, const spool_t *spool) {
    char temporary[4096];
    snprintf(temporary, sizeof(temporary), "%s.tmp", final);
    FILE *file = fopen(temporary, "w");
    if (file == NULL) {
        return -1;
    }
    // The children totals: the agent and everything this process reaped, and what they waited for.
    struct rusage usage;
    getrusage(RUSAGE_CHILDREN, &usage);
    long long peak_kib = (long long)usage.ru_maxrss;
#ifdef __APPLE__
    peak_kib /= 1024;  // bytes on macOS, KiB on Linux
#endif
    fprintf(file, "version=1\n");
    fprintf(file, "agent_pid=%d\n", (int)status->agent_pid);
    if (status->spawn_errno != 0) {
        fprintf(file, "spawn_errno=%d\nspawn_stage=%s\n", status->spawn_errno, status->spawn_stage);
    }
    if (status->exited) {
        if (WIFSIGNALED(status->wait_status)) {
            fprintf(file, "signal=%d\n", WTERMSIG(status->wait_status));
        } else {
            fprintf(file, "exit_code=%d\n", WIFEXITED(status->wait_status) ? WEXITSTATUS(status->wait_status) : 1);
        }
    }
    fprintf(file, "started_ns=%llu\nexit_ns=%llu\nstop_ns=%llu\n", (unsigned long long)status->started_ns,
            (unsigned long long)status->exit_ns, (unsigned long long)status->stop_ns);
    fprintf(file, "worker_died=%d\ndrain_timed_out=%d\nstop_delivered=%d\n", status->worker_died, status->drain_timed_out,
            status->stop_delivered);
    fprintf(file, "user_usec=%lld\nsystem_usec=%lld\npeak_rss_kib=%lld\n",
            (long long)usage.ru_utime.tv_sec * 1000000 + usage.ru_utime.tv_usec,
            (long long)usage.ru_stime.tv_sec * 1000000 + usage.ru_stime.tv_usec, peak_kib);
    fprintf(file, "stdout_bytes=%llu\nstderr_bytes=%llu\nstored_bytes=%llu\ndropped_bytes=%llu\ntruncated=%d\n",
            (unsigned long long)spool->stdout_bytes, (unsigned long long)spool->stderr_bytes,
            (unsigned long long)spool->stored, (unsigned long long)spool->dropped, spool->truncated);
    if (spool->error != 0) {
        fprintf(file, "spool_errno=%d\n", spool->error);
    }
    if (fclose(file) != 0) {
        return -1;
    }
    return rename(temporary, final);
}
