/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The runtime changes made with xlbctl since the config file was last
 * applied, kept in a file so that they outlive xlbd (HAProxy's
 * server-state-file is the model): a crash, a kill -9 or an upgrade must not
 * turn a maintenance drain back into traffic. The file lives beside the
 * instance lock under /run, so it lasts exactly as long as the pinned maps
 * do; a reload, which makes the file's word the running state, empties it.
 *
 * It holds the change requests themselves, one JSON object a line, as the
 * control socket took them; a start replays them after the config. Repeated
 * changes of one backend are folded into one line, and a VIP or backend added
 * and then removed leaves none, so the file stays as small as what it keeps.
 */
#ifndef XLB_JOURNAL_H
#define XLB_JOURNAL_H

#include <json-c/json.h>

struct journal;

/* Told of each line that is not a change request (1-based line number). */
typedef void (*journal_warn_fn)(void *ctx, unsigned lineno, const char *why, const char *line);

/*
 * Open path (absent: empty); the lines it holds are read. A line that is not
 * a change request is left out and told to warn, and the file as it was is
 * first kept beside it as PATH.unreadable. 0 or -errno.
 */
int journal_open(struct journal **jp, const char *path, journal_warn_fn warn, void *ctx);
void journal_free(struct journal *j);

unsigned journal_count(const struct journal *j);
/* Line i, a request as the control socket takes it. */
const char *journal_line(const struct journal *j, unsigned i);

/* Keep a change request (vip.add, vip.del, backend.*) that succeeded. */
int journal_add(struct journal *j, json_object *req);
/* Keep exactly these requests (folded), in one write of the file. */
int journal_replace(struct journal *j, json_object *const *reqs, unsigned n);
/* Forget every change: the config file is the running state again. */
int journal_clear(struct journal *j);

#endif /* XLB_JOURNAL_H */
