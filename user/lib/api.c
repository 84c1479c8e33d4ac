// SPDX-License-Identifier: GPL-2.0
/*
 * The control protocol's codec: requests checked field by field against a
 * table of commands, so that the daemon's handlers see only valid input.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "names.h"

enum {
	F_VIP = 1 << 0,
	F_ADDRESS = 1 << 1,
	F_PORT = 1 << 2,
	F_PROTOCOL = 1 << 3,
	F_SCHEDULER = 1 << 4,
	F_WEIGHT = 1 << 5,
	F_STATE = 1 << 6,
	F_MAC = 1 << 7,
	F_FORWARDING = 1 << 8,
	F_DRY_RUN = 1 << 9,
	F_RATE = 1 << 10,
	F_CLIENT = 1 << 11,
	F_CLIENT_PORT = 1 << 12,
	F_EVENTS_PER_S = 1 << 13,
	F_BACKEND = 1 << 14,
	F_LIMIT = 1 << 15,
};

int api_cmd_reads_only(enum api_cmd c)
{
	/* (monitor reads too, but turns the program's sampling on: not for anyone) */
	return c == API_STATUS || c == API_VIP_LIST || c == API_VIP_SHOW || c == API_BACKEND_LIST ||
	       c == API_STATS || c == API_HEALTH || c == API_EXPLAIN || c == API_FLOWS;
}

static const struct {
	const char *name;
	unsigned need, may;
} cmds[API_NCMDS] = {
	[API_STATUS] = { "status", 0, 0 },
	[API_VIP_LIST] = { "vip.list", 0, 0 },
	[API_VIP_SHOW] = { "vip.show", F_VIP, 0 },
	[API_VIP_ADD] = { "vip.add", F_VIP | F_ADDRESS | F_PORT,
			  F_PROTOCOL | F_SCHEDULER | F_FORWARDING },
	[API_VIP_DEL] = { "vip.del", F_VIP, 0 },
	[API_BACKEND_LIST] = { "backend.list", F_VIP, 0 },
	[API_BACKEND_ADD] = { "backend.add", F_VIP | F_ADDRESS, F_WEIGHT | F_MAC },
	[API_BACKEND_DEL] = { "backend.del", F_VIP | F_ADDRESS, F_DRY_RUN },
	[API_BACKEND_SET] = { "backend.set", F_VIP | F_ADDRESS, F_WEIGHT | F_STATE | F_DRY_RUN },
	[API_STATS] = { "stats", 0, F_VIP | F_RATE },
	[API_HEALTH] = { "health", 0, F_VIP },
	[API_RELOAD] = { "reload", 0, F_DRY_RUN },
	[API_DETACH] = { "detach", 0, 0 },
	[API_STATS_ZERO] = { "stats.zero", 0, F_VIP },
	/* a VIP by name, or by address and port (and protocol: tcp) */
	[API_EXPLAIN] = { "explain", F_CLIENT | F_CLIENT_PORT,
			  F_VIP | F_ADDRESS | F_PORT | F_PROTOCOL },
	[API_MONITOR] = { "monitor", 0, F_EVENTS_PER_S },
	[API_HOST_DRAIN] = { "host.drain", 0, 0 },
	[API_HOST_UNDRAIN] = { "host.undrain", 0, 0 },
	[API_FLOWS] = { "flows", 0, F_VIP | F_BACKEND | F_CLIENT | F_LIMIT },
};

static const struct {
	const char *name;
	unsigned flag;
	json_type type;
} fields[] = {
	{ "vip", F_VIP, json_type_string },
	{ "address", F_ADDRESS, json_type_string },
	{ "port", F_PORT, json_type_int },
	{ "protocol", F_PROTOCOL, json_type_string },
	{ "scheduler", F_SCHEDULER, json_type_string },
	{ "weight", F_WEIGHT, json_type_int },
	{ "state", F_STATE, json_type_string },
	{ "mac", F_MAC, json_type_string },
	{ "forwarding", F_FORWARDING, json_type_string },
	{ "dry_run", F_DRY_RUN, json_type_boolean },
	{ "rate", F_RATE, json_type_boolean },
	{ "client", F_CLIENT, json_type_string },
	{ "client_port", F_CLIENT_PORT, json_type_int },
	{ "events_per_s", F_EVENTS_PER_S, json_type_int },
	{ "backend", F_BACKEND, json_type_string },
	{ "limit", F_LIMIT, json_type_int },
};

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

