/* CallReady's single-file launcher (Linux): a folder build packed behind this program, unpacked once into a per-user
 * cache keyed by the build and started from there on every later start (issue 19). tools/onefile/pack.py writes the
 * file; docs/architecture.md ("The single file") describes the format and the cache.
 *
 *   [this ELF][xz streams of records][stream index][contents table (JSON, for bench/bench_frozen.py)][trailer]
 *   record:  u8 kind ('d' folder, 'f' file, 'x' executable file, 'l' symlink), u16 path length, u64 data length,
 *            path (relative, no "..") then data (file bytes or link target)
 *   index:   per stream u64 offset (from the payload's start), u64 size; stream 0 holds the folders
 *   trailer: "CRPACK02", u64 payload offset, u64 payload size, u64 index offset, u64 stream count,
 *            u64 table offset, u64 table size, char build[32]      (integers little-endian; 88 bytes)
 * Streams after the first are unpacked in parallel (one thread per core, at most 4).
 *
 * Cache: $CALLREADY_CACHE_DIR, else $XDG_CACHE_HOME/callready, else ~/.cache/callready; folder <build> (version and
 * payload hash). A start finds <build>/.complete, takes a shared lock on it (held through exec by the program) and
 * execs <build>/callready: no unpacking. A new build unpacks into .tmp-<build>-<pid>, renames it into place, then
 * removes other builds nobody holds a lock on. No usable cache: unpack into a private temporary folder, run, delete
 * (what PyInstaller's own single file does on every start). Integrity: xz's CRC64 on every stream. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lzma.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TRAILER_SIZE 88
#define MAX_STREAMS 4096
#define MAX_THREADS 4
#define PROGRAM "callready"
#define EXIT_LAUNCHER 70 /* EX_SOFTWARE: the launcher itself failed; the message says why */

struct trailer {
    uint64_t payload_at, payload_size, index_at, count;
    char build[33];
};

static void die(const char *what, const char *detail) {
    if (detail) fprintf(stderr, "callready: cannot start: %s (%s)\n", what, detail);
    else fprintf(stderr, "callready: cannot start: %s\n", what);
    exit(EXIT_LAUNCHER);
}

static uint64_t le64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static int read_trailer(int fd, struct trailer *t) {
    struct stat st;
    unsigned char buf[TRAILER_SIZE];
    if (fstat(fd, &st) != 0 || st.st_size < TRAILER_SIZE) return -1;
    if (pread(fd, buf, TRAILER_SIZE, st.st_size - TRAILER_SIZE) != TRAILER_SIZE) return -1;
    if (memcmp(buf, "CRPACK02", 8) != 0) return -1;
    t->payload_at = le64(buf + 8);
    t->payload_size = le64(buf + 16);
    t->index_at = le64(buf + 24);
    t->count = le64(buf + 32);
    memcpy(t->build, buf + 56, 32);
    t->build[32] = 0;
    if (!t->build[0] || t->payload_at + t->payload_size > (uint64_t)st.st_size) return -1;
    if (t->count == 0 || t->count > MAX_STREAMS || t->index_at + 16 * t->count > (uint64_t)st.st_size) return -1;
    for (const char *c = t->build; *c; c++)
        if (!(('a' <= *c && *c <= 'z') || ('A' <= *c && *c <= 'Z') || ('0' <= *c && *c <= '9') || strchr("._-", *c)))
            return -1;
    return 0;
}

/* ---------------------------------------------------------------- unpacking */

struct source {
    int fd;
    uint64_t at, left;
    int ended;
    lzma_stream xz;
    unsigned char in[1 << 16];
};

/* Exactly n bytes of the decompressed payload into out; 0 on success, 1 at a clean end, -1 on error. */
static int pull(struct source *s, unsigned char *out, size_t n) {
    if (s->ended) return 1;
    s->xz.next_out = out;
    s->xz.avail_out = n;
    while (s->xz.avail_out > 0) {
        lzma_action action = LZMA_RUN;
        if (s->xz.avail_in == 0 && s->left > 0) {
            size_t want = s->left < sizeof s->in ? (size_t)s->left : sizeof s->in;
            ssize_t got = pread(s->fd, s->in, want, (off_t)s->at);
            if (got <= 0) return -1;
            s->at += (uint64_t)got;
            s->left -= (uint64_t)got;
            s->xz.next_in = s->in;
            s->xz.avail_in = (size_t)got;
        }
        if (s->xz.avail_in == 0 && s->left == 0) action = LZMA_FINISH;
        lzma_ret ret = lzma_code(&s->xz, action);
        if (ret == LZMA_STREAM_END) { /* possibly with the last bytes asked for */
            s->ended = 1;
            return s->xz.avail_out == 0 ? 0 : s->xz.avail_out == n ? 1 : -1;
        }
        if (ret != LZMA_OK) return -1;
    }
    return 0;
}

