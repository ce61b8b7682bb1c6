// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pprof output: owns the profile.proto encoding (a hand-written protobuf
 * encoder), the deduplication of strings, functions and locations, and the
 * gzip-compressed, atomic write of the file `go tool pprof` reads.
 *
 * Strings, functions, locations and samples are encoded as they are added,
 * each into its own buffer of complete top-level Profile fields; writing only
 * adds the few header fields and concatenates. Hash tables (open addressing,
 * ids as values) find duplicates: strings by content, functions by (name,
 * file), locations by address.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#define ZLIB_CONST	/* next_in points to const bytes */
#include <zlib.h>

#include "outputs/output_set.h"
#include "outputs/pprof.h"

/* Field numbers of github.com/google/pprof proto/profile.proto. */
enum {
	PROFILE_SAMPLE_TYPE = 1,
	PROFILE_SAMPLE = 2,
	PROFILE_MAPPING = 3,
	PROFILE_LOCATION = 4,
	PROFILE_FUNCTION = 5,
	PROFILE_STRING_TABLE = 6,
	PROFILE_TIME_NANOS = 9,
	PROFILE_DURATION_NANOS = 10,
	PROFILE_PERIOD_TYPE = 11,
	PROFILE_PERIOD = 12,
	PROFILE_COMMENT = 13,
	PROFILE_DEFAULT_SAMPLE_TYPE = 14,

	VALUE_TYPE_TYPE = 1,
	VALUE_TYPE_UNIT = 2,

	SAMPLE_LOCATION_ID = 1,
	SAMPLE_VALUE = 2,
	SAMPLE_LABEL = 3,

	LABEL_KEY = 1,
	LABEL_STR = 2,
	LABEL_NUM = 3,
	LABEL_NUM_UNIT = 4,

	MAPPING_ID = 1,
	MAPPING_MEMORY_START = 2,
	MAPPING_MEMORY_LIMIT = 3,
	MAPPING_FILE_OFFSET = 4,
	MAPPING_FILENAME = 5,
	MAPPING_BUILD_ID = 6,
	MAPPING_HAS_FUNCTIONS = 7,
	MAPPING_HAS_FILENAMES = 8,
	MAPPING_HAS_LINE_NUMBERS = 9,
	MAPPING_HAS_INLINE_FRAMES = 10,

	LOCATION_ID = 1,
	LOCATION_MAPPING_ID = 2,
	LOCATION_ADDRESS = 3,
	LOCATION_LINE = 4,

	LINE_FUNCTION_ID = 1,
	LINE_LINE = 2,

	FUNCTION_ID = 1,
	FUNCTION_NAME = 2,
	FUNCTION_SYSTEM_NAME = 3,
	FUNCTION_FILENAME = 4,
};

enum { WIRE_VARINT = 0, WIRE_LEN = 2 };

/* The profile's only mapping: the traced binary. */
#define THE_MAPPING_ID 1

/* A protobuf varint takes at most 10 bytes; a field key at most 5. */
#define VARINT_MAX 10

/*
 * Growable output buffer. The first error is kept and later appends do
 * nothing, so a message is encoded without a check per field and checked
 * once, before it is committed.
 */
struct pb_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	int err;
};

/* Open-addressing hash table of ids; 0 marks an empty slot. */
struct id_table {
	uint32_t *slots;
	size_t cap;		/* a power of two */
	size_t count;
};

struct string_span {
	size_t off;		/* of the bytes, in pprof_writer.strings */
	size_t len;
};

struct function_key {
	uint32_t name;		/* string indexes */
	uint32_t file;
};

struct value_type {
	uint32_t type;		/* string indexes */
	uint32_t unit;
};

struct pprof_writer {
	/* string_table entries, encoded; index 0 is "" and never hashed */
	struct pb_buf strings;
	struct string_span *string_spans;
	size_t nstrings;
	size_t string_cap;
	struct id_table string_ids;

	struct pb_buf functions;
	struct function_key *function_keys;	/* by id - 1 */
	size_t nfunctions;
	size_t function_cap;
	struct id_table function_ids;

	struct pb_buf locations;
	uint64_t *location_addresses;		/* by id - 1 */
	size_t nlocations;
	size_t location_cap;
	struct id_table location_ids;

	struct pb_buf samples;
	size_t nsamples;