const char *api_cmd_name(enum api_cmd c)
{
	return c < API_NCMDS ? cmds[c].name : "?";
}

json_object *api_number(double v, int decimals)
{
	char buf[64];

	/* printed as rounded, not as the 17 digits a double carries */
	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	return json_object_new_double_s(strtod(buf, NULL), buf);
}

json_object *api_ok(void)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(1));
	return o;
}

json_object *api_error(const char *code, const char *fmt, ...)
{
	json_object *o = json_object_new_object(), *e = json_object_new_object();
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_object_add(e, "code", json_object_new_string(code));
	json_object_object_add(e, "message", json_object_new_string(msg));
	json_object_object_add(o, "error", e);
	return o;
}

void api_req_free(struct api_req *r)
{
	json_object_put(r->obj);
	r->obj = NULL;
}

#define FAIL(c, ...)                                \
	do {                                        \
		*code = (c);                        \
		snprintf(msg, msglen, __VA_ARGS__); \
		api_req_free(r);                    \
		return -EINVAL;                     \
	} while (0)

/* A word of t into *out, or -1 with msg naming the field and its words. */
static int api_enum(const struct names *t, const char *s, int *out, char *msg, size_t msglen)
{
	*out = names_find(t, s);
	if (*out >= 0)
		return 0;
	snprintf(msg, msglen, "%s: one of %s, got \"%s\"", t->what, names_list(t), s);
	return -1;
}

/* An integer field in lo..hi into *out, or -1 with msg naming the field. */
static int api_int(int64_t i, int64_t lo, int64_t hi, const char *name, int64_t *out, char *msg,
		   size_t msglen)
{
	*out = i;
	if (i >= lo && i <= hi)
		return 0;
	snprintf(msg, msglen, "%s: must be %lld..%lld, got %lld", name, (long long)lo,
		 (long long)hi, (long long)i);
	return -1;
}

/* An address field into *out, or -1 with msg naming the field. */
static int api_addr(const char *s, const char *name, struct xlb_addr *out, char *msg, size_t msglen)
{
	if (!cfg_parse_addr(s, out))
		return 0;
	snprintf(msg, msglen, "%s: not an IP address: \"%s\"", name, s);
	return -1;
}

static int field_value(struct api_req *r, unsigned flag, json_object *v, char *msg, size_t msglen)
{
	const char *s = json_object_get_string(v);
	int64_t i = json_object_get_int64(v);

	switch (flag) {
	case F_VIP:
		r->vip = s;
		/* the config's rule: names reach logs, terminals and JSON parsers */
		if (!cfg_name_ok(s))
			return snprintf(msg, msglen,
					"vip: 1 to 31 letters, digits, '_', '.' or '-'"),
			       -1;
		return 0;
	case F_ADDRESS:
		r->has_addr = 1;
		return api_addr(s, "address", &r->addr, msg, msglen);
	case F_PORT:
		return api_int(i, 0, 65535, "port", &r->port, msg, msglen);
	case F_PROTOCOL:
		return api_enum(&names_proto, s, &r->proto, msg, msglen);
	case F_SCHEDULER:
		return api_enum(&names_sched, s, &r->sched, msg, msglen);
	case F_WEIGHT:
		return api_int(i, 0, 65535, "weight", &r->weight, msg, msglen);
	case F_STATE:
		return api_enum(&names_state, s, &r->state, msg, msglen);
	case F_FORWARDING:
		return api_enum(&names_fwd, s, &r->fwd, msg, msglen);
	case F_DRY_RUN:
		r->dry_run = json_object_get_boolean(v);
		return 0;
	case F_RATE:
		r->rate = json_object_get_boolean(v);
		return 0;
	case F_CLIENT:
		r->has_client = 1;
		return api_addr(s, "client", &r->client, msg, msglen);
	case F_CLIENT_PORT:
		return api_int(i, 1, 65535, "client_port", &r->client_port, msg, msglen);
	case F_EVENTS_PER_S:
		return api_int(i, 1, 65535, "events_per_s", &r->events_per_s, msg, msglen);
	case F_BACKEND:
		r->has_backend = 1;
		return api_addr(s, "backend", &r->backend, msg, msglen);
	case F_LIMIT:
		return api_int(i, 1, API_FLOWS_MAX, "limit", &r->limit, msg, msglen);
	case F_MAC:
		r->has_mac = 1;
		if (cfg_parse_mac(s, r->mac))
			return snprintf(msg, msglen, "mac: not a MAC address: \"%s\"", s), -1;
		return 0;
	}
	return 0;
}