static int safe_path(const char *p) {
    if (!*p || *p == '/') return 0;
    for (const char *seg = p; seg; seg = strchr(seg, '/') ? strchr(seg, '/') + 1 : NULL)
        if (!strncmp(seg, "..", 2) && (seg[2] == '/' || seg[2] == 0)) return 0;
    return 1;
}

static int write_all(int fd, const unsigned char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Unpack one xz stream (at, size: in the file) into the folder `dest`; 0 or -1 with a reason in *why. */
static int unpack_stream(int fd, uint64_t at, uint64_t size, int dest, const char **why) {
    struct source *sp = calloc(1, sizeof *sp);
    unsigned char *data = malloc(1 << 16);
    if (!sp || !data) return free(sp), free(data), *why = "out of memory", -1;
    struct source init = {.fd = fd, .at = at, .left = size, .xz = LZMA_STREAM_INIT};
    *sp = init;
    if (lzma_stream_decoder(&sp->xz, UINT64_MAX, 0) != LZMA_OK) return free(sp), free(data), *why = "xz decoder", -1;
    int rc = -1;
    for (;;) {
        unsigned char head[11];
        char path[PATH_MAX];
        int got = pull(sp, head, sizeof head);
        if (got == 1) {
            rc = 0;
            break;
        }
        if (got < 0) {
            *why = "damaged archive (download the program again)";
            break;
        }
        unsigned len = head[1] | (unsigned)head[2] << 8;
        uint64_t length = le64(head + 3);
        if (len == 0 || len >= sizeof path || pull(sp, (unsigned char *)path, len) != 0) {
            *why = "damaged archive";
            break;
        }
        path[len] = 0;
        if (!safe_path(path)) {
            *why = "unsafe name in archive";
            break;
        }
        if (head[0] == 'd') {
            if (length != 0 || (mkdirat(dest, path, 0700) != 0 && errno != EEXIST)) break;
            continue;
        }
        if (head[0] == 'l') {
            char target[PATH_MAX];
            if (length == 0 || length >= sizeof target || pull(sp, (unsigned char *)target, (size_t)length) != 0) break;
            target[length] = 0;
            if (symlinkat(target, dest, path) != 0) break;
            continue;
        }
        if (head[0] != 'f' && head[0] != 'x') {
            *why = "damaged archive";
            break;
        }
        int out = openat(dest, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, head[0] == 'x' ? 0700 : 0600);
        if (out < 0) break;
        int ok = 1;
        while (length > 0 && ok) {
            size_t n = length < (1 << 16) ? (size_t)length : (1 << 16);
            ok = pull(sp, data, n) == 0 && write_all(out, data, n) == 0;
            length -= n;
        }
        if (close(out) != 0 || !ok) {
            *why = ok ? "disk full?" : "damaged archive or disk full";
            break;
        }
    }
    lzma_end(&sp->xz);
    free(sp);
    free(data);
    if (rc != 0 && !*why) *why = strerror(errno);
    return rc;
}

struct job {
    int fd, dest;
    uint64_t payload_at, count;
    const unsigned char *index;
    uint64_t next; /* the next stream to take (atomic) */
    int failed;
    const char *why;
};

static void *worker(void *arg) {
    struct job *j = arg;
    for (;;) {
        uint64_t i = __atomic_fetch_add(&j->next, 1, __ATOMIC_SEQ_CST);
        if (i >= j->count || __atomic_load_n(&j->failed, __ATOMIC_SEQ_CST)) return NULL;
        const char *why = NULL;
        uint64_t at = j->payload_at + le64(j->index + 16 * i), size = le64(j->index + 16 * i + 8);
        if (unpack_stream(j->fd, at, size, j->dest, &why) != 0 && !__atomic_exchange_n(&j->failed, 1, __ATOMIC_SEQ_CST))
            j->why = why;
    }
}

/* Unpack the payload into the folder `dest` (which exists): the folders first, then the other streams in parallel. */
static int unpack(int fd, const struct trailer *t, int dest, const char **why) {
    size_t bytes = (size_t)(16 * t->count);
    unsigned char *index = malloc(bytes);
    if (!index || pread(fd, index, bytes, (off_t)t->index_at) != (ssize_t)bytes) return free(index), -1;
    for (uint64_t i = 0; i < t->count; i++)
        if (le64(index + 16 * i) + le64(index + 16 * i + 8) > t->payload_size) return free(index), *why = "damaged archive", -1;
    struct job j = {.fd = fd, .dest = dest, .payload_at = t->payload_at, .count = t->count, .index = index, .next = 1};
    if (unpack_stream(fd, t->payload_at + le64(index), le64(index + 8), dest, why) != 0) return free(index), -1;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = cores < 1 ? 1 : cores > MAX_THREADS ? MAX_THREADS : (int)cores, started = 0;
    pthread_t ids[MAX_THREADS];
    for (int i = 1; i < threads; i++)
        if (pthread_create(&ids[started], NULL, worker, &j) == 0) started++;
    worker(&j);
    for (int i = 0; i < started; i++) pthread_join(ids[i], NULL);
    free(index);
    if (j.failed) *why = j.why ? j.why : "cannot write the files";
    return j.failed ? -1 : 0;
}

/* ---------------------------------------------------------------- cache folders */

static int remove_tree_at(int parent, const char *name) {
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        DIR *d = fdopendir(fd);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            if (unlinkat(fd, e->d_name, 0) != 0) remove_tree_at(fd, e->d_name);
        }
        if (d) closedir(d);
        else close(fd);
    }
    return unlinkat(parent, name, AT_REMOVEDIR);
}

