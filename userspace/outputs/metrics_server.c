// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --metrics: the Prometheus endpoint. libmicrohttpd (Debian's
 * libmicrohttpd-dev) does HTTP/1.1 in its own polling thread: parsing,
 * keep-alive, timeouts and connection limits are its job, not ours. Our
 * part: the listening socket (bound before the trace, so that a busy port is
 * bad input), the handler, which copies the last sample under a mutex and
 * formats it outside the lock, and the exposition text.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "outputs/metrics_server.h"

#define CONNECTION_LIMIT 32
#define CONNECTION_TIMEOUT_S 10

struct metrics_server {
	struct MHD_Daemon *daemon;
	int fd;				/* ours until the daemon owns it */
	struct sockaddr_storage addr;	/* as bound */
	pthread_mutex_t lock;
	bool have_sample;		/* under lock */
	struct live_sample sample;	/* under lock */
};

static int parse_port(const char *s, char *err, size_t errlen, const char *spec)
{
	long v = 0;

	if (!*s) {
		snprintf(err, errlen, "invalid --metrics address '%s': no port", spec);
		return -EINVAL;
	}
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || (v = v * 10 + (*p - '0')) > 65535) {
			snprintf(err, errlen, "invalid --metrics address '%s': port must be "
				 "0-65535", spec);
			return -EINVAL;
		}
	}
	return (int)v;
}

int metrics_addr_parse(const char *spec, struct sockaddr_storage *addr, socklen_t *len,
		       char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG };
	struct addrinfo *res = NULL;
	char host[256], port[8];
	const char *colon, *port_s;
	size_t hlen;
	int p, ret;

	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (!close || close[1] != ':') {
			snprintf(err, errlen, "invalid --metrics address '%s': expected "
				 "[IPV6]:PORT", spec);
			return -EINVAL;
		}
		hlen = close - spec - 1;
		if (hlen == 0 || hlen >= sizeof(host)) {
			snprintf(err, errlen, "invalid --metrics address '%s'", spec);
			return -EINVAL;
		}
		memcpy(host, spec + 1, hlen);
		host[hlen] = '\0';
		port_s = close + 2;
		hints.ai_flags |= AI_NUMERICHOST;
		hints.ai_family = AF_INET6;
	} else if ((colon = strrchr(spec, ':'))) {
		hlen = colon - spec;
		if (memchr(spec, ':', hlen)) {
			snprintf(err, errlen, "invalid --metrics address '%s': an IPv6 "
				 "address goes in brackets: [::1]:9464", spec);
			return -EINVAL;
		}
		if (hlen >= sizeof(host)) {
			snprintf(err, errlen, "invalid --metrics address '%s'", spec);
			return -EINVAL;
		}
		memcpy(host, spec, hlen);
		host[hlen] = '\0';
		port_s = colon + 1;
	} else {
		host[0] = '\0';
		port_s = spec;
	}
	/* No host: loopback, never every interface unless asked. */
	if (!host[0])
		snprintf(host, sizeof(host), "127.0.0.1");
	p = parse_port(port_s, err, errlen, spec);
	if (p < 0)
		return p;
	snprintf(port, sizeof(port), "%d", p);
	if (hints.ai_family != AF_INET6)
		hints.ai_family = AF_UNSPEC;
	/* AI_ADDRCONFIG would refuse ::1 on a host with only loopback IPv6. */
	hints.ai_flags &= ~AI_ADDRCONFIG;
	ret = getaddrinfo(host, port, &hints, &res);
	if (ret || !res) {
		snprintf(err, errlen, "invalid --metrics address '%s': %s", spec,
			 ret ? gai_strerror(ret) : "no address");
		if (res)
			freeaddrinfo(res);
		return -EINVAL;
	}
	memset(addr, 0, sizeof(*addr));
	memcpy(addr, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static void format_addr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(a->sin6_port));
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(a->sin_port));
	}
}

void metrics_server_address(const struct metrics_server *s, char *buf, size_t len)
{
	format_addr(&s->addr, buf, len);
}

