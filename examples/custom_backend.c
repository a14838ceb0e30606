/* custom_backend.c - a backend of your own: each event as one JSON datagram on a UNIX socket.
 *
 * A backend is a gtbt_backend with a send() function (and destroy() when it owns memory). The
 * collector calls send() with a batch of events when it flushes, never from two threads at once,
 * with a deadline (monotonic ms, as gtbt_now_ms) that send() must respect. send() returns 0 when
 * the batch was accepted, GTBT_E_HTTP_REJECT to drop it for good, and anything else to have the
 * collector keep the events on disk and retry them in a later run (at-least-once delivery).
 *
 * This one sends every event as its own datagram, the JSON that gtbt_events_json makes of that
 * single event (an array of one object, the HTTP backend's format), to the AF_UNIX SOCK_DGRAM
 * socket named by $CUSTOM_BACKEND_SOCKET, e.g. a local log agent. A missing socket or a full queue
 * past the deadline is GTBT_E_NETWORK / GTBT_E_TIMEOUT, so the collector keeps the events; when a
 * batch fails half-way, its first events are sent again later (de-duplicate on "uuid").
 *
 *   cc -std=c99 -Wall -Wextra -Wpedantic -Werror -I. examples/custom_backend.c -o custom_backend \
 *      -lbearssl -lpthread
 *   socat -u UNIX-RECV:/tmp/events.sock - &        # or any datagram receiver
 *   TELEMETRY_ENABLED=1 CUSTOM_BACKEND_SOCKET=/tmp/events.sock ./custom_backend
 */
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define DGRAM_DEFAULT_BUDGET_MS 2000   /* when send() is given no deadline */

typedef struct dgram_backend {
    gtbt_backend base;                 /* first member: the collector only sees this */
    struct sockaddr_un addr;
    char info[160];
} dgram_backend;

/* One datagram, waiting (until the deadline) while the receiver's queue is full. */
static int dgram_send_one(int fd, const char *json, size_t len, int64_t deadline_ms) {
    for (;;) {
        struct pollfd pfd;
        int64_t left;
        ssize_t w = send(fd, json, len, 0);
        if (w == (ssize_t)len) return GTBT_OK;
        if (w >= 0) return GTBT_E_NETWORK;              /* datagrams are all or nothing */
        if (errno == EINTR) continue;
        if (errno == EMSGSIZE) return GTBT_OK;          /* can never fit: dropped, not retried forever */
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS) return GTBT_E_NETWORK;
        if ((left = deadline_ms - gtbt_now_ms()) <= 0) return GTBT_E_TIMEOUT;
        pfd.fd = fd;
        pfd.events = POLLOUT;
        pfd.revents = 0;
        if (poll(&pfd, 1, left > 1000 ? 1000 : (int)left) < 0 && errno != EINTR) return GTBT_E_NETWORK;
    }
}

static int dgram_send(gtbt_backend *self, const gtbt_event *events, size_t n, int64_t deadline_ms) {
    dgram_backend *d = (dgram_backend *)self;
    size_t i;
    int fd, rc = GTBT_OK;
    if (!deadline_ms) deadline_ms = gtbt_now_ms() + DGRAM_DEFAULT_BUDGET_MS;
    if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) < 0) return GTBT_E_NETWORK;
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0 ||
        connect(fd, (const struct sockaddr *)&d->addr, sizeof d->addr) != 0) {   /* no receiver: retry later */
        close(fd);
        return GTBT_E_NETWORK;
    }
    for (i = 0; i < n && rc == GTBT_OK; i++) {
        size_t len;
        char *json = gtbt_events_json(&events[i], 1, &len);   /* "[{...}]" */
        if (!json) { rc = GTBT_E_NOMEM; break; }
        rc = dgram_send_one(fd, json, len, deadline_ms);
        gtbt_free(json);
    }
    close(fd);
    return rc;
}

static void dgram_destroy(gtbt_backend *self) { free(self); }

/* NULL when path is missing or too long for a socket address. */
static gtbt_backend *dgram_backend_new(const char *path) {
    dgram_backend *d;
    if (!path || !path[0] || strlen(path) >= sizeof d->addr.sun_path) return NULL;
    if (!(d = calloc(1, sizeof *d))) return NULL;
    d->addr.sun_family = AF_UNIX;
    memcpy(d->addr.sun_path, path, strlen(path) + 1);
    snprintf(d->info, sizeof d->info, "unix datagram (%s)", path);
    d->base.send = dgram_send;
    d->base.destroy = dgram_destroy;
    d->base.info = d->info;            /* what "telemetry status" shows */
    return &d->base;
}

int main(int argc, char **argv) {
    gtbt_desc desc = {0};
    gtbt_collector *telemetry;
    int64_t start = gtbt_now_ms();
    int rc;

    desc.tool_name = "custom_backend";
    desc.version = "1.0.0";
    desc.backend = dgram_backend_new(getenv("CUSTOM_BACKEND_SOCKET"));   /* NULL: events go nowhere */
    telemetry = gtbt_new(&desc);       /* takes the backend over, also when telemetry is off */

    if (argc > 1 && !strcmp(argv[1], "telemetry")) {
        rc = gtbt_cli(telemetry, argc - 2, (const char *const *)(argv + 2), stdout);
        gtbt_close(telemetry);
        return rc;
    }
    puts("working...");
    gtbt_track_command(telemetry, "work", gtbt_now_ms() - start, 0, NULL, 0);
    gtbt_track(telemetry, GTBT_EVENT_FEATURE_USED, "datagrams", NULL, 0);
    rc = gtbt_close(telemetry);
    if (rc != GTBT_OK) fprintf(stderr, "custom_backend: not delivered (kept for the next run): %s\n", gtbt_strerror(rc));
    return rc == GTBT_OK ? 0 : 1;
}
