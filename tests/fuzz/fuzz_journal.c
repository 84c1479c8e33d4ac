// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the runtime state file as a crash, a full disk or a
 * person may leave it. It is read back (journal_open), every request it
 * holds is kept again in a journal of its own, folding as xlbd would
 * (journal_add), and the result written and read once more: no crash, no
 * leak, and nothing the reader keeps that the writer cannot write.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ignore(void *ctx, unsigned lineno, const char *why, const char *line)
{
	(void)ctx;
	(void)lineno;
	(void)why;
	(void)line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[64], out[64], aside[80];
	struct journal *j, *k;
	unsigned i, n;
	FILE *f;

	snprintf(in, sizeof(in), "/tmp/xlb-fuzz-journal.%d", getpid());
	snprintf(out, sizeof(out), "/tmp/xlb-fuzz-journal-out.%d", getpid());
	snprintf(aside, sizeof(aside), "%s.unreadable", in);
	f = fopen(in, "w");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	unlink(out);
	if (journal_open(&j, in, ignore, NULL))
		goto done;
	if (journal_open(&k, out, ignore, NULL)) {
		journal_free(j);
		goto done;
	}
	for (i = 0; i < journal_count(j); i++) {
		json_object *o = json_tokener_parse(journal_line(j, i));

		if (o) {
			journal_add(k, o);
			json_object_put(o);
		}
	}
	n = journal_count(k);
	journal_free(k);
	journal_free(j);
	/* what was written reads back whole */
	if (journal_open(&k, out, ignore, NULL) == 0) {
		if (journal_count(k) != n)
			abort();
		journal_free(k);
	}
done:
	unlink(in);
	unlink(aside);
	unlink(out);
	return 0;
}
