#include "agent_support.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

void *at_hold_memory(long megabytes) {
    if (megabytes <= 0) {
        return NULL;
    }
    size_t size = (size_t)megabytes * 1024 * 1024;
    char *block = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (block == MAP_FAILED) {
        return NULL;
    }
    long page = sysconf(_SC_PAGESIZE);
    for (size_t offset = 0; offset < size; offset += (size_t)page) {
        block[offset] = (char)(offset & 0x7f) | 1;
    }
    return block;
}

static double cpu_seconds(void) {
    struct timespec time;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time);
    return (double)time.tv_sec + (double)time.tv_nsec / 1e9;
}

void at_burn_cpu(double seconds) {
    double end = cpu_seconds() + seconds;
    volatile unsigned long counter = 0;
    while (cpu_seconds() < end) {
        for (int i = 0; i < 100000; i++) {
            counter += (unsigned long)i;
        }
    }
}
