// SPDX-License-Identifier: GPL-2.0
/*
 * The runtime change journal: see journal.h. Every change rewrites the
 * whole file (write a temporary beside it, fsync, rename): it is small, and
 * a crash leaves either the old file or the new one, never half of one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal.h"

#define JOURNAL_MAX_LINE 4096 /* a change request is a few hundred bytes */

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

int journal_open(struct journal **jp, const char *path)
{
	struct journal *j = calloc(1, sizeof(*j));
	char line[JOURNAL_MAX_LINE];
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
	while (fgets(line, sizeof(line), f)) {
		json_object *o = json_tokener_parse(line);

		/* the daemon checks each line again when it replays it */
		if (o && !push(j, o))
			continue;
		json_object_put(o);
	}
	fclose(f);
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
	char tmp[4096];
	unsigned i;
	FILE *f;
	int fd, err = 0;

	if (!j->n)
		return unlink(j->path) && errno != ENOENT ? -errno : 0;
	snprintf(tmp, sizeof(tmp), "%s.new", j->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		unlink(tmp);
		return err;
	}
	for (i = 0; i < j->n; i++)
		fprintf(f, "%s\n", journal_line(j, i));
	if (fflush(f) || fsync(fd))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, j->path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

/* Drop every line from i on about vip (and addr, when given). */
static void drop_about(struct journal *j, unsigned i, const char *vip, const char *addr)
{
	unsigned k;

	for (k = j->n; k-- > i;)
		if (same(field(j->req[k], "vip"), vip) &&
		    (!addr || same(field(j->req[k], "address"), addr)))
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
		if (!same(field(o, "address"), addr))
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

int journal_add(struct journal *j, json_object *req)
{
	json_object *copy = NULL;
	int err;

	if (json_object_deep_copy(req, &copy, NULL))
		return -ENOMEM;
	if (fold(j, copy)) {
		json_object_put(copy);
		return journal_write(j);
	}
	err = push(j, copy);
	if (err) {
		json_object_put(copy);
		return err;
	}
	return journal_write(j);
}

int journal_clear(struct journal *j)
{
	while (j->n)
		drop(j, j->n - 1);
	return journal_write(j);
}
