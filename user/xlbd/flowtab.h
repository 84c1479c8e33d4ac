/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xlb_flows as xlbd sees it: the table mapped into memory, read and written
 * by the protocol the program follows (xlb_abi.h). No BPF calls here:
 * dataplane.c maps the table and hands it over.
 */
#ifndef XLB_FLOWTAB_H
#define XLB_FLOWTAB_H

#include "xlb_abi.h"

struct flowtab {
	struct xlb_flow_set *sets; /* element 0 is the head */
	__u32 nsets;		   /* sets after the head, a power of 2 */
	__u32 seed[10];
};

/* The index (1..nsets) of key k's first (0) or second (1) set. */
__u32 flowtab_set_of(const struct flowtab *t, const struct xlb_flow_key *k, int second);

/*
 * Flow of key k into *out: 0, or -ENOENT. where (if not NULL): the set
 * times XLB_FLOW_WAYS plus the line.
 */
int flowtab_get(const struct flowtab *t, const struct xlb_flow_key *k, struct xlb_flow *out,
		__u32 *where);

/*
 * Record flow f for key k, as the program would. only_new: leave a flow
 * already recorded for k as it is. 0, or -EEXIST (only_new and there is one).
 */
int flowtab_put(const struct flowtab *t, const struct xlb_flow_key *k, const struct xlb_flow *f,
		int only_new);

/*
 * Before xlbd writes an adopted table: give back the sets a killed xlbd
 * held (as its writing[] says), freeing a line it left half-written. How
 * many were given back.
 */
int flowtab_recover(const struct flowtab *t);

/* Forget key k: 0, or -ENOENT. */
int flowtab_del(const struct flowtab *t, const struct xlb_flow_key *k);

/*
 * The used lines of set idx, each copied as it stood while nobody wrote it,
 * into keys and flows (XLB_FLOW_WAYS each): how many.
 */
int flowtab_read_set(const struct flowtab *t, __u32 idx, struct xlb_flow_key *keys,
		     struct xlb_flow *flows);

/*
 * Clear the touched marks of set idx: a line whose mark is clear at the
 * next full set has had no packet since, and is the first given up.
 */
void flowtab_age_set(const struct flowtab *t, __u32 idx);

#endif /* XLB_FLOWTAB_H */
