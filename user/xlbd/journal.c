// SPDX-License-Identifier: GPL-2.0
/*
 * The runtime change journal: see journal.h. Every change rewrites the
 * whole file in one write (file_write_whole): it is small, and a crash or a
 * full disk leaves either the old file or the new one.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "journal.h"

struct journal {
	char *path;
	json_object **req; /* parsed, in order */
	unsigned n;
};

unsigned journal_count(const struct journal *j)
{
	return j->n;
}

const char *journal_line(const struct journal *j, unsigned i)
{
	return json_object_to_json_string_ext(j->req[i], JSON_C_TO_STRING_PLAIN);
}

static const char *field(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : NULL;
}

static int same(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/*
 * One address however it is spelled: 2001:db8::10, 2001:DB8::10 and
 * 2001:db8:0::10 are one backend. (The control socket has already refused
 * what is not an address; text that is not one compares as text.)
 */
static int same_addr(const char *a, const char *b)
{
	unsigned char x[16], y[16];
	int af = a && strchr(a, ':') ? AF_INET6 : AF_INET;

	if (!a || !b)
		return 0;
	if (inet_pton(af, a, x) == 1 && inet_pton(af, b, y) == 1)
		return !memcmp(x, y, af == AF_INET6 ? 16 : 4);
	return !strcmp(a, b);
}

static int push(struct journal *j, json_object *o)
{
	json_object **n = realloc(j->req, (j->n + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	j->req = n;
	j->req[j->n++] = o;
	return 0;
}

static void drop(struct journal *j, unsigned i)
{
	json_object_put(j->req[i]);
	memmove(&j->req[i], &j->req[i + 1], (j->n - i - 1) * sizeof(j->req[0]));
	j->n--;
}

/*
 * The file as it was, kept beside it under another name before anything is
 * dropped from it: a line this xlbd cannot read may be one a person can.
 * A second name for the same file: its later rewrites (renames) leave it.
 */
static int keep_original(const char *path, char *aside, size_t aside_len)
{
	snprintf(aside, aside_len, "%s.unreadable", path);
	if (unlink(aside) && errno != ENOENT)
		return -errno;
	return link(path, aside) ? -errno : 0;
}

int journal_open(struct journal **jp, const char *path, journal_warn_fn warn, void *ctx)
{
	struct journal *j = calloc(1, sizeof(*j));
	char *line = NULL, aside[4096] = "", why[4200];
	unsigned lineno = 0;
	size_t cap = 0;
	ssize_t len;
	FILE *f;
	int err = 0;

	if (!j || !(j->path = strdup(path))) {
		free(j);
		return -ENOMEM;
	}
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT) {
			*jp = j;
			return 0;
		}
		err = -errno;
		journal_free(j);
		return err;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		enum json_tokener_error jerr;
		json_object *o;

		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		if (!len)
			continue;
		/* (the daemon checks each request again when it replays it) */
		o = json_tokener_parse_verbose(line, &jerr);
		if (o && json_object_is_type(o, json_type_object) && field(o, "cmd") && !push(j, o))
			continue;
		if (!*aside && (err = keep_original(path, aside, sizeof(aside)))) {
			json_object_put(o);
			break;
		}
		snprintf(why, sizeof(why), "%s (the file as it was is kept as %s)",
			 !o ? json_tokener_error_desc(jerr) : "not a change request", aside);
		json_object_put(o);
		if (warn)
			warn(ctx, lineno, why, line);
	}
	if (!err && ferror(f))
		err = -EIO;
	free(line);
	fclose(f);
	if (err) {
		journal_free(j);
		return err;
	}
	*jp = j;
	return 0;
}

void journal_free(struct journal *j)
{
	unsigned i;

	if (!j)
		return;
	for (i = 0; i < j->n; i++)
		json_object_put(j->req[i]);
	free(j->req);
	free(j->path);
	free(j);
}

static int journal_write(struct journal *j)
{
	char *data = NULL;
	size_t len = 0;
	unsigned i;
	FILE *m;
	int err;

	if (!j->n)
		return unlink(j->path) && errno != ENOENT ? -errno : 0;
	m = open_memstream(&data, &len);
	if (!m)
		return -errno;
	for (i = 0; i < j->n; i++)
		fprintf(m, "%s\n", journal_line(j, i));
	if (fclose(m)) {
		free(data);
		return -ENOMEM;
	}
	err = file_write_whole(j->path, data, len);
	free(data);
	return err;
}

/* Drop every line from i on about vip (and addr, when given). */
static void drop_about(struct journal *j, unsigned i, const char *vip, const char *addr)
{
	unsigned k;

	for (k = j->n; k-- > i;)
		if (same(field(j->req[k], "vip"), vip) &&
		    (!addr || same_addr(field(j->req[k], "address"), addr)))
			drop(j, k);
}

/*
 * Fold req into what is kept: a backend.set merges into the last change of
 * the same backend if that was a set too; a del of something the journal
 * itself added (with only sets since) removes every line about it, the del
 * included. 1 when req needs no line of its own.
 */
static int fold(struct journal *j, json_object *req)
{
	const char *cmd = field(req, "cmd"), *vip = field(req, "vip"),
		   *addr = field(req, "address");
	int is_set = !strcmp(cmd, "backend.set"), is_del = !strcmp(cmd, "backend.del");
	unsigned i;

	for (i = j->n; i-- > 0;) {
		json_object *o = j->req[i];
		const char *c = field(o, "cmd");

		if (!same(field(o, "vip"), vip))
			continue;
		if (!strcmp(cmd, "vip.del")) {
			if (!strcmp(c, "vip.add")) {
				drop_about(j, i, vip, NULL);
				return 1;
			}
			if (!strcmp(c, "vip.del"))
				return 0;
			continue; /* a change of one of its backends */
		}
		if (!strncmp(c, "vip.", 4))
			return 0; /* the VIP itself changed before: keep the order */
		if (!same_addr(field(o, "address"), addr))
			continue;
		/* the last change of this backend */
		if (is_set && !strcmp(c, "backend.set")) {
			json_object_object_foreach(o, k, v)
			{
				if (!json_object_object_get_ex(req, k, NULL))
					json_object_object_add(req, k, json_object_get(v));
			}
			drop(j, i);
			return 0;
		}
		if (is_del && !strcmp(c, "backend.set"))
			continue; /* look further back for its add */
		if (is_del && !strcmp(c, "backend.add")) {
			drop_about(j, i, vip, addr);
			return 1;
		}
		return 0;
	}
	return 0;
}

/* Keep req in memory (folded); the file is written by the caller. */
static int keep(struct journal *j, json_object *req)
{
	json_object *copy = NULL;
	int err;

	if (json_object_deep_copy(req, &copy, NULL))
		return -ENOMEM;
	if (fold(j, copy)) {
		json_object_put(copy);
		return 0;
	}
	err = push(j, copy);
	if (err)
		json_object_put(copy);
	return err;
}

int journal_add(struct journal *j, json_object *req)
{
	int err = keep(j, req);

	return err ? err : journal_write(j);
}

int journal_replace(struct journal *j, json_object *const *reqs, unsigned n)
{
	unsigned i;
	int err = 0;

	while (j->n)
		drop(j, j->n - 1);
	for (i = 0; i < n && !err; i++)
		err = keep(j, reqs[i]);
	return err ? err : journal_write(j);
}

int journal_clear(struct journal *j)
{
	return journal_replace(j, NULL, 0);
}
