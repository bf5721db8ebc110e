#ifndef ESCORT_AGENT_C_H
#define ESCORT_AGENT_C_H
// The kernel interfaces escort-agent needs that Swift cannot reach directly: seccomp user
// notification (<linux/seccomp.h>), a BPF filter (<linux/filter.h>), and a fork + exec whose child
// does only async-signal-safe work. Linux only; every function returns -1 with errno on failure.
#include <stdint.h>
#include <sys/types.h>

/// One exec the kernel stopped: the notification id and the system call's arguments.
typedef struct escort_exec_notice {
    uint64_t id;
    int32_t pid;
    int32_t nr;          // the system call number (execve or execveat)
    int32_t is_execveat;
    uint64_t args[6];
} escort_exec_notice;

/// Starts `path` with `argv`/`envp` in a new session whose controlling terminal is `tty_fd`
/// (dup'ed to 0, 1 and 2), with `command_fd` as fd 3 and `status_fd` as fd 4, every other
/// descriptor closed, in `cwd` (NULL: unchanged), and under a seccomp filter that stops every
/// execve/execveat for the supervisor (the returned listener), refuses ptrace and
/// process_vm_writev, and kills a process calling through a foreign system-call ABI.
/// `no_new_privs`: set PR_SET_NO_NEW_PRIVS first (required unless the caller has CAP_SYS_ADMIN).
/// Returns the child's pid; `*listener` receives the notification descriptor (close-on-exec).
pid_t escort_spawn_mediated(const char *path, char *const argv[], char *const envp[], const char *cwd,
                            int tty_fd, int command_fd, int status_fd, int no_new_privs, int *listener);

/// Waits (blocking) for the next stopped exec. 0 on success.
int escort_notice_receive(int listener, escort_exec_notice *out);
/// Whether notice `id` is still pending (its process has not died or been interrupted).
int escort_notice_valid(int listener, uint64_t id);
/// Lets the exec proceed (`allow` != 0) or fails it with `error` (an errno value).
int escort_notice_answer(int listener, uint64_t id, int allow, int error);

/// The system-call numbers of this architecture.
int escort_nr_execve(void);
int escort_nr_execveat(void);

/// The foreground process group of the terminal `fd` (tcgetpgrp), -1 on error.
pid_t escort_foreground(int fd);
/// Sets the window size of the terminal `fd`.
int escort_set_window(int fd, unsigned short cols, unsigned short rows);
/// Becomes a child subreaper, so orphans of the session stay ours.
int escort_become_subreaper(void);
/// Starts `argv[0]` (a path) with `envp`, fds 0 and 1 = `io_fd`, 2 = `err_fd` (or 2 if -1),
/// every other descriptor closed. The gateway's way to start a local escort-agent or shell.
pid_t escort_spawn_clean(char *const argv[], char *const envp[], int in_fd, int out_fd, int err_fd, const char *cwd, int new_session);
/// Attaches to `pid` (which waits in a stopped exec) to see the exec complete
/// (PTRACE_SEIZE with TRACEEXEC and EXITKILL).
int escort_trace_seize(pid_t pid);
/// After the exec was let go: 1 when `pid` is stopped at its exec, before the new program's first
/// instruction; 0 when no exec happened within `grace_ms` (it failed; the process is detached);
/// -1 when the process is gone.
int escort_trace_await_exec(pid_t pid, int grace_ms);
/// Lets a process stopped at its exec run on, untraced.
int escort_trace_release(pid_t pid);
/// pipe2(fds, O_CLOEXEC).
int escort_pipe(int fds[2]);
#endif