/* Label value escaping of the text format: \ " and newline. */
static void write_label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\')
			fputs("\\\\", f);
		else if (*v == '"')
			fputs("\\\"", f);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void write_labels(FILE *f, const struct live_sample *s, const char *extra,
			 const char *extra_value)
{
	fprintf(f, "{pid=\"%d\",comm=\"", (int)s->pid);
	write_label_value(f, s->comm);
	fputc('"', f);
	if (extra) {
		fprintf(f, ",%s=\"", extra);
		write_label_value(f, extra_value);
		fputc('"', f);
	}
	fputc('}', f);
}

static void header(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample_u64(FILE *f, const char *name, const struct live_sample *s, bool have,
		       uint64_t v)
{
	if (!s || !have)
		return;
	fputs(name, f);
	write_labels(f, s, NULL, NULL);
	fprintf(f, " %llu\n", (unsigned long long)v);
}

int metrics_write(FILE *f, const struct live_sample *s)
{
	static const struct {
		const char *name;
		enum probe_counter counter;
	} probes[] = {
		{ "alloc", COUNTER_ALLOC_HITS },
		{ "gc", COUNTER_GC_HITS },
		{ "morestack", COUNTER_MORESTACK_HITS },
		{ "copystack", COUNTER_COPYSTACK_HITS },
		{ "refill", COUNTER_REFILL_HITS },
		{ "large", COUNTER_LARGE_HITS },
		{ "restart", COUNTER_RESTARTS },
		{ "paused", COUNTER_PAUSED_HITS },
	};
	const struct runtime_state *rt = s ? &s->rt : NULL;
	bool ms = rt && rt->have_memstats;

	header(f, "gomemtrace_alloc_bytes_total", "counter",
	       "Bytes allocated on the heap since the program started (the runtime's "
	       "MemStats.TotalAlloc, read from its memory).");
	sample_u64(f, "gomemtrace_alloc_bytes_total", s, ms && rt->allocs.have_bytes,
		   ms ? rt->allocs.total_alloc : 0);
	header(f, "gomemtrace_alloc_objects_total", "counter",
	       "Heap objects allocated since the program started (MemStats.Mallocs).");
	sample_u64(f, "gomemtrace_alloc_objects_total", s, ms, ms ? rt->allocs.mallocs : 0);
	header(f, "gomemtrace_gc_cycles_total", "counter",
	       "GC cycles completed since the program started (MemStats.NumGC).");
	sample_u64(f, "gomemtrace_gc_cycles_total", s, ms, ms ? rt->numgc : 0);
	header(f, "gomemtrace_heap_live_bytes", "gauge",
	       "Heap bytes marked live by the last GC cycle (gcController.heapMarked, "
	       "runtime/metrics /gc/heap/live:bytes).");
	sample_u64(f, "gomemtrace_heap_live_bytes", s, rt && rt->have_gc_controller,
		   rt ? rt->heap_marked : 0);
	header(f, "gomemtrace_heap_goal_bytes", "gauge",
	       "Heap size at which the next GC cycle should end (MemStats.NextGC).");
	sample_u64(f, "gomemtrace_heap_goal_bytes", s, rt && rt->have_heap_goal,
		   rt ? rt->heap_goal : 0);
	header(f, "gomemtrace_gc_cpu_fraction", "gauge",
	       "Fraction of the program's available CPU time used by the GC since it "
	       "started (MemStats.GCCPUFraction).");
	if (ms) {
		fputs("gomemtrace_gc_cpu_fraction", f);
		write_labels(f, s, NULL, NULL);
		fprintf(f, " %.17g\n", rt->gc_cpu_fraction);
	}
	header(f, "gomemtrace_stack_growth_total", "counter",
	       "Goroutine stack growths (copies to a larger stack) seen by the tracer.");
	sample_u64(f, "gomemtrace_stack_growth_total", s, true, s ? s->stack_growths : 0);
	header(f, "gomemtrace_stack_growth_bytes_total", "counter",
	       "Bytes added to goroutine stacks by those growths (new size - old size).");
	sample_u64(f, "gomemtrace_stack_growth_bytes_total", s, true,
		   s ? s->stack_growth_bytes : 0);
	header(f, "gomemtrace_lost_events_total", "counter",
	       "Events the tracer lost (ring buffer or maps full, malformed, out of "
	       "memory).");
	sample_u64(f, "gomemtrace_lost_events_total", s, true, s ? s->lost_events : 0);
	header(f, "gomemtrace_probe_hits_total", "counter",
	       "Uprobe hits in the target, by probe (restart: hits skipped because "
	       "the function grows its stack and runs again; paused: hits of probes "
	       "the overhead budget took off, until the detach took effect).");
	for (size_t i = 0; s && s->have_counters && i < sizeof(probes) / sizeof(probes[0]); i++) {
		fputs("gomemtrace_probe_hits_total", f);
		write_labels(f, s, "probe", probes[i].name);
		fprintf(f, " %llu\n", (unsigned long long)s->counters[probes[i].counter]);
	}
	return ferror(f) ? -EIO : 0;
}

static enum MHD_Result respond(struct MHD_Connection *c, unsigned int status,
			       const char *type, char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result respond_text(struct MHD_Connection *c, unsigned int status,
				    const char *text)
{
	char *body = strdup(text);

	return body ? respond(c, status, "text/plain; charset=utf-8", body, strlen(body))
		    : MHD_NO;
}

/* libmicrohttpd's thread: copy the sample under the lock, format outside. */
static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version,
			      const char *upload_data, size_t *upload_data_size, void **req)
{
	static int seen;
	struct metrics_server *s = cls;
	struct live_sample sample;
	bool have;
	char *body = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	(void)version;
	(void)upload_data;
	/* First call: headers only; answer once the request is complete. */
	if (!*req) {
		*req = &seen;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;	/* a body we ignore */
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return respond_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET or HEAD only\n");
	if (!strcmp(url, "/"))
		return respond_text(c, MHD_HTTP_OK, "gomemtrace: metrics at /metrics\n");
	if (strcmp(url, "/metrics"))
		return respond_text(c, MHD_HTTP_NOT_FOUND, "not found; metrics at /metrics\n");

	pthread_mutex_lock(&s->lock);
	have = s->have_sample;
	if (have)
		sample = s->sample;
	pthread_mutex_unlock(&s->lock);

	f = open_memstream(&body, &len);
	if (!f)
		return MHD_NO;
	ret = metrics_write(f, have ? &sample : NULL);
	if (fclose(f) || ret) {
		free(body);
		return MHD_NO;
	}
	return respond(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body, len);
}

int metrics_server_start(struct metrics_server **out, const struct sockaddr_storage *addr,
			 socklen_t len, char *err, size_t errlen)
{
	static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE };
	struct metrics_server *s;
	sigset_t block, old;
	socklen_t alen = sizeof(s->addr);
	char shown[INET6_ADDRSTRLEN + 16];
	int one = 1, ret;

	*out = NULL;
	format_addr(addr, shown, sizeof(shown));
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&s->lock, NULL);
	s->fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0 ||
	    setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s->fd, (const struct sockaddr *)addr, len) || listen(s->fd, 64) ||
	    getsockname(s->fd, (struct sockaddr *)&s->addr, &alen)) {
		ret = -errno;
		snprintf(err, errlen, "cannot listen on %s (--metrics): %s", shown, strerror(-ret));
		goto fail;
	}
	/* The server thread inherits this mask: stop signals reach the main
	 * loop, never it. */
	sigemptyset(&block);
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		sigaddset(&block, stop_signals[i]);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	s->daemon = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD |
				     (addr->ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				     0, NULL, NULL, handle, s,
				     MHD_OPTION_LISTEN_SOCKET, s->fd,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONNECTION_LIMIT,
				     MHD_OPTION_CONNECTION_TIMEOUT,
				     (unsigned int)CONNECTION_TIMEOUT_S,
				     MHD_OPTION_END);
	ret = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!s->daemon) {
		ret = ret ? -ret : -EIO;
		snprintf(err, errlen, "cannot start the metrics server on %s: %s", shown,
			 strerror(-ret));
		goto fail;
	}
	s->fd = -1;	/* the daemon closes it */
	*out = s;
	return 0;
fail:
	if (s->fd >= 0)
		close(s->fd);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return ret;
}

void metrics_server_update(struct metrics_server *s, const struct live_sample *sample)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->sample = *sample;
	s->have_sample = true;
	pthread_mutex_unlock(&s->lock);
}

void metrics_server_stop(struct metrics_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->daemon);
	if (s->fd >= 0)
		close(s->fd);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
