/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --metrics: /metrics in the Prometheus text exposition format (version
 * 0.0.4) while a trace runs, served by libmicrohttpd's own polling thread.
 * That thread only copies the last live sample under a mutex and formats
 * it; the main loop stores samples (metrics_server_update). See
 * metrics_server.c.
 */
#ifndef GOMEMTRACE_METRICS_SERVER_H
#define GOMEMTRACE_METRICS_SERVER_H

#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>

#include "aggregate/live.h"

struct metrics_server;

/*
 * Parse an --metrics address: "HOST:PORT", "[IPV6]:PORT", ":PORT" or
 * "PORT" (both loopback, 127.0.0.1); HOST a numeric address or a name
 * getaddrinfo resolves; PORT decimal, 0-65535 (0: any free port). Fills
 * *addr and *len. Returns 0, or -EINVAL with a one-line reason in err.
 */
int metrics_addr_parse(const char *spec, struct sockaddr_storage *addr, socklen_t *len,
		       char *err, size_t errlen);

/*
 * Listen on addr (bound here, so a busy port is known before the trace
 * starts) and start the server thread, with the stop signals blocked in it.
 * Serves GET/HEAD /metrics (nothing but HELP and TYPE lines until the first
 * update) and / (a pointer to /metrics). Returns 0, or a negative errno
 * (-EADDRINUSE, -EACCES, ...) with a one-line reason in err.
 */
int metrics_server_start(struct metrics_server **out, const struct sockaddr_storage *addr,
			 socklen_t len, char *err, size_t errlen);

/* The address listened on, as "HOST:PORT" or "[HOST]:PORT" (port 0
 * resolved), into buf. */
void metrics_server_address(const struct metrics_server *s, char *buf, size_t len);

/* The sample /metrics shows from now on (copied). */
void metrics_server_update(struct metrics_server *s, const struct live_sample *sample);

/* Stops the thread and closes the socket; NULL-safe. */
void metrics_server_stop(struct metrics_server *s);

/*
 * The exposition of sample (NULL: HELP and TYPE lines only) into f:
 * gomemtrace_* metrics labelled pid and comm (escaped as the format says:
 * backslash, double quote, newline). Figures not known are left out.
 * Returns 0 or -EIO.
 */
int metrics_write(FILE *f, const struct live_sample *sample);

#endif
