// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Pure parts of --metrics and -i: the exposition's label escaping and what
 * is left out when unknown, the --metrics address forms, and the -i signs'
 * windows (one cycle in a short interval is no sign; the frequent-GC sign
 * looks back a minute). The real readers (Prometheus, the Go runtime) are
 * in tests/integration/test_metrics and test_interval.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "outputs/interval.h"
#include "outputs/metrics_server.h"

static char *exposition(const struct live_sample *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	metrics_write(f, s);
	fclose(f);
	return buf;
}

static void test_exposition(void)
{
	struct live_sample s = { .pid = 42 };
	char *text;

	strcpy(s.comm, "a\"b\\c\nd");
	s.rt.have_memstats = true;
	s.rt.numgc = 7;
	text = exposition(&s);
	if (!text) {
		CHECK(false, "exposition written", "out of memory");
		return;
	}
	CHECK( strstr(text, "gomemtrace_gc_cycles_total{pid=\"42\",comm=\"a\\\"b\\\\c\\nd\"} 7\n"),
	      "label values escape quote, backslash and newline", "%s", text);
	CHECK(!strstr(text, "gomemtrace_heap_goal_bytes{"),
	      "an unknown figure is left out, its HELP and TYPE stay", "%s", text);
	CHECK(strstr(text, "# TYPE gomemtrace_heap_goal_bytes gauge\n"),
	      "TYPE line of a figure left out", "%s", text);
	CHECK(!strstr(text, "gomemtrace_alloc_bytes_total{"),
	      "allocation bytes left out when the class sizes are unknown", "%s", text);
	free(text);
	text = exposition(NULL);
	CHECK(text && !strchr(text, '{'), "before the first sample: no sample line", "%s",
	      text ? text : "(null)");
	free(text);
}

static void test_addresses(void)
{
	static const struct {
		const char *spec;
		int family;
		const char *host;
		int port;
	} good[] = {
		{ "9464", AF_INET, "127.0.0.1", 9464 },
		{ ":9464", AF_INET, "127.0.0.1", 9464 },
		{ "0.0.0.0:80", AF_INET, "0.0.0.0", 80 },
		{ "[::1]:9464", AF_INET6, "::1", 9464 },
		{ "127.0.0.2:0", AF_INET, "127.0.0.2", 0 },
	};
	static const char *const bad[] = { "", ":", "x", "1:65536", "::1:80", "[::1]", "[::1]:",
					   "[]:80", "127.0.0.1:-1", "127.0.0.1:8a" };
	struct sockaddr_storage ss;
	socklen_t len;
	char err[256], host[64], name[96];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int ret = metrics_addr_parse(good[i].spec, &ss, &len, err, sizeof(err));
		int port = -1;

		host[0] = '\0';
		if (!ret && ss.ss_family == AF_INET) {
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		} else if (!ret && ss.ss_family == AF_INET6) {
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host,
				  sizeof(host));
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		}
		snprintf(name, sizeof(name), "--metrics '%s'", good[i].spec);
		CHECK(!ret && ss.ss_family == good[i].family && !strcmp(host, good[i].host) &&
		      port == good[i].port, name, "ret %d (%s), %s port %d", ret, err, host, port);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = metrics_addr_parse(bad[i], &ss, &len, err, sizeof(err));

		snprintf(name, sizeof(name), "--metrics '%s' refused", bad[i]);
		CHECK(ret == -EINVAL && err[0], name, "ret %d", ret);
	}
}

static struct live_sample at(double t_s, uint32_t numgc, uint64_t marked, uint64_t goal)
{
	struct live_sample s = { .mono_ns = (uint64_t)(t_s * 1e9) };

	s.rt.have_memstats = s.rt.have_gc_controller = s.rt.have_heap_goal = true;
	s.rt.numgc = numgc;
	s.rt.heap_marked = marked;
	s.rt.heap_goal = goal;
	return s;
}

static void test_signs(void)
{
	struct interval_table t;
	struct interval_row row;
	struct live_sample s = at(100, 10, 1000, 2000);
	uint32_t gc = 10;
	bool any = false;

	/* a cycle every 10 s (6 a minute), heap flat, -i 1 */
	interval_table_init(&t, &s, 1000000000ULL);
	for (int i = 1; i <= 55; i++) {
		if (i % 10 == 0)
			gc++;
		s = at(100 + i, gc, 1000, 2000);
		interval_table_next(&t, &s, &row);
		any |= row.flags & INTERVAL_FLAG_GC_FREQUENT;
	}
	CHECK(!any, "5 cycles within a minute, one per 1 s row: no sign", "flagged");
	s = at(160, ++gc, 1000, 2000);
	interval_table_next(&t, &s, &row);
	CHECK(row.flags & INTERVAL_FLAG_GC_FREQUENT, "6 cycles within a minute, heap flat: sign",
	      "flags %#x", row.flags);
	CHECK(row.gc_per_min == 12.0, "gc/min over the interval (1 cycle in 5 s)", "%g", row.gc_per_min);
	/* the same cycles, the heap lower than a minute ago */
	s = at(161, gc, 900, 2000);
	interval_table_next(&t, &s, &row);
	CHECK(!(row.flags & INTERVAL_FLAG_GC_FREQUENT), "heap fell within the minute: no sign",
	      "flags %#x", row.flags);
	interval_table_free(&t);

	/* a cycle every 2 minutes (sysmon's forced GC) */
	s = at(0, 0, 1000, 2000);
	interval_table_init(&t, &s, 1000000000ULL);
	any = false;
	for (int i = 1; i <= 600; i++) {
		s = at(i, i / 120, 1000, 2000);
		interval_table_next(&t, &s, &row);
		any |= row.flags & INTERVAL_FLAG_GC_FREQUENT;
	}
	CHECK(!any, "a cycle every 2 minutes for 10 minutes: no sign", "flagged");
	s = at(601, 1000, 1000, 1100);
	interval_table_next(&t, &s, &row);
	CHECK(row.flags == (INTERVAL_FLAG_GC_FREQUENT | INTERVAL_FLAG_NEAR_GOAL),
	      "live at 91% of the goal: near-goal sign", "flags %#x", row.flags);
	s = at(602, 1000, 1000, 1112);
	s.rt.gc_cpu_fraction = 0.31;
	interval_table_next(&t, &s, &row);
	CHECK(row.flags & INTERVAL_FLAG_GC_CPU && !(row.flags & INTERVAL_FLAG_NEAR_GOAL),
	      "GC CPU 0.31: sign; live at 89.9% of the goal: none", "flags %#x", row.flags);
	s.runtime_err = -ESRCH;
	s.mono_ns += 1000000000ULL;
	interval_table_next(&t, &s, &row);
	CHECK(!row.flags && !row.have_gc && !row.have_live, "runtime unreadable: nothing known",
	      "flags %#x", row.flags);
	interval_table_free(&t);
}

int main(void)
{
	test_exposition();
	test_addresses();
	test_signs();
	return CHECK_DONE();
}
