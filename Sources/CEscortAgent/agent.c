#define _GNU_SOURCE
#include "CEscortAgent.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <termios.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#if defined(__x86_64__)
#define ESCORT_ARCH AUDIT_ARCH_X86_64
#define ESCORT_FOREIGN_BIT 0x40000000u   /* x32 system calls */
#elif defined(__aarch64__)
#define ESCORT_ARCH AUDIT_ARCH_AARCH64
#define ESCORT_FOREIGN_BIT 0u
#else
#error "escort-agent supports x86_64 and aarch64"
#endif

int escort_nr_execve(void) { return __NR_execve; }
int escort_nr_execveat(void) { return __NR_execveat; }

static int install_filter(void) {
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ESCORT_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#if defined(__x86_64__)
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, ESCORT_FOREIGN_BIT, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#endif
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_execve, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_execveat, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ptrace, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_process_vm_writev, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { .len = (unsigned short)(sizeof(code) / sizeof(code[0])), .filter = code };
    return (int)syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
}

static int send_fd(int sock, int fd) {
    char byte = 'L';
    struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
    memset(&u, 0, sizeof(u));
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int receive_fd(int sock) {
    char byte = 0;
    struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
    memset(&u, 0, sizeof(u));
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
    ssize_t n;
    do { n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC); } while (n < 0 && errno == EINTR);
    if (n != 1) { if (n == 0) errno = ECHILD; return -1; }
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (!c || c->cmsg_type != SCM_RIGHTS) { errno = EPROTO; return -1; }
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof(int));
    return fd;
}

static void reset_signals(void) {
    sigset_t none;
    sigemptyset(&none);
    for (int s = 1; s < 32; s++) {
        if (s == SIGKILL || s == SIGSTOP) continue;
        signal(s, SIG_DFL);
    }
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Moves `fd` to `target`, safely when they overlap other wanted descriptors (dup first high). */
static int place(int fd, int target) {
    if (fd == target) {
        int flags = fcntl(fd, F_GETFD);
        return flags < 0 ? -1 : fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
    }
    return dup2(fd, target) < 0 ? -1 : 0;
}

pid_t escort_spawn_mediated(const char *path, char *const argv[], char *const envp[], const char *cwd,
                            int tty_fd, int command_fd, int status_fd, int no_new_privs, int *listener) {
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) return -1;
    pid_t pid = fork();
    if (pid < 0) { int e = errno; close(pair[0]); close(pair[1]); errno = e; return -1; }
    if (pid == 0) {
        reset_signals();
        if (setsid() < 0) _exit(126);
        /* Everything wanted goes high first, so the dup2s below cannot clobber each other. */
        int t = fcntl(tty_fd, F_DUPFD_CLOEXEC, 100), c = fcntl(command_fd, F_DUPFD_CLOEXEC, 100);
        int s = fcntl(status_fd, F_DUPFD_CLOEXEC, 100), p = fcntl(pair[1], F_DUPFD_CLOEXEC, 100);
        if (t < 0 || c < 0 || s < 0 || p < 0) _exit(126);
        if (ioctl(t, TIOCSCTTY, 0) < 0) _exit(126);
        if (place(t, 0) || place(t, 1) || place(t, 2) || place(c, 3) || place(s, 4) || place(p, 5)) _exit(126);
        if (syscall(__NR_close_range, 6, ~0U, 0) < 0) _exit(126);
        if (fcntl(5, F_SETFD, FD_CLOEXEC) < 0) _exit(126);
        if (cwd && chdir(cwd) < 0) _exit(126);
        if (no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) _exit(126);
        int l = install_filter();
        if (l < 0) _exit(125);
        if (send_fd(5, l) < 0) _exit(126);
        close(l);
        close(5);
        execve(path, argv, envp);
        _exit(127);
    }
    close(pair[1]);
    int l = receive_fd(pair[0]);
    int e = errno;
    close(pair[0]);
    if (l < 0) {
        kill(pid, SIGKILL);
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
        errno = e;
        return -1;
    }
    *listener = l;
    return pid;
}

