// SPDX-License-Identifier: GPL-2.0
/*
 * The words of every enum an operator sees (see names.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>

#include "names.h"
#include "xlb_abi.h"

#define TABLE(name, field, ...)                                   \
	static const cyaml_strval_t name##_v[] = { __VA_ARGS__ }; \
	const struct names name = { field, name##_v, sizeof(name##_v) / sizeof(name##_v[0]) }

TABLE(names_sched, "scheduler", NAMES_SCHED(NAMES_STRVAL));
TABLE(names_fwd, "forwarding", NAMES_FWD(NAMES_STRVAL, 0));
TABLE(names_cfg_fwd, "forwarding", NAMES_FWD(NAMES_STRVAL, 1));
_Static_assert(CFG_FWD_DSR == XLB_FWD_DSR + 1 && CFG_FWD_IPIP == XLB_FWD_IPIP + 1 &&
		       CFG_FWD_GUE == XLB_FWD_GUE + 1,
	       "cfg_forwarding is XLB_FWD_* + 1");
TABLE(names_proto, "protocol", NAMES_PROTO(NAMES_STRVAL));
TABLE(names_state, "state", NAMES_STATE(NAMES_STRVAL));
TABLE(names_check_type, "type", NAMES_CHECK_TYPE(NAMES_STRVAL));
TABLE(names_xdp_mode, "xdp_mode", NAMES_XDP_MODE(NAMES_STRVAL));
TABLE(names_initial, "initial_state", NAMES_INITIAL(NAMES_STRVAL));
TABLE(names_all_down, "on_all_down", NAMES_ALL_DOWN(NAMES_STRVAL));
TABLE(names_health, "health", { "unknown", LB_HEALTH_UNKNOWN }, { "up", LB_HEALTH_UP },
      { "down", LB_HEALTH_DOWN });
TABLE(names_be_state, "forwarding state", { "down", XLB_BE_DOWN }, { "up", XLB_BE_UP },
      { "drain", XLB_BE_DRAIN });
TABLE(names_check_reason, "check result", { "ok", CHECK_OK }, { "refused", CHECK_REFUSED },
      { "reset", CHECK_RESET }, { "timeout", CHECK_TIMEOUT }, { "unreachable", CHECK_UNREACHABLE },
      { "port_unreachable", CHECK_PORT_UNREACHABLE }, { "socket_error", CHECK_SOCKET_ERROR },
      { "http_status", CHECK_HTTP_STATUS }, { "body_mismatch", CHECK_BODY_MISMATCH },
      { "bad_response", CHECK_BAD_RESPONSE }, { "tls_error", CHECK_TLS_ERROR },
      { "reply_mismatch", CHECK_REPLY_MISMATCH }, { "exit_status", CHECK_EXIT_STATUS },
      { "killed", CHECK_KILLED }, { "cannot_start", CHECK_CANNOT_START });
TABLE(names_verdict, "verdict", { "aborted", XDP_ABORTED }, { "drop", XDP_DROP },
      { "pass", XDP_PASS }, { "tx", XDP_TX }, { "redirect", XDP_REDIRECT });
/* xlb_stats' reasons, as its fields are named (bpftool shows those) */
TABLE(names_stat_reason, "reason", { "forwarded", XLB_STAT_FORWARDED },
      { "not_ip", XLB_STAT_NOT_IP }, { "not_vip", XLB_STAT_NOT_VIP },
      { "unparsed", XLB_STAT_UNPARSED }, { "malformed", XLB_STAT_MALFORMED },
      { "no_backend", XLB_STAT_NO_BACKEND }, { "fragments", XLB_STAT_FRAGMENTS },
      { "syn_tracked", XLB_STAT_SYN_TRACKED }, { "flow_moved", XLB_STAT_FLOW_MOVED },
      { "udp_expired", XLB_STAT_UDP_EXPIRED }, { "encap_fail", XLB_STAT_ENCAP_FAIL },
      { "icmp_echo", XLB_STAT_ICMP_ECHO }, { "icmp_routed", XLB_STAT_ICMP_ROUTED },
      { "icmp_too_big", XLB_STAT_ICMP_TOO_BIG });

const char *names_str(const struct names *t, int v)
{
	unsigned i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].val == v)
			return t->v[i].str;
	return "?";
}

int names_find(const struct names *t, const char *s)
{
	unsigned i;

	for (i = 0; s && i < t->n; i++)
		if (!strcmp(t->v[i].str, s))
			return (int)t->v[i].val;
	return -EINVAL;
}

const char *names_list(const struct names *t)
{
	/* one buffer per table, written at each call: the lists are short, the callers few */
	static char bufs[16][320];
	static const struct names *owner[16];
	unsigned i, k;
	size_t off = 0;

	for (k = 0; k < 16 && owner[k] && owner[k] != t; k++)
		;
	if (k == 16)
		return "?"; /* more tables than buffers */
	owner[k] = t;
	bufs[k][0] = 0;
	for (i = 0; i < t->n && off < sizeof(bufs[k]); i++)
		off += (size_t)snprintf(bufs[k] + off, sizeof(bufs[k]) - off, "%s%s", i ? ", " : "",
					t->v[i].str);
	return bufs[k];
}
