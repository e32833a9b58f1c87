#ifndef SUPERVISE_TREE_H
#define SUPERVISE_TREE_H

#include <sys/types.h>

/// Everything the agent started, and how to stop it.
///
/// Everywhere: the agent leads a process group of its own, so one signal reaches it and every child that
/// stayed in its group. Linux (unless the portable backend is forced): the supervisor is also a child
/// subreaper, so a process the agent started in a session of its own (Claude Code runs tool commands under
/// setsid) becomes the supervisor's child once its parent dies; walking our own children until none is
/// left therefore reaches every descendant, however many processes the machine has. Elsewhere such a
/// process escapes (docs/architecture.md says what that means).

/// Makes this process the reaper of orphaned descendants, where the platform can. Returns 1 if it did.
int tree_become_subreaper(int linux_extras);

/// SIGKILLs the agent's group and, with the Linux extras, every descendant of this process.
void tree_kill(pid_t group, int linux_extras);

/// Kills and reaps every descendant left after the agent ended, until there is none (or `patience_ms`
/// passed). Reaped children's resource use joins this process's children totals.
void tree_clean_up(pid_t group, int linux_extras, int patience_ms);

#endif
