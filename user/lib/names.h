/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One word for each value of every enum an operator sees: the config file's
 * parser, the control API, xlbctl's columns, log lines and metric labels all
 * read these tables, so a word is written once and a label set is bounded.
 * The tables are libcyaml's string-value pairs, which the parser takes as is.
 */
#ifndef XLB_NAMES_H
#define XLB_NAMES_H

#include <cyaml/cyaml.h>

/* The configuration's enums (config.h's model holds them). */
enum cfg_xdp_mode { CFG_XDP_AUTO, CFG_XDP_NATIVE, CFG_XDP_GENERIC };
enum cfg_forwarding { CFG_FWD_DEFAULT, CFG_FWD_DSR, CFG_FWD_IPIP, CFG_FWD_GUE };
enum cfg_proto { CFG_PROTO_TCP, CFG_PROTO_UDP };
enum cfg_state { CFG_STATE_UP, CFG_STATE_DRAIN, CFG_STATE_DOWN };
enum cfg_check_type {
	CFG_CHECK_UNSET,
	CFG_CHECK_TCP,
	CFG_CHECK_HTTP,
	CFG_CHECK_HTTPS,
	CFG_CHECK_UDP,
	CFG_CHECK_EXEC
};
enum cfg_initial { CFG_INITIAL_UNSET, CFG_INITIAL_DOWN, CFG_INITIAL_UP };
enum cfg_all_down { CFG_ALL_DOWN_KEEP, CFG_ALL_DOWN_DROP };

/*
 * The words, as lists X(word, value): names.c makes its tables of them, and
 * config.c its parser's (libcyaml wants arrays it can size at compile time).
 */
/* clang-format off */
#define NAMES_SCHED(X) \
	X("maglev", XLB_SCHED_MAGLEV) X("source-ip", XLB_SCHED_SOURCE_IP) \
	X("wrr", XLB_SCHED_WRR) X("random", XLB_SCHED_RANDOM)
/* the config's forwarding is XLB_FWD_* + 1 (0: the instance's), so off is 0 or 1 */
#define NAMES_FWD(X, off) \
	X("dsr", XLB_FWD_DSR + (off)) X("ipip", XLB_FWD_IPIP + (off)) X("gue", XLB_FWD_GUE + (off))
#define NAMES_PROTO(X) X("tcp", CFG_PROTO_TCP) X("udp", CFG_PROTO_UDP)
#define NAMES_STATE(X) X("up", CFG_STATE_UP) X("drain", CFG_STATE_DRAIN) X("down", CFG_STATE_DOWN)
#define NAMES_CHECK_TYPE(X) \
	X("tcp", CFG_CHECK_TCP) X("http", CFG_CHECK_HTTP) X("https", CFG_CHECK_HTTPS) \
	X("udp", CFG_CHECK_UDP) X("exec", CFG_CHECK_EXEC)
#define NAMES_XDP_MODE(X) \
	X("auto", CFG_XDP_AUTO) X("native", CFG_XDP_NATIVE) X("generic", CFG_XDP_GENERIC)
#define NAMES_INITIAL(X) X("down", CFG_INITIAL_DOWN) X("up", CFG_INITIAL_UP)
#define NAMES_ALL_DOWN(X) X("keep", CFG_ALL_DOWN_KEEP) X("drop", CFG_ALL_DOWN_DROP)
#define NAMES_STRVAL(w, v) { (w), (v) },
/* clang-format on */

/*
 * Two of the daemon's enums whose words the API and the metrics speak, here
 * so that what the daemon, the CLI and the tools share depends on nothing
 * of the daemon's.
 */

/* A backend's health as its checks say (lb.c): without checks, always up. */
enum lb_health { LB_HEALTH_UNKNOWN, LB_HEALTH_UP, LB_HEALTH_DOWN };

/*
 * Why a check ended, as relayd names its results: a bounded set, so metric
 * labels and counters stay few; the words are names_check_reason's. The
 * detail that goes with it (the status, the errno's text) is free text, for
 * logs and xlbctl only.
 */
enum check_reason {
	CHECK_OK,
	CHECK_REFUSED,
	CHECK_RESET,
	CHECK_TIMEOUT,
	CHECK_UNREACHABLE,	/* host or network unreachable */
	CHECK_PORT_UNREACHABLE, /* UDP: ICMP port unreachable */
	CHECK_SOCKET_ERROR,	/* any other socket error */
	CHECK_HTTP_STATUS,	/* a status outside expect_status */
	CHECK_BODY_MISMATCH,
	CHECK_BAD_RESPONSE, /* not HTTP, or cut short */
	CHECK_TLS_ERROR,
	CHECK_REPLY_MISMATCH, /* UDP: the reply lacks expect */
	CHECK_EXIT_STATUS,    /* exec: a non-zero exit */
	CHECK_KILLED,	      /* exec: ended by a signal */
	CHECK_CANNOT_START,
	CHECK_NREASONS
};

struct names {
	const char *what; /* the field, as errors name it: "scheduler" */
	const cyaml_strval_t *v;
	unsigned n;
};

/* XLB_SCHED_*, XLB_FWD_* (xlb_abi.h) */
extern const struct names names_sched, names_fwd;
/* config.h: enum cfg_forwarding (dsr, ipip, gue: XLB_FWD_* + 1), cfg_proto, cfg_state, ... */
extern const struct names names_cfg_fwd, names_proto, names_state, names_check_type, names_xdp_mode,
	names_initial, names_all_down;
/* lb.h: enum lb_health; XLB_BE_* (what the data plane does with a backend) */
extern const struct names names_health, names_be_state;
/* check.h: enum check_reason */
extern const struct names names_check_reason;
/* xlb_abi.h: XDP verdicts and the reasons of XLB_STAT_* (xlb_stats' fields) */
extern const struct names names_verdict, names_stat_reason;

/* The word of v, or "?" for a value not in the table. */
const char *names_str(const struct names *t, int v);
/* The value of word s, or -EINVAL. */
int names_find(const struct names *t, const char *s);
/* Every word, ", "-separated, for error messages: "tcp, udp". */
const char *names_list(const struct names *t);

#endif /* XLB_NAMES_H */