	struct value_type *sample_types;
	size_t nsample_types;
	size_t sample_type_cap;

	uint32_t *comments;
	size_t ncomments;
	size_t comment_cap;

	/* Mappings: [0] the main binary (pprof_set_mapping), then
	 * pprof_add_mapping's; mapping id = index + 1. */
	struct {
		uint64_t start, limit, offset;
		uint32_t file, build_id;
	} maps[PPROF_MAX_MAPPINGS];
	size_t nmaps;

	bool has_period_type;
	struct value_type period_type;
	int64_t period;
	int64_t time_nanos;
	int64_t duration_nanos;
	uint32_t default_sample_type;
};

/* ---- protobuf encoding ---- */

static bool pb_reserve(struct pb_buf *b, size_t more)
{
	size_t cap;
	uint8_t *data;

	if (b->err)
		return false;
	if (more <= b->cap - b->len)
		return true;
	if (more > SIZE_MAX / 2 - b->len) {
		b->err = -ENOMEM;
		return false;
	}
	cap = b->cap ? b->cap : 256;
	while (cap - b->len < more)
		cap *= 2;
	data = realloc(b->data, cap);
	if (!data) {
		b->err = -ENOMEM;
		return false;
	}
	b->data = data;
	b->cap = cap;
	return true;
}

static void pb_raw(struct pb_buf *b, const void *bytes, size_t n)
{
	if (!n || !pb_reserve(b, n))
		return;
	memcpy(b->data + b->len, bytes, n);
	b->len += n;
}