static int mkdirs(char *path, mode_t mode) {
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(path, mode) != 0 && errno != EEXIST) return *p = '/', -1;
        *p = '/';
    }
    return mkdir(path, mode) != 0 && errno != EEXIST ? -1 : 0;
}

static int cache_root(char *out, size_t size) {
    const char *own = getenv("CALLREADY_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    if (own && *own == '/') n = snprintf(out, size, "%s", own);
    else if (xdg && *xdg == '/') n = snprintf(out, size, "%s/callready", xdg);
    else {
        if (!home || *home != '/') {
            struct passwd *pw = getpwuid(getuid());
            home = pw && pw->pw_dir && *pw->pw_dir == '/' ? pw->pw_dir : NULL;
        }
        if (!home) return -1;
        n = snprintf(out, size, "%s/.cache/callready", home);
    }
    if (n <= 0 || (size_t)n >= size || mkdirs(out, 0700) != 0) return -1;
    struct stat st;  /* a cache folder someone else owns (or others can write to) is not used */
    if (stat(out, &st) != 0 || st.st_uid != getuid() || (st.st_mode & 022)) return -1;
    return 0;
}

/* A shared lock on <dir>/.complete, held through exec so that no other start removes this build while it runs. */
static int lock_build(int root, const char *build) {
    char name[128];
    snprintf(name, sizeof name, "%s/.complete", build);
    int fd = openat(root, name, O_RDONLY); /* no O_CLOEXEC: the lock goes with the program */
    struct stat st;
    if (fd < 0) return -1;
    if (flock(fd, LOCK_SH) != 0 || fstat(fd, &st) != 0 || st.st_nlink == 0) return close(fd), -1;
    return fd;
}

/* Other builds nobody runs (no lock on their .complete), and unpacking folders whose process is gone. */
static void remove_old_builds(int root, const char *keep) {
    DIR *d = fdopendir(dup(root));
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' && strncmp(e->d_name, ".tmp-", 5) != 0) continue;
        if (!strcmp(e->d_name, keep)) continue;
        if (!strncmp(e->d_name, ".tmp-", 5)) {
            const char *dash = strrchr(e->d_name, '-');
            long pid = dash ? strtol(dash + 1, NULL, 10) : 0;
            if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM)) continue;
            remove_tree_at(root, e->d_name);
            continue;
        }
        char name[NAME_MAX + 16];
        snprintf(name, sizeof name, "%s/.complete", e->d_name);
        int fd = openat(root, name, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue; /* not one of ours */
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            char gone[NAME_MAX + 16];
            snprintf(gone, sizeof gone, ".tmp-old-%s-0", e->d_name);
            if (renameat(root, e->d_name, root, gone) == 0) remove_tree_at(root, gone);
        }
        close(fd);
    }
    if (d) closedir(d);
}

