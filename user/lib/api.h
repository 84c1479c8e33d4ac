/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control protocol shared by xlbd and xlbctl: one JSON object a line
 * each way over a Unix stream socket. A request names its command in "cmd"
 * and carries its arguments as fields; a reply is {"ok": true, ...} or
 * {"error": {"code": ..., "message": ...}}. docs/api.md is the reference.
 */
#ifndef XLB_API_H
#define XLB_API_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "config.h"

#define API_MAX_REQUEST 65536 /* bytes in one request line */
#define API_FLOWS_MAX	10000 /* flows in one reply to flows: ~10 us each on xlbd's loop */

enum api_cmd {
	API_STATUS,
	API_VIP_LIST,
	API_VIP_SHOW,
	API_VIP_ADD,
	API_VIP_DEL,
	API_BACKEND_LIST,
	API_BACKEND_ADD,
	API_BACKEND_DEL,
	API_BACKEND_SET,
	API_STATS,
	API_HEALTH,
	API_RELOAD,
	API_DETACH,
	API_STATS_ZERO,
	API_EXPLAIN,
	API_MONITOR,
	API_HOST_DRAIN,
	API_HOST_UNDRAIN,
	API_FLOWS,
	API_NCMDS
};

/* Does c only read (status, lists, stats, explain, flows)? The read-only socket takes these. */
int api_cmd_reads_only(enum api_cmd c);

struct api_req {
	enum api_cmd cmd;
	const char *vip;      /* a VIP's name */
	struct xlb_addr addr; /* "address": of the VIP (vip.add) or a backend */
	int has_addr;
	int64_t port;	/* -1: not given */
	int proto;	/* enum cfg_proto, -1 */
	int sched;	/* XLB_SCHED_*, -1 */
	int fwd;	/* XLB_FWD_*, -1 */
	int64_t weight; /* -1 */
	int state;	/* enum cfg_state, -1 */
	uint8_t mac[6];
	int has_mac;
	int dry_run;		/* reload, backend del/set: say what would change, change nothing */
	int rate;		/* stats: add rates over the last interval */
	struct xlb_addr client; /* explain: the client's address; flows: a filter */
	int has_client;
	int64_t client_port;	 /* explain: -1 when not given */
	int64_t events_per_s;	 /* monitor: -1 when not given */
	struct xlb_addr backend; /* flows: only those on this backend */
	int has_backend;
	int64_t limit;	  /* flows: at most this many; -1 when not given */
	json_object *obj; /* owns the strings above */
};

/*
 * Parse and check one request. 0, or -EINVAL with code and msg filled
 * ("bad_request", "unknown_command", ...); msg names the field at fault.
 */
int api_parse_request(const char *buf, size_t len, struct api_req *r, const char **code, char *msg,
		      size_t msglen);
void api_req_free(struct api_req *r);

const char *api_cmd_name(enum api_cmd c);

json_object *api_ok(void);
/* A measured value (a duration, say), rounded to decimals places. */
json_object *api_number(double v, int decimals);
json_object *api_error(const char *code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Error codes */
#define API_E_BAD_REQUEST "bad_request"
#define API_E_UNKNOWN_CMD "unknown_command"
#define API_E_TOO_LARGE	  "too_large"
#define API_E_NOT_FOUND	  "not_found"
#define API_E_EXISTS	  "exists"
#define API_E_INVALID	  "invalid"
#define API_E_CONFIG	  "config"
#define API_E_INTERNAL	  "internal"
#define API_E_READ_ONLY	  "read_only"
#define API_E_LIMIT	  "limit"

#endif /* XLB_API_H */
