#ifndef SUPERVISE_SPOOL_H
#define SUPERVISE_SPOOL_H

#include <stddef.h>
#include <stdint.h>

/// The attempt's output as it comes, in order, appended to `DIR/spool` as records: a 4-byte little-endian
/// length, a 1-byte stream ('o' stdout, 'e' stderr, 's' a note from agent-turbo, 'p' the agent's pid as
/// text), 3 bytes of padding, then the data. The worker reads it as it grows and ships it to the database;
/// a reader that meets a record not yet whole waits for the rest.
///
/// Stored output is capped: past `cap` bytes one note says so, the rest is counted and dropped, and only the
/// ends of stdout and stderr are kept (in `DIR/stdout.tail` and `DIR/stderr.tail`, written at the end), since
/// an agent's result is at the end of its output.
typedef struct {
    int fd;
    int error;            // errno of the first failed write, 0 if none
    uint64_t cap;
    uint64_t stored;      // bytes of stdout and stderr written to the spool
    uint64_t dropped;     // bytes past the cap
    uint64_t stdout_bytes;
    uint64_t stderr_bytes;
    int truncated;
    // Ends of each stream after the cap was reached (ring buffers, allocated then).
    char *stdout_ring;
    size_t stdout_ring_used;
    size_t stdout_ring_start;
    char *stderr_ring;
    size_t stderr_ring_used;
    size_t stderr_ring_start;
} spool_t;

enum { spool_stdout_tail = 2 << 20, spool_stderr_tail = 64 << 10 };

/// Opens `DIR/spool` for appending. Returns 0, or -1 with errno.
int spool_open(spool_t *spool, const char *directory, uint64_t cap);

/// Appends a piece of the agent's output ('o' or 'e'), within the cap.
void spool_output(spool_t *spool, char stream, const char *data, size_t length);

/// Appends a record that is not the agent's output (a note, the pid); never counted against the cap.
void spool_note(spool_t *spool, char stream, const char *data, size_t length);

/// Writes the kept ends of stdout and stderr, if the cap was reached.
void spool_write_tails(spool_t *spool, const char *directory);

#endif