/* ---------------------------------------------------------------- main */

static pid_t child;
static void forward(int sig) {
    if (child > 0) kill(child, sig);
}

/* Returns only when exec failed (errno says why: a home folder mounted noexec, for one). */
static void run_from(const char *folder, char **argv) {
    char exe[PATH_MAX];
    snprintf(exe, sizeof exe, "%s/%s", folder, PROGRAM);
    execv(exe, argv);
}

int main(int argc, char **argv) {
    (void)argc;
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) die("cannot find my own file", strerror(errno));
    self[n] = 0;
    int fd = open(self, O_RDONLY | O_CLOEXEC);
    struct trailer t;
    if (fd < 0 || read_trailer(fd, &t) != 0) die("this copy is damaged (download the program again)", NULL);
    setenv("CALLREADY_PROGRAM", self, 1); /* app/presets.py looks for callready.toml beside this file */

    char root[PATH_MAX], folder[PATH_MAX + 64];
    const char *why = NULL;
    if (cache_root(root, sizeof root) == 0) {
        int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        snprintf(folder, sizeof folder, "%s/%s", root, t.build);
        if (rootfd >= 0 && lock_build(rootfd, t.build) >= 0) {
            run_from(folder, argv); /* the usual start */
            goto temporary;         /* the cache cannot run programs */
        }
        if (rootfd >= 0) {
            char tmp[128], marker[160];
            snprintf(tmp, sizeof tmp, ".tmp-%s-%ld", t.build, (long)getpid());
            remove_tree_at(rootfd, tmp);
            int ok = mkdirat(rootfd, tmp, 0700) == 0;
            int dest = ok ? openat(rootfd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
            if (dest >= 0 && unpack(fd, &t, dest, &why) == 0) {
                snprintf(marker, sizeof marker, "%s/.complete", tmp);
                int m = openat(rootfd, marker, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
                int written = m >= 0 && write_all(m, (const unsigned char *)t.build, strlen(t.build)) == 0;
                if (m >= 0 && close(m) == 0 && written && renameat(rootfd, tmp, rootfd, t.build) != 0)
                    remove_tree_at(rootfd, tmp); /* another start won the race: use its copy */
                remove_old_builds(rootfd, t.build);
                if (lock_build(rootfd, t.build) >= 0) {
                    run_from(folder, argv);
                    goto temporary;
                }
            }
            if (dest >= 0) close(dest);
            remove_tree_at(rootfd, tmp); /* a full disk: the temporary folder may have room; damage shows there too */
        }
    }
temporary:
    /* No usable cache (read-only or noexec home, full disk, ...): a private temporary folder, deleted afterwards. */
    ;
    const char *tmpdir = getenv("TMPDIR");
    snprintf(folder, sizeof folder, "%s/callready-XXXXXX", tmpdir && *tmpdir == '/' ? tmpdir : "/tmp");
    if (!mkdtemp(folder)) die("no folder to unpack into", strerror(errno));
    int dest = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    why = NULL;
    if (dest < 0 || unpack(fd, &t, dest, &why) != 0) {
        remove_tree_at(AT_FDCWD, folder);
        die("cannot unpack", why ? why : strerror(errno));
    }
    signal(SIGINT, forward);
    signal(SIGTERM, forward);
    signal(SIGHUP, forward);
    child = fork();
    if (child == 0) {
        run_from(folder, argv);
        fprintf(stderr, "callready: cannot start: cannot run the unpacked program (%s)\n", strerror(errno));
        _exit(EXIT_LAUNCHER);
    }
    int status = 0;
    while (child > 0 && waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    remove_tree_at(AT_FDCWD, folder);
    if (child < 0) die("cannot start the program", strerror(errno));
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
