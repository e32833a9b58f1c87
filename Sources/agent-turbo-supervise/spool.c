#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

int spool_open(spool_t *spool, const char *directory, uint64_t cap) {
    memset(spool, 0, sizeof(*spool));
    spool->cap = cap;
    char path[4096];
    if (snprintf(path, sizeof(path), "%s/spool", directory) >= (int)sizeof(path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    spool->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    return spool->fd < 0 ? -1 : 0;
}

static void write_record(spool_t *spool, char stream, const char *data, size_t length) {
    if (spool->error != 0 || length == 0) {
        return;
    }
    unsigned char header[8] = {
        (unsigned char)(length & 0xff), (unsigned char)((length >> 8) & 0xff),
        (unsigned char)((length >> 16) & 0xff), (unsigned char)((length >> 24) & 0xff),
        (unsigned char)stream, 0, 0, 0,
    };
    struct iovec parts[2] = {{header, sizeof(header)}, {(void *)data, length}};
    size_t total = sizeof(header) + length;
    size_t written = 0;
    // One writev almost always writes the whole record; finish a short write part by part.
    while (written < total) {
        ssize_t n = writev(spool->fd, parts, 2);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            spool->error = errno;
            return;
        }
        written += (size_t)n;
        size_t skip = (size_t)n;
        for (int i = 0; i < 2; i++) {
            size_t take = skip < parts[i].iov_len ? skip : parts[i].iov_len;
            parts[i].iov_base = (char *)parts[i].iov_base + take;
            parts[i].iov_len -= take;
            skip -= take;
        }
    }
}

/// Keeps the last `capacity` bytes of a stream.
static void ring_add(char **ring, size_t capacity, size_t *used, size_t *start, const char *data, size_t length) {
    if (*ring == NULL) {
        *ring = malloc(capacity);
        if (*ring == NULL) {
            return;
        }
    }
    if (length >= capacity) {
        memcpy(*ring, data + (length - capacity), capacity);
        *used = capacity;
        *start = 0;
        return;
    }
    size_t end = (*start + *used) % capacity;
    size_t first = length < capacity - end ? length : capacity - end;
    memcpy(*ring + end, data, first);
    memcpy(*ring, data + first, length - first);
    if (*used + length <= capacity) {
        *used += length;
    } else {
        *start = (*start + (*used + length - capacity)) % capacity;
        *used = capacity;
    }
}

static void keep_end(spool_t *spool, char stream, const char *data, size_t length) {
    if (stream == 'o') {
        ring_add(&spool->stdout_ring, spool_stdout_tail, &spool->stdout_ring_used, &spool->stdout_ring_start, data, length);
    } else {
        ring_add(&spool->stderr_ring, spool_stderr_tail, &spool->stderr_ring_used, &spool->stderr_ring_start, data, length);
    }
}

void spool_output(spool_t *spool, char stream, const char *data, size_t length) {
    if (stream == 'o') {
        spool->stdout_bytes += length;
    } else {
        spool->stderr_bytes += length;
    }
    if (spool->truncated) {
        spool->dropped += length;
        keep_end(spool, stream, data, length);
        return;
    }
    uint64_t room = spool->cap - spool->stored;
    if (length <= room) {
        write_record(spool, stream, data, length);
        spool->stored += length;
        return;
    }
    write_record(spool, stream, data, (size_t)room);
    spool->stored += room;
    spool->truncated = 1;
    char note[160];
    int n = snprintf(note, sizeof(note),
                     "\n[agent-turbo: output truncated at %llu bytes for this attempt; the rest was dropped]\n",
                     (unsigned long long)spool->cap);
    write_record(spool, 's', note, (size_t)n);
    spool->dropped += length - room;
    keep_end(spool, stream, data + room, length - (size_t)room);
}

void spool_note(spool_t *spool, char stream, const char *data, size_t length) {
    write_record(spool, stream, data, length);
}

static void write_ring(const char *directory, const char *name, const char *ring, size_t capacity, size_t used, size_t start) {
    if (ring == NULL || used == 0) {
        return;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", directory, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return;
    }
    size_t first = used < capacity - start ? used : capacity - start;
    ssize_t ignored = write(fd, ring + start, first);
    if (used > first) {
        ignored = write(fd, ring, used - first);
    }
    (void)ignored;
    close(fd);
}

void spool_write_tails(spool_t *spool, const char *directory) {
    write_ring(directory, "stdout.tail", spool->stdout_ring, spool_stdout_tail, spool->stdout_ring_used, spool->stdout_ring_start);
    write_ring(directory, "stderr.tail", spool->stderr_ring, spool_stderr_tail, spool->stderr_ring_used, spool->stderr_ring_start);
}