int api_parse_request(const char *buf, size_t len, struct api_req *r, const char **code, char *msg,
		      size_t msglen)
{
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	json_object *cmd;
	unsigned seen = 0, i, c;
	size_t used;

	memset(r, 0, sizeof(*r));
	r->port = r->weight = r->client_port = r->events_per_s = r->limit = -1;
	r->proto = r->sched = r->state = r->fwd = -1;
	if (len > API_MAX_REQUEST)
		FAIL(API_E_TOO_LARGE, "request of %zu bytes; at most %d", len, API_MAX_REQUEST);

	tok = json_tokener_new();
	if (!tok)
		FAIL(API_E_INTERNAL, "out of memory");
	r->obj = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	used = tok->char_offset;
	json_tokener_free(tok);
	if (jerr == json_tokener_continue)
		FAIL(API_E_BAD_REQUEST, "incomplete JSON");
	if (jerr != json_tokener_success)
		FAIL(API_E_BAD_REQUEST, "not JSON: %s at byte %zu", json_tokener_error_desc(jerr),
		     used);
	for (; used < len; used++)
		if (!strchr(" \t\r\n", buf[used]))
			FAIL(API_E_BAD_REQUEST, "trailing data after the JSON object at byte %zu",
			     used);
	if (!json_object_is_type(r->obj, json_type_object))
		FAIL(API_E_BAD_REQUEST, "a request is a JSON object");
	if (!json_object_object_get_ex(r->obj, "cmd", &cmd) ||
	    !json_object_is_type(cmd, json_type_string))
		FAIL(API_E_BAD_REQUEST, "cmd: missing, or not a string");
	for (c = 0; c < API_NCMDS; c++)
		if (!strcmp(cmds[c].name, json_object_get_string(cmd)))
			break;
	if (c == API_NCMDS)
		FAIL(API_E_UNKNOWN_CMD, "no command \"%.64s\"", json_object_get_string(cmd));
	r->cmd = c;

	json_object_object_foreach(r->obj, key, val)
	{
		if (!strcmp(key, "cmd"))
			continue;
		for (i = 0; i < NFIELDS; i++)
			if (!strcmp(fields[i].name, key))
				break;
		if (i == NFIELDS || !((cmds[c].need | cmds[c].may) & fields[i].flag))
			FAIL(API_E_BAD_REQUEST, "%s: no field \"%.64s\"", cmds[c].name, key);
		if (!json_object_is_type(val, fields[i].type))
			FAIL(API_E_BAD_REQUEST, "%s: %s must be %s", cmds[c].name, key,
			     fields[i].type == json_type_int	   ? "an integer"
			     : fields[i].type == json_type_boolean ? "true or false"
								   : "a string");
		if (field_value(r, fields[i].flag, val, msg, msglen)) {
			*code = API_E_INVALID;
			api_req_free(r);
			return -EINVAL;
		}
		seen |= fields[i].flag;
	}
	for (i = 0; i < NFIELDS; i++)
		if ((cmds[c].need & fields[i].flag) && !(seen & fields[i].flag))
			FAIL(API_E_BAD_REQUEST, "%s: %s is required", cmds[c].name, fields[i].name);
	if (c == API_BACKEND_SET && !(seen & (F_WEIGHT | F_STATE)))
		FAIL(API_E_BAD_REQUEST, "backend.set: give weight or state");
	if (c == API_EXPLAIN &&
	    !(seen & F_VIP) == !((seen & (F_ADDRESS | F_PORT)) == (F_ADDRESS | F_PORT)))
		FAIL(API_E_BAD_REQUEST,
		     "explain: give the VIP's name (vip), or its address and port");
	return 0;
}