static size_t varint_put(uint8_t *out, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		out[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (uint8_t)v;
	return n;
}

static void pb_varint(struct pb_buf *b, uint64_t v)
{
	uint8_t tmp[VARINT_MAX];

	pb_raw(b, tmp, varint_put(tmp, v));
}

static void pb_key(struct pb_buf *b, uint32_t field, unsigned int wire)
{
	pb_varint(b, (uint64_t)field << 3 | wire);
}

/* Scalars are omitted when zero, as proto3 does: zero is the default. */
static void pb_uint64(struct pb_buf *b, uint32_t field, uint64_t v)
{
	if (!v)
		return;
	pb_key(b, field, WIRE_VARINT);
	pb_varint(b, v);
}

/* int64 is encoded as its two's complement uint64 (10 bytes if negative). */
static void pb_int64(struct pb_buf *b, uint32_t field, int64_t v)
{
	pb_uint64(b, field, (uint64_t)v);
}

static void pb_bytes(struct pb_buf *b, uint32_t field, const void *bytes, size_t n)
{
	pb_key(b, field, WIRE_LEN);
	pb_varint(b, n);
	pb_raw(b, bytes, n);
}

/*
 * A length-delimited field (submessage or packed repeated scalars) whose
 * length is known only at its end: pb_begin marks where its body starts,
 * pb_end slides the body up by the size of key and length and writes them in
 * front. Bodies are small (a sample, a location), so the move costs little.
 */
static size_t pb_begin(const struct pb_buf *b)
{
	return b->len;
}

static void pb_end(struct pb_buf *b, uint32_t field, size_t start)
{
	uint8_t head[2 * VARINT_MAX];
	size_t body, n;

	if (b->err)
		return;
	body = b->len - start;
	n = varint_put(head, (uint64_t)field << 3 | WIRE_LEN);
	n += varint_put(head + n, body);
	if (!pb_reserve(b, n))
		return;
	memmove(b->data + start + n, b->data + start, body);
	memcpy(b->data + start, head, n);
	b->len += n;
}

/* Drops what was appended since len, and the error it ran into. */
static void pb_truncate(struct pb_buf *b, size_t len)
{
	b->len = len;
	b->err = 0;
}

static void pb_free(struct pb_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* ---- growable arrays and hash tables ---- */

static int array_reserve(void **array, size_t *cap, size_t need, size_t elem)
{
	size_t new_cap;
	void *p;

	if (need <= *cap)
		return 0;
	new_cap = *cap ? *cap : 64;
	while (new_cap < need) {
		if (new_cap > SIZE_MAX / 2)
			return -ENOMEM;
		new_cap *= 2;
	}
	if (new_cap > SIZE_MAX / elem)
		return -ENOMEM;
	p = realloc(*array, new_cap * elem);
	if (!p)
		return -ENOMEM;
	*array = p;
	*cap = new_cap;
	return 0;
}

/* splitmix64's finalizer: every input bit moves the low bits we index by. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static uint64_t hash_bytes(const void *bytes, size_t n)
{
	const uint8_t *p = bytes;
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return mix64(h ^ n);
}

typedef uint64_t (*id_hash_fn)(const struct pprof_writer *w, uint32_t id);
typedef bool (*id_equal_fn)(const struct pprof_writer *w, uint32_t id, const void *key);

/* Slot holding the id equal to key, or the empty slot where it would go. */
static size_t id_table_find(const struct id_table *t, uint64_t hash,
			    const struct pprof_writer *w, id_equal_fn equal,
			    const void *key)
{
	size_t mask = t->cap - 1;
	size_t i;

	for (i = hash & mask; t->slots[i]; i = (i + 1) & mask)
		if (equal(w, t->slots[i], key))
			break;
	return i;
}

/* Room for one more id, at most half full so that probe runs stay short. */
static int id_table_reserve(struct id_table *t, const struct pprof_writer *w,
			    id_hash_fn hash)
{
	size_t new_cap, mask, i, j;
	uint32_t *slots;

	if (t->cap && (t->count + 1) * 2 <= t->cap)
		return 0;
	new_cap = t->cap ? t->cap * 2 : 1024;
	if (new_cap < t->cap || new_cap > SIZE_MAX / sizeof(*slots))
		return -ENOMEM;
	slots = calloc(new_cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	mask = new_cap - 1;
	for (i = 0; i < t->cap; i++) {
		if (!t->slots[i])
			continue;
		for (j = hash(w, t->slots[i]) & mask; slots[j]; j = (j + 1) & mask)
			;
		slots[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = slots;
	t->cap = new_cap;
	return 0;
}

/* Call only after id_table_reserve, with an id not in the table. */
static void id_table_insert(struct id_table *t, uint64_t hash, uint32_t id)
{
	size_t mask = t->cap - 1;
	size_t i;

	for (i = hash & mask; t->slots[i]; i = (i + 1) & mask)
		;
	t->slots[i] = id;
	t->count++;
}

/* Room for one more entry: in the id table and in the array of its keys. */
static int reserve_entry(struct id_table *t, const struct pprof_writer *w, id_hash_fn hash,
			 void **keys, size_t *cap, size_t count, size_t elem)
{
	int err;

	if (count >= UINT32_MAX)
		return -E2BIG;
	err = id_table_reserve(t, w, hash);
	if (err)
		return err;
	return array_reserve(keys, cap, count + 1, elem);
}

/* ---- strings ---- */

struct string_key {
	const char *s;
	size_t len;
};

static uint64_t string_hash(const struct pprof_writer *w, uint32_t id)
{
	const struct string_span *sp = &w->string_spans[id];

	return hash_bytes(w->strings.data + sp->off, sp->len);
}

static bool string_equal(const struct pprof_writer *w, uint32_t id, const void *key)
{
	const struct string_span *sp = &w->string_spans[id];
	const struct string_key *k = key;

	return sp->len == k->len && !memcmp(w->strings.data + sp->off, k->s, k->len);
}

/* Index of s in the string table, adding it if new. */
static int intern_string(struct pprof_writer *w, const char *s, uint32_t *index)
{
	struct string_key key = { s, strlen(s) };
	size_t mark = w->strings.len;
	uint64_t hash;
	size_t slot;
	int err;

	if (!key.len) {
		*index = 0;
		return 0;
	}
	hash = hash_bytes(s, key.len);
	slot = id_table_find(&w->string_ids, hash, w, string_equal, &key);
	if (w->string_ids.slots[slot]) {
		*index = w->string_ids.slots[slot];
		return 0;
	}
	err = reserve_entry(&w->string_ids, w, string_hash, (void **)&w->string_spans,
			    &w->string_cap, w->nstrings, sizeof(*w->string_spans));
	if (err)
		return err;
	pb_bytes(&w->strings, PROFILE_STRING_TABLE, s, key.len);
	if (w->strings.err) {
		err = w->strings.err;
		pb_truncate(&w->strings, mark);
		return err;
	}
	w->string_spans[w->nstrings].off = w->strings.len - key.len;
	w->string_spans[w->nstrings].len = key.len;
	*index = (uint32_t)w->nstrings++;
	id_table_insert(&w->string_ids, hash, *index);
	return 0;
}

/* ---- functions ---- */

static uint64_t function_key_hash(const struct function_key *k)
{
	return mix64((uint64_t)k->name << 32 | k->file);
}

static uint64_t function_hash(const struct pprof_writer *w, uint32_t id)
{
	return function_key_hash(&w->function_keys[id - 1]);
}

static bool function_equal(const struct pprof_writer *w, uint32_t id, const void *key)
{
	const struct function_key *f = &w->function_keys[id - 1];
	const struct function_key *k = key;

	return f->name == k->name && f->file == k->file;
}

/* Id of the function (name, file), adding it if new. */
static int intern_function(struct pprof_writer *w, const char *name,
			   const char *file, uint64_t *id)
{
	struct pb_buf *b = &w->functions;
	size_t mark = b->len, slot, msg;
	struct function_key key;
	uint64_t hash;
	uint32_t new_id;
	int err;

	err = intern_string(w, name, &key.name);
	if (err)
		return err;
	err = intern_string(w, file ? file : "", &key.file);
	if (err)
		return err;
	hash = function_key_hash(&key);
	slot = id_table_find(&w->function_ids, hash, w, function_equal, &key);
	if (w->function_ids.slots[slot]) {
		*id = w->function_ids.slots[slot];
		return 0;
	}
	err = reserve_entry(&w->function_ids, w, function_hash, (void **)&w->function_keys,
			    &w->function_cap, w->nfunctions, sizeof(*w->function_keys));
	if (err)
		return err;
	new_id = (uint32_t)w->nfunctions + 1;

	msg = pb_begin(b);
	pb_uint64(b, FUNCTION_ID, new_id);
	pb_uint64(b, FUNCTION_NAME, key.name);
	/* Go's own profiles repeat the name; pprof shows it when it differs. */
	pb_uint64(b, FUNCTION_SYSTEM_NAME, key.name);
	pb_uint64(b, FUNCTION_FILENAME, key.file);
	pb_end(b, PROFILE_FUNCTION, msg);
	if (b->err) {
		err = b->err;
		pb_truncate(b, mark);
		return err;
	}
	w->function_keys[new_id - 1] = key;
	w->nfunctions++;
	id_table_insert(&w->function_ids, hash, new_id);
	*id = new_id;
	return 0;
}

/* ---- locations ---- */

static uint64_t location_hash(const struct pprof_writer *w, uint32_t id)
{
	return mix64(w->location_addresses[id - 1]);
}

static bool location_equal(const struct pprof_writer *w, uint32_t id, const void *key)
{
	return w->location_addresses[id - 1] == *(const uint64_t *)key;
}

/*
 * The lines of an address already added are not compared: an address has
 * one symbolization, and the first one given wins.
 */
/* The id of the mapping an address is in: an added one's range, else the
 * main binary's. */
static uint64_t mapping_id(const struct pprof_writer *w, uint64_t address)
{
	for (size_t i = 1; i < w->nmaps; i++)
		if (address >= w->maps[i].start && address < w->maps[i].limit)
			return i + 1;
	return THE_MAPPING_ID;
}

int pprof_add_location(struct pprof_writer *w, uint64_t address,
		       const struct pprof_line *lines, int nlines, uint64_t *id)
{
	struct pb_buf *b;
	size_t mark, slot, msg, line_msg;
	uint64_t hash, function_id;
	uint32_t new_id;
	int err, i;

	if (!w || !id || nlines < 0 || (nlines && !lines))
		return -EINVAL;
	for (i = 0; i < nlines; i++)
		if (!lines[i].function)
			return -EINVAL;
	b = &w->locations;
	mark = b->len;
	hash = mix64(address);
	slot = id_table_find(&w->location_ids, hash, w, location_equal, &address);
	if (w->location_ids.slots[slot]) {
		*id = w->location_ids.slots[slot];
		return 0;
	}
	err = reserve_entry(&w->location_ids, w, location_hash, (void **)&w->location_addresses,
			    &w->location_cap, w->nlocations, sizeof(*w->location_addresses));
	if (err)
		return err;
	new_id = (uint32_t)w->nlocations + 1;

	msg = pb_begin(b);
	pb_uint64(b, LOCATION_ID, new_id);
	pb_uint64(b, LOCATION_MAPPING_ID, mapping_id(w, address));
	pb_uint64(b, LOCATION_ADDRESS, address);
	for (i = 0; i < nlines; i++) {
		err = intern_function(w, lines[i].function, lines[i].file, &function_id);
		if (err)
			goto cleanup;
		line_msg = pb_begin(b);
		pb_uint64(b, LINE_FUNCTION_ID, function_id);
		pb_int64(b, LINE_LINE, lines[i].line);
		pb_end(b, LOCATION_LINE, line_msg);
	}
	pb_end(b, PROFILE_LOCATION, msg);
	err = b->err;
	if (err)
		goto cleanup;
	w->location_addresses[new_id - 1] = address;
	w->nlocations++;
	id_table_insert(&w->location_ids, hash, new_id);
	*id = new_id;
cleanup:
	if (err)
		pb_truncate(b, mark);
	return err;
}

/* ---- samples and settings ---- */

int pprof_add_sample_labels(struct pprof_writer *w, const uint64_t *location_ids,
			    int nlocations, const int64_t *values,
			    const struct pprof_label *labels, int nlabels)
{
	struct pb_buf *b;
	uint32_t key, str, unit;
	size_t mark, msg, field, v;
	int err = 0, i;

	if (!w || nlocations < 0 || (nlocations && !location_ids) || !values ||
	    nlabels < 0 || (nlabels && !labels) || !w->nsample_types)
		return -EINVAL;
	for (i = 0; i < nlocations; i++)
		if (!location_ids[i] || location_ids[i] > w->nlocations)
			return -EINVAL;
	/* An empty str would read back as a numeric label. */
	for (i = 0; i < nlabels; i++)
		if (!labels[i].key || !labels[i].key[0] ||
		    (labels[i].str && !labels[i].str[0]))
			return -EINVAL;
	b = &w->samples;
	mark = b->len;

	msg = pb_begin(b);
	if (nlocations) {
		field = pb_begin(b);
		for (i = 0; i < nlocations; i++)
			pb_varint(b, location_ids[i]);
		pb_end(b, SAMPLE_LOCATION_ID, field);
	}
	field = pb_begin(b);
	for (v = 0; v < w->nsample_types; v++)
		pb_varint(b, (uint64_t)values[v]);
	pb_end(b, SAMPLE_VALUE, field);
	for (i = 0; i < nlabels; i++) {
		str = unit = 0;
		err = intern_string(w, labels[i].key, &key);
		if (!err && labels[i].str)
			err = intern_string(w, labels[i].str, &str);
		if (!err && !labels[i].str && labels[i].num_unit)
			err = intern_string(w, labels[i].num_unit, &unit);
		if (err)
			goto cleanup;
		field = pb_begin(b);
		pb_uint64(b, LABEL_KEY, key);
		pb_uint64(b, LABEL_STR, str);
		if (!labels[i].str)
			pb_int64(b, LABEL_NUM, labels[i].num);
		pb_uint64(b, LABEL_NUM_UNIT, unit);
		pb_end(b, SAMPLE_LABEL, field);
	}
	pb_end(b, PROFILE_SAMPLE, msg);
	err = b->err;
	if (err)
		goto cleanup;
	w->nsamples++;
cleanup:
	if (err)
		pb_truncate(b, mark);
	return err;
}

int pprof_add_sample(struct pprof_writer *w, const uint64_t *location_ids,
		     int nlocations, const int64_t *values)
{
	return pprof_add_sample_labels(w, location_ids, nlocations, values, NULL, 0);
}

/* Sample types fix the number of values; none can be added after a sample. */
int pprof_add_sample_type(struct pprof_writer *w, const char *type, const char *unit)
{
	struct value_type vt;
	int err;

	if (!w || !type || !unit || w->nsamples)
		return -EINVAL;
	err = array_reserve((void **)&w->sample_types, &w->sample_type_cap,
			    w->nsample_types + 1, sizeof(*w->sample_types));
	if (err)
		return err;
	err = intern_string(w, type, &vt.type);
	if (err)
		return err;
	err = intern_string(w, unit, &vt.unit);
	if (err)
		return err;
	w->sample_types[w->nsample_types++] = vt;
	return 0;
}

/* Mapping i: the file's and build id's strings interned, then set. */
static int fill_mapping(struct pprof_writer *w, uint32_t i, uint64_t start, uint64_t limit,
			uint64_t offset, const char *file, const char *build_id)
{
	uint32_t file_index, build_id_index;
	int err;

	err = intern_string(w, file, &file_index);
	if (!err)
		err = intern_string(w, build_id ? build_id : "", &build_id_index);
	if (err)
		return err;
	w->maps[i].start = start;
	w->maps[i].limit = limit;
	w->maps[i].offset = offset;
	w->maps[i].file = file_index;
	w->maps[i].build_id = build_id_index;
	return 0;
}

int pprof_set_mapping(struct pprof_writer *w, uint64_t start, uint64_t limit,
		      uint64_t offset, const char *file, const char *build_id)
{
	int err;

	if (!w || !file || limit < start)
		return -EINVAL;
	err = fill_mapping(w, 0, start, limit, offset, file, build_id);
	if (!err && !w->nmaps)
		w->nmaps = 1;
	return err;
}

int pprof_add_mapping(struct pprof_writer *w, uint64_t start, uint64_t limit,
		      uint64_t offset, const char *file, const char *build_id)
{
	int err;

	if (!w || !file || limit < start)
		return -EINVAL;
	if (w->nmaps >= PPROF_MAX_MAPPINGS)
		return -E2BIG;
	if (!w->nmaps)
		w->nmaps = 1;	/* [0] stays the main binary's */
	err = fill_mapping(w, w->nmaps, start, limit, offset, file, build_id);
	if (!err)
		w->nmaps++;
	return err;
}

int pprof_set_period(struct pprof_writer *w, const char *type, const char *unit,
		     int64_t period)
{
	struct value_type vt;
	int err;

	if (!w || !type || !unit)
		return -EINVAL;
	err = intern_string(w, type, &vt.type);
	if (err)
		return err;
	err = intern_string(w, unit, &vt.unit);
	if (err)
		return err;
	w->period_type = vt;
	w->has_period_type = true;
	w->period = period;
	return 0;
}

int pprof_set_time(struct pprof_writer *w, int64_t time_nanos, int64_t duration_nanos)
{
	if (!w)
		return -EINVAL;
	w->time_nanos = time_nanos;
	w->duration_nanos = duration_nanos;
	return 0;
}

int pprof_add_comment(struct pprof_writer *w, const char *comment)
{
	uint32_t index;
	int err;

	if (!w || !comment)
		return -EINVAL;
	err = array_reserve((void **)&w->comments, &w->comment_cap,
			    w->ncomments + 1, sizeof(*w->comments));
	if (err)
		return err;
	err = intern_string(w, comment, &index);
	if (err)
		return err;
	w->comments[w->ncomments++] = index;
	return 0;
}

int pprof_set_default_sample_type(struct pprof_writer *w, const char *type)
{
	if (!w || !type)
		return -EINVAL;
	return intern_string(w, type, &w->default_sample_type);
}

/* ---- writer ---- */

struct pprof_writer *pprof_writer_new(void)
{
	struct pprof_writer *w;
	int err;

	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	/* string_table[0] must be "". */
	err = array_reserve((void **)&w->string_spans, &w->string_cap, 1,
			    sizeof(*w->string_spans));
	if (err)
		goto cleanup;
	pb_bytes(&w->strings, PROFILE_STRING_TABLE, "", 0);
	err = w->strings.err;
	if (err)
		goto cleanup;
	w->string_spans[0].off = w->strings.len;
	w->string_spans[0].len = 0;
	w->nstrings = 1;
	/* Tables exist from the start: lookups need no empty-table case. */
	err = id_table_reserve(&w->string_ids, w, string_hash);
	if (!err)
		err = id_table_reserve(&w->function_ids, w, function_hash);
	if (!err)
		err = id_table_reserve(&w->location_ids, w, location_hash);
cleanup:
	if (err) {
		pprof_writer_free(w);
		return NULL;
	}
	return w;
}

void pprof_writer_free(struct pprof_writer *w)
{
	if (!w)
		return;
	pb_free(&w->strings);
	free(w->string_spans);
	free(w->string_ids.slots);
	pb_free(&w->functions);
	free(w->function_keys);
	free(w->function_ids.slots);
	pb_free(&w->locations);
	free(w->location_addresses);
	free(w->location_ids.slots);
	pb_free(&w->samples);
	free(w->sample_types);
	free(w->comments);
	free(w);
}

/* ---- encoding the whole profile ---- */

struct span {
	const uint8_t *data;
	size_t len;
};

#define PROFILE_SPANS 6

static void encode_value_type(struct pb_buf *b, uint32_t field, const struct value_type *vt)
{
	size_t msg = pb_begin(b);

	pb_uint64(b, VALUE_TYPE_TYPE, vt->type);
	pb_uint64(b, VALUE_TYPE_UNIT, vt->unit);
	pb_end(b, field, msg);
}

/*
 * The profile as spans to concatenate: the fields encoded here into head
 * and tail (which the caller frees), and the writer's own buffers between.
 */
static int encode_profile(const struct pprof_writer *w, struct pb_buf *head,
			  struct pb_buf *tail, struct span spans[PROFILE_SPANS])
{
	size_t i, msg;

	for (i = 0; i < w->nsample_types; i++)
		encode_value_type(head, PROFILE_SAMPLE_TYPE, &w->sample_types[i]);
	/* The profile carries its symbols: pprof must not symbolize again. */
	for (i = 0; i < (w->nmaps ? w->nmaps : 1); i++) {
		msg = pb_begin(head);
		pb_uint64(head, MAPPING_ID, i + 1);
		pb_uint64(head, MAPPING_MEMORY_START, w->maps[i].start);
		pb_uint64(head, MAPPING_MEMORY_LIMIT, w->maps[i].limit);
		pb_uint64(head, MAPPING_FILE_OFFSET, w->maps[i].offset);
		pb_uint64(head, MAPPING_FILENAME, w->maps[i].file);
		pb_uint64(head, MAPPING_BUILD_ID, w->maps[i].build_id);
		pb_uint64(head, MAPPING_HAS_FUNCTIONS, 1);
		pb_uint64(head, MAPPING_HAS_FILENAMES, 1);
		pb_uint64(head, MAPPING_HAS_LINE_NUMBERS, 1);
		pb_uint64(head, MAPPING_HAS_INLINE_FRAMES, 1);
		pb_end(head, PROFILE_MAPPING, msg);
	}

	pb_int64(tail, PROFILE_TIME_NANOS, w->time_nanos);
	pb_int64(tail, PROFILE_DURATION_NANOS, w->duration_nanos);
	if (w->has_period_type)
		encode_value_type(tail, PROFILE_PERIOD_TYPE, &w->period_type);
	pb_int64(tail, PROFILE_PERIOD, w->period);
	if (w->ncomments) {
		msg = pb_begin(tail);
		for (i = 0; i < w->ncomments; i++)
			pb_varint(tail, w->comments[i]);
		pb_end(tail, PROFILE_COMMENT, msg);
	}
	pb_uint64(tail, PROFILE_DEFAULT_SAMPLE_TYPE, w->default_sample_type);
	if (head->err)
		return head->err;
	if (tail->err)
		return tail->err;

	spans[0] = (struct span){ head->data, head->len };
	spans[1] = (struct span){ w->samples.data, w->samples.len };
	spans[2] = (struct span){ w->locations.data, w->locations.len };
	spans[3] = (struct span){ w->functions.data, w->functions.len };
	spans[4] = (struct span){ w->strings.data, w->strings.len };
	spans[5] = (struct span){ tail->data, tail->len };
	return 0;
}

int pprof_encode(const struct pprof_writer *w, uint8_t **data, size_t *size)
{
	struct pb_buf head = {0}, tail = {0}, out = {0};
	struct span spans[PROFILE_SPANS];
	size_t total = 0;
	int err, i;

	if (!w || !data || !size)
		return -EINVAL;
	err = encode_profile(w, &head, &tail, spans);
	if (err)
		goto cleanup;
	for (i = 0; i < PROFILE_SPANS; i++)
		total += spans[i].len;
	if (!pb_reserve(&out, total)) {
		err = out.err;
		goto cleanup;
	}
	for (i = 0; i < PROFILE_SPANS; i++)
		pb_raw(&out, spans[i].data, spans[i].len);
	*data = out.data;
	*size = out.len;
	out.data = NULL;
cleanup:
	pb_free(&out);
	pb_free(&head);
	pb_free(&tail);
	return err;
}

/* ---- gzip and the atomic write ---- */

/* zlib counts in uInt; feed it bounded pieces. */
#define DEFLATE_IN_CHUNK (1u << 20)
#define DEFLATE_OUT_CHUNK (1u << 16)

static int zlib_errno(int zerr)
{
	return zerr == Z_MEM_ERROR ? -ENOMEM : -EIO;
}

/*
 * Runs deflate over the pending input with flush, writing what it makes,
 * until the input is used up (Z_NO_FLUSH) or the stream ends (Z_FINISH).
 */
static int deflate_to_fd(z_stream *zs, int fd, int flush, uint8_t *out)
{
	int zerr, err;

	for (;;) {
		zs->next_out = out;
		zs->avail_out = DEFLATE_OUT_CHUNK;
		zerr = deflate(zs, flush);
		/* Z_BUF_ERROR only says no progress was possible: not fatal. */
		if (zerr != Z_OK && zerr != Z_STREAM_END && zerr != Z_BUF_ERROR)
			return zlib_errno(zerr);
		err = output_write_all(fd, out, DEFLATE_OUT_CHUNK - zs->avail_out);
		if (err)
			return err;
		if (flush == Z_FINISH ? zerr == Z_STREAM_END
				      : zs->avail_in == 0 && zs->avail_out != 0)
			return 0;
	}
}

static int gzip_spans(int fd, const struct span *spans, int nspans)
{
	bool stream_live = false;
	uint8_t *out;
	size_t off, n;
	z_stream zs;
	int zerr, err, i;

	out = malloc(DEFLATE_OUT_CHUNK);
	if (!out)
		return -ENOMEM;
	memset(&zs, 0, sizeof(zs));
	/*
	 * windowBits 15 + 16: a gzip wrapper, which pprof expects. Fastest
	 * level, as the Go runtime's profiles: protobuf varints compress about
	 * as well, at half the time or less.
	 */
	zerr = deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8,
			    Z_DEFAULT_STRATEGY);
	if (zerr != Z_OK) {
		err = zlib_errno(zerr);
		goto cleanup;
	}
	stream_live = true;
	for (i = 0; i < nspans; i++) {
		for (off = 0; off < spans[i].len; off += n) {
			n = spans[i].len - off;
			if (n > DEFLATE_IN_CHUNK)
				n = DEFLATE_IN_CHUNK;
			zs.next_in = spans[i].data + off;
			zs.avail_in = (uInt)n;
			err = deflate_to_fd(&zs, fd, Z_NO_FLUSH, out);
			if (err)
				goto cleanup;
		}
	}
	err = deflate_to_fd(&zs, fd, Z_FINISH, out);
cleanup:
	if (stream_live)
		deflateEnd(&zs);
	free(out);
	return err;
}

/* Encodes and gzips the profile into fd, from where it is; no sync. */
int pprof_write_fd(struct pprof_writer *w, int fd)
{
	struct pb_buf head = {0}, tail = {0};
	struct span spans[PROFILE_SPANS];
	int err;

	if (!w || fd < 0)
		return -EINVAL;
	err = encode_profile(w, &head, &tail, spans);
	if (!err)
		err = gzip_spans(fd, spans, PROFILE_SPANS);
	pb_free(&head);
	pb_free(&tail);
	return err;
}

/*
 * PATH.tmp is created afresh (a stale one from a crash is removed first),
 * never followed if it is a symbolic link, synced, then renamed over PATH:
 * readers see the old file or the whole new one. On error the temporary
 * file is removed.
 */
int pprof_write_file(struct pprof_writer *w, const char *path)
{
	bool created = false;
	char *tmp = NULL;
	int fd = -1, err;

	if (!w || !path || !path[0])
		return -EINVAL;
	if (asprintf(&tmp, "%s.tmp", path) < 0) {
		tmp = NULL;
		err = -ENOMEM;
		goto cleanup;
	}
	if (unlink(tmp) && errno != ENOENT) {
		err = -errno;
		goto cleanup;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		goto cleanup;
	}
	created = true;
	err = pprof_write_fd(w, fd);
	if (err)
		goto cleanup;
	if (fsync(fd)) {
		err = -errno;
		goto cleanup;
	}
	err = close(fd) ? -errno : 0;
	fd = -1;
	if (err)
		goto cleanup;
	if (rename(tmp, path))
		err = -errno;
cleanup:
	if (fd >= 0)
		close(fd);
	if (err && created)
		unlink(tmp);
	free(tmp);
	return err;
}