int escort_notice_receive(int listener, escort_exec_notice *out) {
    struct seccomp_notif req;
    memset(&req, 0, sizeof(req));
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) return -1;
    out->id = req.id;
    out->pid = (int32_t)req.pid;
    out->nr = req.data.nr;
    out->is_execveat = req.data.nr == __NR_execveat;
    for (int i = 0; i < 6; i++) out->args[i] = req.data.args[i];
    return 0;
}

int escort_notice_valid(int listener, uint64_t id) {
    return ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

int escort_notice_answer(int listener, uint64_t id, int allow, int error) {
    struct seccomp_notif_resp resp;
    memset(&resp, 0, sizeof(resp));
    resp.id = id;
    if (allow) {
        resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    } else {
        resp.error = -(error > 0 ? error : EPERM);
    }
    return ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

pid_t escort_foreground(int fd) { return tcgetpgrp(fd); }

int escort_set_window(int fd, unsigned short cols, unsigned short rows) {
    struct winsize w = { .ws_row = rows, .ws_col = cols };
    return ioctl(fd, TIOCSWINSZ, &w);
}

int escort_become_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }

pid_t escort_spawn_clean(char *const argv[], char *const envp[], int in_fd, int out_fd, int err_fd, const char *cwd, int new_session) {
    /* vfork-like safety: the child only calls async-signal-safe functions before execve. */
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        reset_signals();
        if (new_session && setsid() < 0) _exit(126);
        int i = fcntl(in_fd, F_DUPFD_CLOEXEC, 100), o = fcntl(out_fd, F_DUPFD_CLOEXEC, 100);
        int e = fcntl(err_fd >= 0 ? err_fd : 2, F_DUPFD_CLOEXEC, 100);
        if (i < 0 || o < 0 || e < 0) _exit(126);
        if (new_session && isatty(i)) ioctl(i, TIOCSCTTY, 0);
        if (place(i, 0) || place(o, 1) || place(e, 2)) _exit(126);
        if (syscall(__NR_close_range, 3, ~0U, 0) < 0) _exit(126);
        if (cwd && chdir(cwd) < 0) _exit(126);
        execve(argv[0], argv, envp);
        _exit(127);
    }
    return pid;
}

int escort_pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

#include <sys/ptrace.h>
#include <sched.h>
#include <time.h>

int escort_trace_seize(pid_t pid) {
    return ptrace(PTRACE_SEIZE, pid, 0, (void *)(long)(PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL)) == 0 ? 0 : -1;
}

static long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

int escort_trace_await_exec(pid_t pid, int grace_ms) {
    long start = now_ms();
    int interrupted = 0;
    int spins = 0;
    for (;;) {
        int st = 0;
        pid_t r = waitpid(pid, &st, __WALL | (interrupted ? 0 : WNOHANG));
        if (r < 0) { if (errno == EINTR) continue; return -1; }
        if (r == 0) {
            if (now_ms() - start >= grace_ms) {
                /* The exec failed and the program went on, or is slow: stop it wherever it is
                   next. An exec still under way reports its exec stop first. */
                if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0) return -1;
                interrupted = 1;
            } else if (spins++ < 2000) {
                sched_yield(); /* an exec usually completes within microseconds */
            } else {
                usleep(50);
            }
            continue;
        }
        if (WIFEXITED(st) || WIFSIGNALED(st)) return -1;
        if (!WIFSTOPPED(st)) continue;
        int event = st >> 16;
        if (event == PTRACE_EVENT_EXEC) return 1;
        if (event == PTRACE_EVENT_STOP) {
            if (interrupted) { ptrace(PTRACE_DETACH, pid, 0, 0); return 0; }
            ptrace(PTRACE_CONT, pid, 0, 0);
            continue;
        }
        /* A signal arrived meanwhile: deliver it. */
        ptrace(PTRACE_CONT, pid, 0, (void *)(long)WSTOPSIG(st));
    }
}

int escort_trace_release(pid_t pid) { return ptrace(PTRACE_DETACH, pid, 0, 0) == 0 ? 0 : -1; }
