// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * report.json stays valid JSON in valid UTF-8 whatever bytes a name holds:
 * the exe path and the function and file names come from the target, and a
 * hostile binary can put anything there. Checked twice: by a strict UTF-8
 * decoder written here from RFC 3629 (not the one under test), and by
 * python3's json module reading the file as strict UTF-8.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "outputs/report.h"

/* Strict UTF-8: decodes every sequence to its code point and rejects
 * overlong forms, surrogates, code points past U+10FFFF and truncation. */
static bool strict_utf8(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = p[i];
		unsigned int cp, min;
		size_t len;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			len = 2, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (i + len > n)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

static char *json_of(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	report_json_string(f, s);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void test_strings(void)
{
	static const struct {
		const char *name, *in, *want;
	} cases[] = {
		{ "ascii", "main.main", "\"main.main\"" },
		{ "escapes", "a\"b\\c\n\x01\x1f", "\"a\\\"b\\\\c\\u000a\\u0001\\u001f\"" },
		{ "valid multibyte kept", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf",
		  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"" },
		{ "0xff", "a\xff" "b", "\"a\\ufffdb\"" },
		{ "0xfe 0xf5", "\xfe\xf5", "\"\\ufffd\\ufffd\"" },
		{ "lone continuation", "\x80\xbf", "\"\\ufffd\\ufffd\"" },
		{ "overlong 2-byte '/'", "\xc0\xaf", "\"\\ufffd\\ufffd\"" },
		{ "overlong 2-byte NUL", "\xc1\x80", "\"\\ufffd\\ufffd\"" },
		{ "overlong 3-byte", "\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"" },
		{ "overlong 4-byte", "\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
		{ "surrogate high", "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },
		{ "surrogate low", "\xed\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\"" },
		{ "past U+10FFFF", "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
		{ "truncated 3-byte at end", "x\xe2\x82", "\"x\\ufffd\"" },
		{ "truncated 4-byte before ascii", "\xf0\x9f\x98" "y", "\"\\ufffdy\"" },
		{ "truncated then valid", "\xe2\x82\xc3\xa9", "\"\\ufffd\xc3\xa9\"" },
		{ "null string", NULL, "\"\"" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[96], *got = json_of(cases[i].in);

		snprintf(name, sizeof(name), "json string: %s", cases[i].name);
		CHECK(got && !strcmp(got, cases[i].want) &&
		      strict_utf8((const unsigned char *)got, strlen(got)),
		      name, "got %s, want %s", got ? got : "(null)", cases[i].want);
		free(got);
	}
}

/* Every byte from 1 to 255, alone and after each lead byte: whatever the
 * input, the output is strict UTF-8. */
static void test_all_bytes(void)
{
	unsigned char in[4];
	bool ok = true;
	char *got;

	for (int a = 1; a < 256 && ok; a++) {
		for (int b = 1; b < 256 && ok; b++) {
			for (int c = 0; c < 256 && ok; c += 0x1f) {
				in[0] = a, in[1] = b, in[2] = c, in[3] = 0;
				got = json_of((const char *)in);
				ok = got && strict_utf8((const unsigned char *)got, strlen(got));
				free(got);
			}
		}
	}
	CHECK(ok, "json string: any bytes give strict UTF-8", "input %02x %02x %02x",
	      in[0], in[1], in[2]);
}

/* A whole report with hostile names, read back by python3's json module. */
static void test_report(void)
{
	char path[] = "/tmp/gomemtrace-test-json.XXXXXX";
	struct site sites[] = {
		{ "main.\xff\xfe", "/src/\xed\xa0\x80.go", 7, 3, 48, 0 },
		{ "main.\xc0\xafok", "/src/\xe2\x82", 9, 1, 16, 0 },
	};
	struct aggregate agg;
	struct report r = {
		.pid = 42,
		.exe = "/tmp/work\xff" "load\xc3",
		.go_version = "go1.27\x80",
		.mode = "exact",
		.agg = &agg,
		.alloc_sites = { sites, 2 },
		.growth_sites = { sites, 1 },
	};
	char cmd[512], *buf = NULL;
	size_t len = 0;
	FILE *f;
	int fd, err, rc;

	aggregate_init(&agg, 127);
	/* An exec'd target: the file name is the target's bytes. */
	r.end.target.how = TARGET_EXECED;
	r.end.target.ts = 5;
	snprintf(r.end.target.exec_filename, sizeof(r.end.target.exec_filename),
		 "/bin/\xff\"x");
	fd = mkstemp(path);
	if (fd < 0) {
		CHECK(0, "json report: temporary file", "%s", strerror(errno));
		return;
	}
	err = report_write_json(&r, fd);
	close(fd);
	CHECK(!err, "json report: written", "err %d", err);

	f = fopen(path, "r");
	if (f) {
		char chunk[4096];
		size_t n;
		FILE *m = open_memstream(&buf, &len);

		while (m && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			fwrite(chunk, 1, n, m);
		if (m)
			fclose(m);
		fclose(f);
	}
	CHECK(buf && strict_utf8((const unsigned char *)buf, len),
	      "json report: hostile names give strict UTF-8", "%zu bytes", len);

	/* Python's json.load over a file opened with errors="strict": any
	 * ill-formed byte or invalid JSON fails it. */
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import json, sys\n"
		 "d = json.load(open(sys.argv[1], encoding=\"utf-8\", errors=\"strict\"))\n"
		 "assert d[\"target\"][\"exe\"] == \"/tmp/work\\ufffdload\\ufffd\", d[\"target\"]\n"
		 "assert d[\"alloc\"][\"sites\"][0][\"function\"] == \"main.\\ufffd\\ufffd\"\n"
		 "assert d[\"alloc\"][\"sites\"][1][\"file\"] == \"/src/\\ufffd\"\n"
		 "e = d[\"end\"]\n"
		 "assert e[\"how\"] == \"exec\" and e[\"t_ns\"] == 5, e\n"
		 "assert e[\"exec_filename\"] == \"/bin/\\ufffd\\\"x\", e\n"
		 "' %s", path);
	rc = system(cmd);
	CHECK(rc == 0, "json report: python3 json.load (strict UTF-8) reads it",
	      "python3 exit status %d", rc);
	unlink(path);
	free(buf);
	aggregate_free(&agg);
}

/* A write that fails says why: the errno, not a generic EIO. */
static void test_write_error(void)
{
	struct aggregate agg;
	struct report r = { .exe = "x", .mode = "exact", .agg = &agg };
	int fd = open("/dev/full", O_WRONLY | O_CLOEXEC), err;

	aggregate_init(&agg, 127);
	if (fd < 0) {
		CHECK(0, "json report: /dev/full", "%s", strerror(errno));
		return;
	}
	err = report_write_json(&r, fd);
	close(fd);
	CHECK(err == -ENOSPC, "json report: a full disk is -ENOSPC", "err %d (%s)", err,
	      strerror(-err));
	aggregate_free(&agg);
}

int main(void)
{
	test_strings();
	test_all_bytes();
	test_report();
	test_write_error();
	return CHECK_DONE();
}
