// SPDX-License-Identifier: GPL-2.0
/*
 * Configuration: libcyaml loads the file against a schema (syntax, unknown
 * keys, types, enumerations); then validate() checks what a schema cannot
 * (addresses, ranges, primes, duplicates). Both report FILE:LINE:COL: the
 * schema errors from libcyaml's backtrace, the semantic ones from a libyaml
 * document of the same file, where each node keeps its position.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cyaml/cyaml.h>
#include <yaml.h>

#include "config.h"
#include "maglev.h"
#include "names.h"

/* ---- schema ---------------------------------------------------------------- */

static const cyaml_strval_t xdp_mode_strs[] = { NAMES_XDP_MODE(NAMES_STRVAL) };
static const cyaml_strval_t fwd_strs[] = { NAMES_FWD(NAMES_STRVAL, 1) };
static const cyaml_strval_t proto_strs[] = { NAMES_PROTO(NAMES_STRVAL) };
static const cyaml_strval_t sched_strs[] = { NAMES_SCHED(NAMES_STRVAL) };
static const cyaml_strval_t state_strs[] = { NAMES_STATE(NAMES_STRVAL) };
static const cyaml_strval_t check_type_strs[] = { NAMES_CHECK_TYPE(NAMES_STRVAL) };
static const cyaml_strval_t initial_strs[] = { NAMES_INITIAL(NAMES_STRVAL) };
static const cyaml_strval_t all_down_strs[] = { NAMES_ALL_DOWN(NAMES_STRVAL) };

#define NSTR(a) (sizeof(a) / sizeof((a)[0]))
#define OPT	CYAML_FLAG_OPTIONAL
#define OPT_PTR (CYAML_FLAG_OPTIONAL | CYAML_FLAG_POINTER)

#define CHECK_STR(key, member) \
	CYAML_FIELD_STRING_PTR(key, OPT_PTR, struct cfg_check, member, 0, CYAML_UNLIMITED)

static const cyaml_schema_value_t status_entry_schema = {
	CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CYAML_UNLIMITED),
};

static const cyaml_schema_field_t check_fields[] = {
	CYAML_FIELD_ENUM("type", OPT, struct cfg_check, type, check_type_strs,
			 NSTR(check_type_strs)),
	CYAML_FIELD_UINT("port", OPT, struct cfg_check, port),
	CHECK_STR("path", path),
	CHECK_STR("host", host),
	CYAML_FIELD_SEQUENCE("expect_status", OPT_PTR, struct cfg_check, expect_status,
			     &status_entry_schema, 0, CFG_MAX_STATUS_RANGES),
	CHECK_STR("expect_body", expect_body),
	CHECK_STR("send", send),
	CHECK_STR("expect", expect),
	CHECK_STR("command", command),
	CHECK_STR("interval", interval),
	CHECK_STR("fast_interval", fast_interval),
	CHECK_STR("timeout", timeout),
	CYAML_FIELD_UINT("rise", OPT, struct cfg_check, rise),
	CYAML_FIELD_UINT("fall", OPT, struct cfg_check, fall),
	CYAML_FIELD_ENUM("initial_state", OPT, struct cfg_check, initial_state, initial_strs,
			 NSTR(initial_strs)),
	CHECK_STR("slow_start", slow_start),
	CYAML_FIELD_BOOL("tls_verify", OPT, struct cfg_check, tls_verify),
	CYAML_FIELD_END
};

static const cyaml_schema_field_t backend_fields[] = {
	CYAML_FIELD_STRING_PTR("address", CYAML_FLAG_POINTER, struct cfg_backend, address, 0,
			       CYAML_UNLIMITED),
	CYAML_FIELD_UINT("weight", OPT, struct cfg_backend, weight),
	CYAML_FIELD_ENUM("state", OPT, struct cfg_backend, state, state_strs, NSTR(state_strs)),
	CYAML_FIELD_STRING_PTR("mac", OPT_PTR, struct cfg_backend, mac, 0, CYAML_UNLIMITED),
	CYAML_FIELD_MAPPING_PTR("check", OPT_PTR, struct cfg_backend, check, check_fields),
	CYAML_FIELD_END
};

static const cyaml_schema_value_t backend_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct cfg_backend, backend_fields),
};

static const cyaml_schema_field_t announce_fields[] = {
	CYAML_FIELD_UINT("table", OPT, struct cfg_announce, table),
	CYAML_FIELD_UINT("min_healthy", OPT, struct cfg_announce, min_healthy),
	CYAML_FIELD_STRING_PTR("hold_down", OPT_PTR, struct cfg_announce, hold_down, 0,
			       CYAML_UNLIMITED),
	CYAML_FIELD_STRING_PTR("withdraw_delay", OPT_PTR, struct cfg_announce, withdraw_delay, 0,
			       CYAML_UNLIMITED),
	CYAML_FIELD_END
};

static const cyaml_schema_field_t vip_fields[] = {
	CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER, struct cfg_vip, name, 0,
			       CYAML_UNLIMITED),
	CYAML_FIELD_STRING_PTR("address", CYAML_FLAG_POINTER, struct cfg_vip, address, 0,
			       CYAML_UNLIMITED),
	CYAML_FIELD_UINT("port", CYAML_FLAG_DEFAULT, struct cfg_vip, port),
	CYAML_FIELD_ENUM("protocol", OPT, struct cfg_vip, protocol, proto_strs, NSTR(proto_strs)),
	CYAML_FIELD_ENUM("scheduler", OPT, struct cfg_vip, scheduler, sched_strs, NSTR(sched_strs)),
	CYAML_FIELD_UINT("ring_size", OPT, struct cfg_vip, ring_size),
	CYAML_FIELD_STRING_PTR("udp_idle_timeout", OPT_PTR, struct cfg_vip, udp_idle_timeout, 0,
			       CYAML_UNLIMITED),
	/* (counted in validate(), which names the limit: the file's size bounds them here) */
	CYAML_FIELD_SEQUENCE("backends", OPT_PTR, struct cfg_vip, backends, &backend_schema, 0,
			     CYAML_UNLIMITED),
	CYAML_FIELD_MAPPING_PTR("check", OPT_PTR, struct cfg_vip, check, check_fields),
	CYAML_FIELD_ENUM("on_all_down", OPT, struct cfg_vip, on_all_down, all_down_strs,
			 NSTR(all_down_strs)),
	CYAML_FIELD_ENUM("forwarding", OPT, struct cfg_vip, forwarding, fwd_strs, NSTR(fwd_strs)),
	CYAML_FIELD_UINT("announce_min_healthy", OPT, struct cfg_vip, announce_min_healthy),
	CYAML_FIELD_END
};

static const cyaml_schema_value_t vip_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct cfg_vip, vip_fields),
};

static const cyaml_schema_field_t top_fields[] = {
	CYAML_FIELD_STRING_PTR("interface", OPT_PTR, struct cfg, interface, 0, CYAML_UNLIMITED),
	CYAML_FIELD_ENUM("xdp_mode", OPT, struct cfg, xdp_mode, xdp_mode_strs, NSTR(xdp_mode_strs)),
	CYAML_FIELD_ENUM("forwarding", OPT, struct cfg, forwarding, fwd_strs, NSTR(fwd_strs)),
	CYAML_FIELD_STRING_PTR("pin_path", OPT_PTR, struct cfg, pin_path, 0, CYAML_UNLIMITED),
	CYAML_FIELD_STRING_PTR("control_socket", OPT_PTR, struct cfg, control_socket, 0,
			       CYAML_UNLIMITED),
	CYAML_FIELD_STRING_PTR("control_socket_read_only", OPT_PTR, struct cfg,
			       control_socket_read_only, 0, CYAML_UNLIMITED),
	CYAML_FIELD_STRING_PTR("metrics_listen", OPT_PTR, struct cfg, metrics_listen, 0,
			       CYAML_UNLIMITED),
	CYAML_FIELD_MAPPING_PTR("announce", OPT_PTR, struct cfg, announce, announce_fields),
	CYAML_FIELD_UINT("max_flows", OPT, struct cfg, max_flows),
	CYAML_FIELD_STRING_PTR("tunnel_source", OPT_PTR, struct cfg, tunnel_source, 0,
			       CYAML_UNLIMITED),
	CYAML_FIELD_STRING_PTR("tunnel_source6", OPT_PTR, struct cfg, tunnel_source6, 0,
			       CYAML_UNLIMITED),
	CYAML_FIELD_STRING_PTR("tunnel_flow_prefix", OPT_PTR, struct cfg, tunnel_flow_prefix, 0,
			       CYAML_UNLIMITED),
	CYAML_FIELD_STRING_PTR("tunnel_flow_prefix6", OPT_PTR, struct cfg, tunnel_flow_prefix6, 0,
			       CYAML_UNLIMITED),
	CYAML_FIELD_UINT("gue_port", OPT, struct cfg, gue_port),
	CYAML_FIELD_UINT("mtu", OPT, struct cfg, mtu),
	CYAML_FIELD_BOOL("icmp_echo", OPT, struct cfg, icmp_echo),
	CYAML_FIELD_SEQUENCE("vips", OPT_PTR, struct cfg, vips, &vip_schema, 0, CYAML_UNLIMITED),
	CYAML_FIELD_END
};

static const cyaml_schema_value_t top_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct cfg, top_fields),
};

/* ---- shared parsers -------------------------------------------------------- */

int cfg_parse_addr(const char *s, struct xlb_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (!s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, a->a) == 1) {
		a->family = XLB_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->a) == 1) {
		a->family = XLB_AF_INET6;
		return 0;
	}
	return -EINVAL;
}

void cfg_addr_str(const struct xlb_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family == XLB_AF_INET6 ? AF_INET6 : AF_INET, a->a, buf, len))
		snprintf(buf, len, "?");
}

void cfg_endpoint_str(int family, const __be32 *a, __be16 port, char *buf, size_t len)
{
	struct xlb_addr x = { .family = (uint8_t)family };
	char s[INET6_ADDRSTRLEN];

	memcpy(x.a, a, sizeof(x.a));
	cfg_addr_str(&x, s, sizeof(s));
	snprintf(buf, len, family == XLB_AF_INET6 ? "[%s]:%u" : "%s:%u", s, ntohs(port));
}

/* xx:xx:xx:xx:xx:xx exactly: two hex digits a byte, a unicast address. */
int cfg_parse_listen(const char *s, struct xlb_addr *a, uint16_t *port)
{
	char host[64];
	const char *colon, *h = s;
	size_t hl;
	char *end;
	unsigned long p;

	colon = strrchr(s, ':');
	if (!colon)
		return -EINVAL;
	hl = (size_t)(colon - s);
	if (s[0] == '[') { /* [v6]:port */
		if (hl < 3 || s[hl - 1] != ']')
			return -EINVAL;
		h = s + 1;
		hl -= 2;
	}
	if (!hl || hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = 0;
	if (cfg_parse_addr(host, a) || (s[0] != '[' && a->family == XLB_AF_INET6))
		return -EINVAL;
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || p < 1 || p > 65535)
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}

int cfg_parse_mac(const char *s, uint8_t mac[6])
{
	static const char hex[] = "0123456789abcdef";
	const char *h, *l;
	int i;

	if (!s || strlen(s) != 17)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		h = strchr(hex, tolower((unsigned char)s[3 * i]));
		l = strchr(hex, tolower((unsigned char)s[3 * i + 1]));
		if (!s[3 * i] || !s[3 * i + 1] || !h || !l || (i < 5 && s[3 * i + 2] != ':'))
			return -EINVAL;
		mac[i] = (uint8_t)((h - hex) << 4 | (l - hex));
	}
	/* a backend is one host: no group (multicast, broadcast) or zero address */
	if ((mac[0] & 1) || !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return -EINVAL;
	return 0;
}

/*
 * "30s", "500ms", "2m", "1h". A bare number is refused (-EDOM): HAProxy reads
 * 2000 as milliseconds, keepalived 2 as seconds, and a guess either way is
 * off by a factor of a thousand.
 */
int cfg_parse_duration_ms(const char *s, uint64_t *ms)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || v > 1000000000ULL)
		return -EINVAL;
	if (!*end)
		return -EDOM;
	if (!strcmp(end, "s"))
		*ms = v * 1000;
	else if (!strcmp(end, "ms"))
		*ms = v;
	else if (!strcmp(end, "m"))
		*ms = v * 60000;
	else if (!strcmp(end, "h"))
		*ms = v * 3600000;
	else
		return -EINVAL;
	return 0;
}

/*
 * An absolute path in one spelling: "//", "/./" and a trailing "/" folded
 * away, in place. The pin path keys an instance (its lock, its state file,
 * its drain mark): /sys/fs/bpf/x/ and /sys/fs/bpf/x are one directory and
 * must be one instance. ".." (which a symbolic link would make ambiguous)
 * and "/" itself are refused: -EINVAL, the path left as it was.
 */
int cfg_clean_path(char *path)
{
	char out[4096];
	size_t o = 0;
	const char *p = path, *end;

	while (*p) {
		size_t n;

		while (*p == '/')
			p++;
		end = strchrnul(p, '/');
		n = (size_t)(end - p);
		if (n == 2 && !strncmp(p, "..", 2))
			return -EINVAL;
		if (n && !(n == 1 && *p == '.')) {
			if (o + 1 + n >= sizeof(out))
				return -EINVAL;
			out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p = end;
	}
	if (!o)
		return -EINVAL;
	memcpy(path, out, o);
	path[o] = 0;
	return 0;
}

/* What follows a duration's error: for a bare number, the two it may have meant. */
static const char *duration_hint(const char *s, char *buf, size_t len)
{
	uint64_t ms;

	if (cfg_parse_duration_ms(s, &ms) != -EDOM)
		return "";
	snprintf(buf, len, "; a duration needs a unit: did you mean \"%sms\" or \"%ss\"?", s, s);
	return buf;
}

int cfg_parse_status_range(const char *s, struct cfg_status_range *r)
{
	unsigned lo, hi;
	char extra;

	if (!s)
		return -EINVAL;
	if (sscanf(s, "%3u-%3u%c", &lo, &hi, &extra) == 2) {
		/* a range */
	} else if (sscanf(s, "%3u%c", &lo, &extra) == 1 && strlen(s) == 3) {
		hi = lo;
	} else {
		return -EINVAL;
	}
	if (lo < 100 || hi > 599 || lo > hi)
		return -EINVAL;
	r->lo = (uint16_t)lo;
	r->hi = (uint16_t)hi;
	return 0;
}

#define OVER(f)                        \
	do {                           \
		if (o->f)              \
			out->f = o->f; \
	} while (0)

int cfg_backend_check(const struct cfg_vip *v, const struct cfg_backend *b, struct cfg_check *out)
{
	const struct cfg_check *o = b->check;

	if (!v->check && !o)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	if (v->check)
		*out = *v->check;
	if (o) {
		OVER(type);
		OVER(port);
		OVER(path);
		OVER(host);
		OVER(expect_body);
		OVER(send);
		OVER(expect);
		OVER(command);
		OVER(interval_ms);
		OVER(fast_interval_ms);
		OVER(timeout_ms);
		OVER(slow_start_ms);
		OVER(rise);
		OVER(fall);
		OVER(initial_state);
		OVER(tls_verify);
		if (o->nstatus) {
			memcpy(out->status, o->status, sizeof(out->status));
			out->nstatus = o->nstatus;
		}
	}
	if (!out->port)
		out->port = v->port;
	if (!out->path)
		out->path = "/";
	if (!out->interval_ms)
		out->interval_ms = 2000;
	if (!out->timeout_ms)
		out->timeout_ms = out->interval_ms < 1000 ? out->interval_ms : 1000;
	if (!out->fast_interval_ms)
		out->fast_interval_ms = out->interval_ms < 500 ? out->interval_ms : 500;
	if (!out->rise)
		out->rise = 2;
	if (!out->fall)
		out->fall = 3;
	if (!out->initial_state)
		out->initial_state = CFG_INITIAL_DOWN;
	if (!out->nstatus) {
		out->status[0].lo = 200;
		out->status[0].hi = 399;
		out->nstatus = 1;
	}
	/* what the merge made no longer points at the parsed strings' owners */
	out->expect_status = NULL;
	out->expect_status_count = 0;
	return 0;
}

/* ---- errors ---------------------------------------------------------------- */

struct cfg_ctx {
	const char *path;
	FILE *err;
	int nerr;
	/* libcyaml's log of the failed load */
	char log[4096];
	size_t log_len;
	/* the file, read once */
	char *text;
	size_t text_len;
	/* the same file as a libyaml document, for positions */
	yaml_document_t doc;
	int have_doc;
};

static void cyaml_log_collect(cyaml_log_t level, void *ctx, const char *fmt, va_list ap)
{
	struct cfg_ctx *c = ctx;
	int n;

	if (level < CYAML_LOG_ERROR || c->log_len >= sizeof(c->log) - 1)
		return;
	n = vsnprintf(c->log + c->log_len, sizeof(c->log) - c->log_len, fmt, ap);
	if (n > 0)
		c->log_len += (size_t)n;
	if (c->log_len >= sizeof(c->log))
		c->log_len = sizeof(c->log) - 1;
}

static void cfg_errf(struct cfg_ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	/* a generated or mangled file can hold thousands: the first ones tell */
	if (c->nerr >= CFG_MAX_ERRORS) {
		if (c->nerr++ == CFG_MAX_ERRORS)
			fprintf(c->err, "%s: more than %d errors; stopping here\n", c->path,
				CFG_MAX_ERRORS);
		return;
	}
	if (n)
		fprintf(c->err, "%s:%zu:%zu: ", c->path, n->start_mark.line + 1,
			n->start_mark.column + 1);
	else
		fprintf(c->err, "%s: ", c->path);
	va_start(ap, fmt);
	vfprintf(c->err, fmt, ap);
	va_end(ap);
	fputc('\n', c->err);
	c->nerr++;
}

static yaml_node_t *ymap_get(yaml_document_t *d, yaml_node_t *m, const char *key)
{
	yaml_node_pair_t *p;

	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(d, p->key);

		if (k && k->type == YAML_SCALAR_NODE && !strcmp((char *)k->data.scalar.value, key))
			return yaml_document_get_node(d, p->value);
	}
	return NULL;
}

static yaml_node_t *yseq_get(yaml_document_t *d, yaml_node_t *s, unsigned i)
{
	if (!s || s->type != YAML_SEQUENCE_NODE ||
	    s->data.sequence.items.start + i >= s->data.sequence.items.top)
		return NULL;
	return yaml_document_get_node(d, s->data.sequence.items.start[i]);
}

/*
 * The node of vips[vi] (vi >= 0), of its backends[bi] (bi >= 0), and of key
 * in it (key != NULL); the nearest existing ancestor if it is missing.
 */
static yaml_node_t *cfg_node(struct cfg_ctx *c, int vi, int bi, const char *key)
{
	yaml_node_t *n, *m;

	if (!c->have_doc)
		return NULL;
	n = yaml_document_get_root_node(&c->doc);
	if (vi >= 0 && (m = yseq_get(&c->doc, ymap_get(&c->doc, n, "vips"), vi)))
		n = m;
	if (bi >= 0 && (m = yseq_get(&c->doc, ymap_get(&c->doc, n, "backends"), bi)))
		n = m;
	if (key && (m = ymap_get(&c->doc, n, key)))
		n = m;
	return n;
}

/* Edit distance of two short words (keys), for "did you mean". */
static unsigned word_distance(const char *a, const char *b)
{
	unsigned row[64], i, j, prev, cur;
	size_t la = strlen(a), lb = strlen(b);

	if (la >= 64 || lb >= 64)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			cur = row[j];
			row[j] = prev + (a[i - 1] != b[j - 1]);
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (cur + 1 < row[j])
				row[j] = cur + 1;
			prev = cur;
		}
	}
	return row[lb];
}

/*
 * Every key of the document that the schema does not know, each reported
 * where it stands with the nearest known key, before libcyaml (which stops
 * at the first) loads the rest with unknown keys ignored.
 */
static void check_keys(struct cfg_ctx *c, yaml_node_t *n, const cyaml_schema_value_t *s)
{
	yaml_node_pair_t *p;
	yaml_node_item_t *it;

	if (!n)
		return;
	if (s->type == CYAML_MAPPING && n->type == YAML_MAPPING_NODE) {
		for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(&c->doc, p->key);
			const cyaml_schema_field_t *f, *near = NULL;
			unsigned best = 3, d;
			const char *key;

			if (!k || k->type != YAML_SCALAR_NODE)
				continue;
			key = (const char *)k->data.scalar.value;
			for (f = s->mapping.fields; f->key; f++) {
				if (!strcmp(f->key, key))
					break;
				d = word_distance(f->key, key);
				if (d < best) {
					best = d;
					near = f;
				}
			}
			if (f->key)
				check_keys(c, yaml_document_get_node(&c->doc, p->value), &f->value);
			else if (near)
				cfg_errf(c, k, "%s: unknown key (did you mean %s?)", key,
					 near->key);
			else
				cfg_errf(c, k, "%s: unknown key", key);
		}
	} else if ((s->type == CYAML_SEQUENCE || s->type == CYAML_SEQUENCE_FIXED) &&
		   n->type == YAML_SEQUENCE_NODE) {
		for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
			check_keys(c, yaml_document_get_node(&c->doc, *it), s->sequence.entry);
	}
}

/* The first key named key at or after line (1-based), for unknown keys. */
static yaml_node_t *cfg_find_key(struct cfg_ctx *c, const char *key, size_t line)
{
	yaml_node_t *n;

	if (!c->have_doc)
		return NULL;
	for (n = c->doc.nodes.start; n < c->doc.nodes.top; n++)
		if (n->type == YAML_SCALAR_NODE && n->start_mark.line + 1 >= line &&
		    !strcmp((char *)n->data.scalar.value, key))
			return n;
	return NULL;
}

/* The allowed words of an enumerated field, for its error message. */
static const char *enum_words(const char *field)
{
	static const struct names *t[] = {
		&names_sched,	&names_proto,	   &names_state,   &names_xdp_mode,
		&names_cfg_fwd, &names_check_type, &names_initial, &names_all_down,
	};
	size_t i;

	for (i = 0; i < NSTR(t); i++)
		if (!strcmp(t[i]->what, field))
			return names_list(t[i]);
	return NULL;
}

/* libcyaml names node kinds by event or type: SEQUENCE_START, MAPPING, STRING */
static const char *event_word(const char *ev)
{
	if (!strncmp(ev, "SEQUENCE", 8))
		return "a list";
	if (!strncmp(ev, "MAPPING", 7))
		return "a mapping";
	return "a scalar";
}

/*
 * Turn libcyaml's log into one line. It reads:
 *   Load: <message>
 *   Load: Backtrace:
 *     in mapping field 'weight' (line: 4, column: 13)
 *     in sequence entry '1' (line: 3, column: 5)
 *     in mapping field 'vips' (line: 2, column: 3)
 * innermost first. The path is walked again in the libyaml document to find
 * where the offending node starts; libcyaml's own position (where its parser
 * stood) is the fallback.
 */
static void cfg_report_cyaml(struct cfg_ctx *c, cyaml_err_t e)
{
	char msg[512] = "", field[512] = "", value[512] = "";
	struct {
		char field[64];
		int index; /* sequence entry, 1-based; 0 for a field */
	} bt[16];
	int nbt = 0, in_bt = 0, skip, i;
	size_t line = 0, col = 0;
	yaml_node_t *n = NULL;
	char *l, *save = NULL, *q;

	for (l = strtok_r(c->log, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *p;

		if (!strncmp(l, "Load: ", 6))
			l += 6;
		if (!strcmp(l, "Backtrace:")) {
			in_bt = 1;
			continue;
		}
		if (!in_bt) {
			if (!msg[0])
				snprintf(msg, sizeof(msg), "%s", l);
			continue;
		}
		if (!line && (p = strstr(l, "(line: ")))
			sscanf(p, "(line: %zu, column: %zu)", &line, &col);
		if (nbt < 16) {
			bt[nbt].field[0] = '\0';
			bt[nbt].index = 0;
			if ((p = strstr(l, "field '")))
				sscanf(p, "field '%63[^']'", bt[nbt].field);
			else if ((p = strstr(l, "entry '")))
				sscanf(p, "entry '%d'", &bt[nbt].index);
			if (bt[nbt].field[0] || bt[nbt].index)
				nbt++;
		}
	}
	if (!msg[0])
		snprintf(msg, sizeof(msg), "%s", cyaml_strerror(e));

	/* a missing field is reported from inside the last field read: skip it */
	skip = !strncmp(msg, "Missing ", 8) && nbt > 1 && bt[0].field[0];
	if (c->have_doc && nbt) {
		n = yaml_document_get_root_node(&c->doc);
		for (i = nbt - 1; n && i >= skip; i--)
			n = bt[i].index ? yseq_get(&c->doc, n, (unsigned)bt[i].index - 1)
					: ymap_get(&c->doc, n, bt[i].field);
	}
	if (nbt && bt[0].field[0])
		snprintf(field, sizeof(field), "%s", bt[0].field);
	if ((q = strchr(msg, ':')))
		snprintf(value, sizeof(value), "%s", q + 1 + (q[1] == ' '));

	if (!strncmp(msg, "Unexpected key: ", 16)) {
		/* name the unknown key where it stands, not where its mapping does */
		yaml_node_t *k = cfg_find_key(c, msg + 16, line);

		n = k ? k : n;
		snprintf(field, sizeof(field), "%s", msg + 16);
		snprintf(msg, sizeof(msg), "unknown key");
	} else if (!strncmp(msg, "Missing required mapping field: ", 32)) {
		snprintf(field, sizeof(field), "%s", msg + 32);
		snprintf(msg, sizeof(msg), "missing (required)");
	} else if (!strncmp(msg, "libyaml: ", 9)) {
		memmove(msg, msg + 9, strlen(msg + 9) + 1);
		field[0] = '\0';
		n = NULL; /* a syntax error: libyaml's position is the one */
	} else if (!strncmp(msg, "Expecting ", 10) && (q = strstr(msg, "got event: "))) {
		char want[64];

		snprintf(want, sizeof(want), "%s", event_word(msg + 10));
		snprintf(msg, sizeof(msg), "expected %s, got %s", want, event_word(q + 11));
	} else if (field[0] && enum_words(field) && value[0]) {
		snprintf(msg, sizeof(msg), "unknown %.64s \"%.256s\" (expected one of: %s)", field,
			 value[0] == '\'' ? value + 1 : value, enum_words(field));
		if ((q = strrchr(msg, '\'')) && q[1] == '"')
			memmove(q, q + 1, strlen(q));
	} else if (!strncmp(msg, "Invalid ", 8) && value[0]) {
		snprintf(msg, sizeof(msg), "invalid value %.480s", value);
	}

	if (n) {
		line = n->start_mark.line + 1;
		col = n->start_mark.column + 1;
	}
	if (line)
		fprintf(c->err, "%s:%zu:%zu: ", c->path, line, col);
	else
		fprintf(c->err, "%s: ", c->path);
	if (field[0])
		fprintf(c->err, "%s: ", field);
	fprintf(c->err, "%s\n", msg);
	c->nerr++;
}

/* ---- validation ------------------------------------------------------------ */

int cfg_name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (!n || n > 31)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return 0;
	return 1;
}

/* The node of key in the check: of vips[vi] (bi < 0) or of its backends[bi]. */
static yaml_node_t *check_node(struct cfg_ctx *c, int vi, int bi, const char *key)
{
	yaml_node_t *n = cfg_node(c, vi, bi, "check"), *m;

	if (key && c->have_doc && (m = ymap_get(&c->doc, n, key)))
		return m;
	return n;
}

static void check_duration(struct cfg_ctx *c, int vi, int bi, const char *key, const char *s,
			   uint64_t min_ms, uint64_t *out)
{
	uint64_t ms;
	char h[96];

	if (!s)
		return;
	if (cfg_parse_duration_ms(s, &ms) || ms < min_ms || ms > 3600000)
		cfg_errf(
			c, check_node(c, vi, bi, key),
			"%s: must be a duration from %llums to 1h (like 2s or 500ms), got \"%s\"%s",
			key, (unsigned long long)min_ms, s, duration_hint(s, h, sizeof(h)));
	else
		*out = ms;
}

static void validate_check(struct cfg_ctx *c, struct cfg_check *k, int vi, int bi)
{
	unsigned i;

	if (bi < 0 && !k->type)
		cfg_errf(c, check_node(c, vi, bi, NULL), "check: type: missing (required)");
	if (k->port > 65535)
		cfg_errf(c, check_node(c, vi, bi, "port"), "port: must be 1..65535, got %u",
			 k->port);
	if (k->path && k->path[0] != '/')
		cfg_errf(c, check_node(c, vi, bi, "path"), "path: must start with '/', got \"%s\"",
			 k->path);
	check_duration(c, vi, bi, "interval", k->interval, 100, &k->interval_ms);
	check_duration(c, vi, bi, "fast_interval", k->fast_interval, 50, &k->fast_interval_ms);
	check_duration(c, vi, bi, "timeout", k->timeout, 10, &k->timeout_ms);
	check_duration(c, vi, bi, "slow_start", k->slow_start, 0, &k->slow_start_ms);
	if (k->rise > 100)
		cfg_errf(c, check_node(c, vi, bi, "rise"), "rise: must be 1..100, got %u", k->rise);
	if (k->fall > 100)
		cfg_errf(c, check_node(c, vi, bi, "fall"), "fall: must be 1..100, got %u", k->fall);
	for (i = 0; i < k->expect_status_count; i++) {
		if (cfg_parse_status_range(k->expect_status[i], &k->status[k->nstatus])) {
			yaml_node_t *seq = check_node(c, vi, bi, "expect_status"), *e;

			e = c->have_doc ? yseq_get(&c->doc, seq, i) : NULL;
			cfg_errf(
				c, e ? e : seq,
				"expect_status: a status (301) or range (200-299) within 100..599, "
				"got \"%s\"",
				k->expect_status[i]);
		} else {
			k->nstatus++;
		}
	}
	if (k->command && (k->command[0] != '/' || access(k->command, X_OK)))
		cfg_errf(c, check_node(c, vi, bi, "command"),
			 "command: must be the absolute path of an executable, got \"%s\"%s",
			 k->command, k->command[0] == '/' ? " (not found or not executable)" : "");
}

/* What only the merged check of a backend can tell. */
static void validate_merged_check(struct cfg_ctx *c, struct cfg_vip *v, int vi, int bi)
{
	struct cfg_backend *b = &v->backends[bi];
	int at = b->check ? bi : -1; /* report where the check is written */
	struct cfg_check k;

	if (cfg_backend_check(v, b, &k))
		return;
	if (!k.port)
		cfg_errf(c, check_node(c, vi, at, NULL),
			 "check: port: required, the vip serves every port");
	if (k.timeout_ms > k.interval_ms)
		cfg_errf(c,
			 check_node(c, vi,
				    b->check && (b->check->timeout || b->check->interval) ? bi : -1,
				    "timeout"),
			 "timeout: %llums is longer than the interval (%llums)",
			 (unsigned long long)k.timeout_ms, (unsigned long long)k.interval_ms);
	if (k.type == CFG_CHECK_UDP && !k.send)
		cfg_errf(c, check_node(c, vi, at, NULL), "check: send: required for a udp check");
	if (k.type == CFG_CHECK_EXEC && !k.command)
		cfg_errf(c, check_node(c, vi, at, NULL),
			 "check: command: required for an exec check");
}

static void validate_backend(struct cfg_ctx *c, struct cfg_vip *v, int vi, int bi, int fwd)
{
	struct cfg_backend *b = &v->backends[bi];
	int j;

	if (cfg_parse_addr(b->address, &b->addr))
		cfg_errf(c, cfg_node(c, vi, bi, "address"), "address: not an IP address: \"%s\"",
			 b->address);
	else if (fwd == CFG_FWD_DSR && v->addr.family && b->addr.family != v->addr.family)
		cfg_errf(c, cfg_node(c, vi, bi, "address"),
			 "address: %s is not of the VIP's family (direct server return keeps the "
			 "IP header)",
			 b->address);
	if (b->weight > 65535)
		cfg_errf(c, cfg_node(c, vi, bi, "weight"), "weight: must be 0..65535, got %u",
			 b->weight);
	if (b->mac) {
		if (cfg_parse_mac(b->mac, b->mac_bytes))
			cfg_errf(c, cfg_node(c, vi, bi, "mac"),
				 "mac: not a unicast MAC address (xx:xx:xx:xx:xx:xx): \"%s\"",
				 b->mac);
		else
			b->has_mac = 1;
	}
	for (j = 0; j < bi; j++)
		if (b->addr.family && !memcmp(&v->backends[j].addr, &b->addr, sizeof(b->addr)))
			cfg_errf(c, cfg_node(c, vi, bi, "address"),
				 "address: duplicate backend %s in vip %s", b->address, v->name);
	if (b->check)
		validate_check(c, b->check, vi, bi);
}

static void validate_vip(struct cfg_ctx *c, struct cfg *cfg, int vi)
{
	struct cfg_vip *v = &cfg->vips[vi];
	uint64_t ms;
	char h[96];
	int j;
	unsigned bi;

	if (!cfg_name_ok(v->name))
		cfg_errf(c, cfg_node(c, vi, -1, "name"),
			 "name: 1 to 31 letters, digits, '_', '.' or '-', got \"%s\"", v->name);
	if (v->announce_min_healthy && !cfg->announce)
		cfg_errf(c, cfg_node(c, vi, -1, "announce_min_healthy"),
			 "announce_min_healthy: nothing is announced without an announce: section");
	if (v->announce_min_healthy > XLB_MAX_BACKENDS)
		cfg_errf(c, cfg_node(c, vi, -1, "announce_min_healthy"),
			 "announce_min_healthy: must be 1..%d, got %u", XLB_MAX_BACKENDS,
			 v->announce_min_healthy);
	for (j = 0; j < vi; j++)
		if (!strcmp(cfg->vips[j].name, v->name))
			cfg_errf(c, cfg_node(c, vi, -1, "name"), "name: duplicate vip \"%s\"",
				 v->name);
	if (cfg_parse_addr(v->address, &v->addr))
		cfg_errf(c, cfg_node(c, vi, -1, "address"), "address: not an IP address: \"%s\"",
			 v->address);
	if (v->port > 65535)
		cfg_errf(c, cfg_node(c, vi, -1, "port"), "port: must be 0..65535, got %u", v->port);
	if (!maglev_is_prime(v->ring_size) || v->ring_size > XLB_RING_SIZE_MAX)
		cfg_errf(c, cfg_node(c, vi, -1, "ring_size"),
			 "ring_size: must be a prime up to %u, got %u", XLB_RING_SIZE_MAX,
			 v->ring_size);
	if (v->udp_idle_timeout) {
		if (cfg_parse_duration_ms(v->udp_idle_timeout, &ms) || ms < 1000 || ms > 86400000)
			cfg_errf(c, cfg_node(c, vi, -1, "udp_idle_timeout"),
				 "udp_idle_timeout: must be a duration from 1s to 24h (like 30s), "
				 "got \"%s\"%s",
				 v->udp_idle_timeout,
				 duration_hint(v->udp_idle_timeout, h, sizeof(h)));
		else
			v->udp_timeout_s = (uint32_t)(ms / 1000);
	}
	for (j = 0; j < vi; j++) {
		struct cfg_vip *o = &cfg->vips[j];

		if (v->addr.family && !memcmp(&o->addr, &v->addr, sizeof(v->addr)) &&
		    o->port == v->port && o->protocol == v->protocol)
			cfg_errf(c, cfg_node(c, vi, -1, "address"),
				 "duplicate vip: %s port %u %s is vip \"%s\" already", v->address,
				 v->port, v->protocol == CFG_PROTO_TCP ? "tcp" : "udp", o->name);
	}
	if (v->check)
		validate_check(c, v->check, vi, -1);
	for (bi = 0; bi < v->backends_count; bi++) {
		struct cfg_backend *b = &v->backends[bi];

		validate_backend(c, v, vi, (int)bi, cfg_vip_fwd(cfg, v));
		/* a tunnel needs an outer source of the backend's family */
		if (cfg_vip_fwd(cfg, v) != CFG_FWD_DSR && b->addr.family &&
		    !(b->addr.family == XLB_AF_INET ? cfg->tun_src4.family : cfg->tun_src6.family))
			cfg_errf(c, cfg_node(c, vi, (int)bi, "address"),
				 "address: a %s tunnel to %s needs %s",
				 cfg_vip_fwd(cfg, v) == CFG_FWD_GUE ? "gue" : "ipip", b->address,
				 b->addr.family == XLB_AF_INET
					 ? "tunnel_source (or tunnel_source: flow and "
					   "tunnel_flow_prefix)"
					 : "tunnel_source6 (or tunnel_source: flow and "
					   "tunnel_flow_prefix6)");
	}
	/* merged checks make sense only once their parts do */
	for (bi = 0; !c->nerr && bi < v->backends_count; bi++)
		validate_merged_check(c, v, vi, (int)bi);
}

int cfg_vip_fwd(const struct cfg *cfg, const struct cfg_vip *v)
{
	if (v->forwarding)
		return v->forwarding;
	return cfg->forwarding ? cfg->forwarding : CFG_FWD_DSR;
}

/* "A/LEN" into an address and a prefix length; 0 or -EINVAL. */
static int parse_prefix(const char *s, struct xlb_addr *a, uint32_t *len)
{
	char buf[64], *slash;
	char *end;
	unsigned long l;

	if (!s || strlen(s) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	l = strtoul(slash + 1, &end, 10);
	if (*end || end == slash + 1 || cfg_parse_addr(buf, a))
		return -EINVAL;
	*len = (uint32_t)l;
	return 0;
}

static void validate_tunnel(struct cfg_ctx *c, struct cfg *cfg)
{
	struct xlb_addr a;

	if (cfg->max_flows && (cfg->max_flows < 1024 || cfg->max_flows > CFG_MAX_FLOWS_LIMIT))
		cfg_errf(c, cfg_node(c, -1, -1, "max_flows"),
			 "max_flows: must be 1024..%u (about 120 bytes each), got %u",
			 CFG_MAX_FLOWS_LIMIT, cfg->max_flows);
	if (cfg->gue_port > 65535)
		cfg_errf(c, cfg_node(c, -1, -1, "gue_port"), "gue_port: must be 1..65535, got %u",
			 cfg->gue_port);
	if (!cfg->gue_port)
		cfg->gue_port = XLB_GUE_PORT_DEFAULT;
	/* (not given, 0: the interface's, as xlbd finds it) */
	if (cfg->mtu && (cfg->mtu < 576 || cfg->mtu > 65535))
		cfg_errf(c, cfg_node(c, -1, -1, "mtu"), "mtu: must be 576..65535, got %u",
			 cfg->mtu);
	/* true by default: absence must be told from false */
	if (!c->have_doc || !ymap_get(&c->doc, yaml_document_get_root_node(&c->doc), "icmp_echo"))
		cfg->icmp_echo = 1;
	cfg->tun_flow = cfg->tunnel_source && !strcmp(cfg->tunnel_source, "flow");
	if (cfg->tun_flow) {
		if (cfg->tunnel_source6)
			cfg_errf(c, cfg_node(c, -1, -1, "tunnel_source6"),
				 "tunnel_source6: with tunnel_source: flow, give "
				 "tunnel_flow_prefix6 instead");
		if (cfg->tunnel_flow_prefix &&
		    (parse_prefix(cfg->tunnel_flow_prefix, &cfg->tun_src4, &cfg->tun_len4) ||
		     cfg->tun_src4.family != XLB_AF_INET || cfg->tun_len4 < 8 ||
		     cfg->tun_len4 > 30))
			cfg_errf(c, cfg_node(c, -1, -1, "tunnel_flow_prefix"),
				 "tunnel_flow_prefix: an IPv4 prefix of /8 to /30, got \"%s\"",
				 cfg->tunnel_flow_prefix);
		if (cfg->tunnel_flow_prefix6 &&
		    (parse_prefix(cfg->tunnel_flow_prefix6, &cfg->tun_src6, &cfg->tun_len6) ||
		     cfg->tun_src6.family != XLB_AF_INET6 || cfg->tun_len6 < 96 ||
		     cfg->tun_len6 > 126))
			cfg_errf(c, cfg_node(c, -1, -1, "tunnel_flow_prefix6"),
				 "tunnel_flow_prefix6: an IPv6 prefix of /96 to /126, got \"%s\"",
				 cfg->tunnel_flow_prefix6);
		return;
	}
	if (cfg->tunnel_flow_prefix || cfg->tunnel_flow_prefix6)
		cfg_errf(c,
			 cfg_node(c, -1, -1,
				  cfg->tunnel_flow_prefix ? "tunnel_flow_prefix"
							  : "tunnel_flow_prefix6"),
			 "tunnel_flow_prefix: only with tunnel_source: flow");
	if (cfg->tunnel_source) {
		if (cfg_parse_addr(cfg->tunnel_source, &a) || a.family != XLB_AF_INET)
			cfg_errf(c, cfg_node(c, -1, -1, "tunnel_source"),
				 "tunnel_source: an IPv4 address or \"flow\", got \"%s\"",
				 cfg->tunnel_source);
		else
			cfg->tun_src4 = a;
	}
	if (cfg->tunnel_source6) {
		if (cfg_parse_addr(cfg->tunnel_source6, &a) || a.family != XLB_AF_INET6)
			cfg_errf(c, cfg_node(c, -1, -1, "tunnel_source6"),
				 "tunnel_source6: an IPv6 address, got \"%s\"",
				 cfg->tunnel_source6);
		else
			cfg->tun_src6 = a;
	}
}

static yaml_node_t *announce_node(struct cfg_ctx *c, const char *key)
{
	yaml_node_t *n = cfg_node(c, -1, -1, "announce"), *m;

	if (key && c->have_doc && (m = ymap_get(&c->doc, n, key)))
		return m;
	return n;
}

static void announce_duration(struct cfg_ctx *c, const char *key, const char *s, uint64_t *out)
{
	uint64_t ms;
	char h[96];

	if (!s)
		return;
	if (cfg_parse_duration_ms(s, &ms) || ms > 600000)
		cfg_errf(c, announce_node(c, key),
			 "announce: %s: must be a duration from 0s to 10m (like 5s), got \"%s\"%s",
			 key, s, duration_hint(s, h, sizeof(h)));
	else
		*out = ms;
}

static void validate_announce(struct cfg_ctx *c, struct cfg *cfg)
{
	struct cfg_announce *a = cfg->announce;

	if (!a)
		return;
	if (!a->table)
		a->table = CFG_ANNOUNCE_TABLE_DEFAULT;
	/* 253..255 are the kernel's default, main and local tables */
	if (a->table >= 253 && a->table <= 255)
		cfg_errf(c, announce_node(c, "table"),
			 "announce: table: %u is the kernel's %s table; choose one no ip rule "
			 "reads, like 200",
			 a->table,
			 a->table == 253   ? "default"
			 : a->table == 254 ? "main"
					   : "local");
	a->min_healthy_set = a->min_healthy > 0;
	if (!a->min_healthy)
		a->min_healthy = 1;
	if (a->min_healthy > XLB_MAX_BACKENDS)
		cfg_errf(c, announce_node(c, "min_healthy"),
			 "announce: min_healthy: must be 1..%d, got %u", XLB_MAX_BACKENDS,
			 a->min_healthy);
	a->hold_down_ms = CFG_ANNOUNCE_HOLD_DOWN_MS;
	a->withdraw_delay_ms = CFG_ANNOUNCE_WITHDRAW_DELAY_MS;
	announce_duration(c, "hold_down", a->hold_down, &a->hold_down_ms);
	announce_duration(c, "withdraw_delay", a->withdraw_delay, &a->withdraw_delay_ms);
}

static void validate(struct cfg_ctx *c, struct cfg *cfg)
{
	unsigned vi, total = 0;

	validate_tunnel(c, cfg);
	validate_announce(c, cfg);

	if (cfg->interface && (!*cfg->interface || strlen(cfg->interface) >= 16))
		cfg_errf(c, cfg_node(c, -1, -1, "interface"),
			 "interface: not an interface name: \"%s\"", cfg->interface);
	if (cfg->pin_path && cfg->pin_path[0] != '/')
		cfg_errf(c, cfg_node(c, -1, -1, "pin_path"),
			 "pin_path: must be absolute, got \"%s\"", cfg->pin_path);
	else if (cfg->pin_path && cfg_clean_path(cfg->pin_path))
		cfg_errf(c, cfg_node(c, -1, -1, "pin_path"),
			 "pin_path: write it without \"..\" and not as /, got \"%s\"",
			 cfg->pin_path);
	if (cfg->control_socket &&
	    (cfg->control_socket[0] != '/' || strlen(cfg->control_socket) >= 108))
		cfg_errf(c, cfg_node(c, -1, -1, "control_socket"),
			 "control_socket: must be an absolute path under 108 characters");
	if (cfg->control_socket_read_only && (cfg->control_socket_read_only[0] != '/' ||
					      strlen(cfg->control_socket_read_only) >= 108))
		cfg_errf(c, cfg_node(c, -1, -1, "control_socket_read_only"),
			 "control_socket_read_only: must be an absolute path under 108 characters");
	else if (cfg->control_socket_read_only &&
		 !strcmp(cfg->control_socket_read_only,
			 cfg->control_socket ? cfg->control_socket : CFG_SOCKET_DEFAULT))
		cfg_errf(c, cfg_node(c, -1, -1, "control_socket_read_only"),
			 "control_socket_read_only: must not be the control_socket");
	if (cfg->metrics_listen &&
	    cfg_parse_listen(cfg->metrics_listen, &cfg->metrics_addr, &cfg->metrics_port))
		cfg_errf(c, cfg_node(c, -1, -1, "metrics_listen"),
			 "metrics_listen: ADDRESS:PORT or [IPV6]:PORT, got \"%s\"",
			 cfg->metrics_listen);
	if (cfg->vips_count > XLB_MAX_VIPS)
		cfg_errf(c, cfg_node(c, -1, -1, "vips"),
			 "vips: %u VIPs, more than the %d the maps hold (XLB_MAX_VIPS)",
			 cfg->vips_count, XLB_MAX_VIPS);
	for (vi = 0; vi < cfg->vips_count; vi++) {
		validate_vip(c, cfg, (int)vi);
		total += cfg->vips[vi].backends_count;
	}
	if (total > XLB_MAX_BACKENDS)
		cfg_errf(c, cfg_node(c, -1, -1, "vips"),
			 "vips: %u backends in all, more than the %d the maps hold "
			 "(XLB_MAX_BACKENDS)",
			 total, XLB_MAX_BACKENDS);
}

/* libcyaml leaves absent optional scalars zero: give them their defaults. */
static void apply_defaults(struct cfg *cfg)
{
	unsigned vi;

	if (!cfg->pin_path)
		cfg->pin_path = strdup(CFG_PIN_PATH_DEFAULT);
	if (!cfg->control_socket)
		cfg->control_socket = strdup(CFG_SOCKET_DEFAULT);
	for (vi = 0; vi < cfg->vips_count; vi++) {
		struct cfg_vip *v = &cfg->vips[vi];

		if (!v->ring_size)
			v->ring_size = XLB_RING_SIZE_DEFAULT;
		v->udp_timeout_s = XLB_UDP_TIMEOUT_DEFAULT;
	}
}

static const cyaml_config_t *cyaml_cfg(struct cfg_ctx *c)
{
	static cyaml_config_t cc;

	cc.log_fn = cyaml_log_collect;
	cc.log_ctx = c;
	cc.mem_fn = cyaml_mem;
	cc.log_level = CYAML_LOG_ERROR;
	/* check_keys() has reported them all already */
	cc.flags = CYAML_CFG_IGNORE_UNKNOWN_KEYS;
	return &cc;
}

/*
 * Weight defaults to 100, and 0 is a valid weight, so absence must be told
 * apart from 0: look in the document.
 */
static void default_weights(struct cfg_ctx *c, struct cfg *cfg)
{
	unsigned vi, bi;

	for (vi = 0; vi < cfg->vips_count; vi++)
		for (bi = 0; bi < cfg->vips[vi].backends_count; bi++) {
			yaml_node_t *b = cfg_node(c, (int)vi, (int)bi, NULL);

			if (!ymap_get(&c->doc, b, "weight"))
				cfg->vips[vi].backends[bi].weight = 100;
		}
}

/*
 * Read the file once, into memory: a regular file of at most CFG_MAX_BYTES,
 * opened without blocking (a FIFO put in its place must not hang a reload).
 * Both parsers read this copy, so they see the same bytes.
 */
static int read_file(struct cfg_ctx *c)
{
	struct stat st;
	ssize_t n;
	int fd, err = 0;

	fd = open(c->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
	} else if (!S_ISREG(st.st_mode)) {
		fprintf(c->err, "%s: not a regular file\n", c->path);
		err = -EINVAL;
	} else if (st.st_size > CFG_MAX_BYTES) {
		fprintf(c->err, "%s: %lld bytes; a configuration has at most %d bytes (%d MiB)\n",
			c->path, (long long)st.st_size, CFG_MAX_BYTES, CFG_MAX_BYTES >> 20);
		err = -EFBIG;
	} else if (!(c->text = malloc((size_t)st.st_size + 1))) {
		err = -ENOMEM;
	} else {
		n = read(fd, c->text, (size_t)st.st_size);
		if (n < 0) {
			err = -errno;
		} else {
			c->text_len = (size_t)n;
			c->text[n] = '\0';
		}
	}
	close(fd);
	return err;
}

/*
 * YAML aliases (*name) let a small file stand for a huge one: a few KiB of
 * them expanded to thousands of VIPs. A configuration has no need of them;
 * in the document an alias is a node that two places refer to.
 */
static void refuse_aliases(struct cfg_ctx *c)
{
	size_t n = (size_t)(c->doc.nodes.top - c->doc.nodes.start), i;
	unsigned char *refs = calloc(n + 1, 1);
	yaml_node_t *node;

	if (!refs)
		return;
	for (node = c->doc.nodes.start; node < c->doc.nodes.top; node++) {
		yaml_node_item_t *it;
		yaml_node_pair_t *p;
		int ids[2];

		if (node->type == YAML_SEQUENCE_NODE) {
			for (it = node->data.sequence.items.start;
			     it < node->data.sequence.items.top; it++)
				if (*it > 0 && (size_t)*it <= n && refs[*it] < 2)
					refs[*it]++;
		} else if (node->type == YAML_MAPPING_NODE) {
			for (p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top;
			     p++) {
				ids[0] = p->key;
				ids[1] = p->value;
				for (i = 0; i < 2; i++)
					if (ids[i] > 0 && (size_t)ids[i] <= n && refs[ids[i]] < 2)
						refs[ids[i]]++;
			}
		}
	}
	for (i = 1; i <= n; i++)
		if (refs[i] > 1) {
			cfg_errf(c, yaml_document_get_node(&c->doc, (int)i),
				 "aliases (*name) are not allowed in a configuration");
			break;
		}
	free(refs);
}

static int load_doc(struct cfg_ctx *c)
{
	yaml_parser_t p;
	int ok, err;

	err = read_file(c);
	if (err)
		return err;
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)c->text, c->text_len);
	ok = yaml_parser_load(&p, &c->doc);
	if (!ok) {
		/* a syntax error: libyaml knows exactly where */
		fprintf(c->err, "%s:%zu:%zu: %s%s%s\n", c->path, p.problem_mark.line + 1,
			p.problem_mark.column + 1, p.problem ? p.problem : "syntax error",
			p.context ? " " : "", p.context ? p.context : "");
		c->nerr++;
	}
	yaml_parser_delete(&p);
	c->have_doc = ok && yaml_document_get_root_node(&c->doc);
	if (ok && !c->have_doc)
		yaml_document_delete(&c->doc);
	if (c->have_doc)
		refuse_aliases(c);
	return 0;
}

int cfg_load(const char *path, struct cfg **out, FILE *err)
{
	struct cfg_ctx *c;
	struct cfg *cfg = NULL;
	cyaml_err_t e;
	int ret = 0;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->path = path;
	c->err = err;
	ret = load_doc(c);
	if (ret) {
		if (ret != -EINVAL && ret != -EFBIG) /* those said what is wrong */
			fprintf(err, "%s: %s\n", path, strerror(-ret));
		goto out;
	}
	if (c->nerr) {
		ret = -EINVAL;
		goto out;
	}
	if (c->have_doc)
		check_keys(c, yaml_document_get_root_node(&c->doc), &top_schema);

	e = cyaml_load_data((const uint8_t *)c->text, c->text_len, cyaml_cfg(c), &top_schema,
			    (cyaml_data_t **)&cfg, NULL);
	if (e != CYAML_OK) {
		cfg_report_cyaml(c, e);
		ret = -EINVAL;
		goto out;
	}
	if (!cfg) {
		fprintf(err, "%s: empty configuration\n", path);
		ret = -EINVAL;
		goto out;
	}
	apply_defaults(cfg);
	if (c->have_doc)
		default_weights(c, cfg);
	validate(c, cfg);
	if (c->nerr) {
		ret = -EINVAL;
		cfg_free(cfg);
		cfg = NULL;
	}
out:
	if (c->have_doc)
		yaml_document_delete(&c->doc);
	free(c->text);
	free(c);
	if (!ret)
		*out = cfg;
	return ret;
}

void cfg_free(struct cfg *cfg)
{
	if (cfg)
		cyaml_free(cyaml_cfg(NULL), &top_schema, cfg, 0);
}

/* ---- the difference between two configurations -------------------------------- */

/*
 * Walked through the schema, so that every key the parser accepts is
 * compared, and a key added to the schema is compared without a line more
 * here. VIPs are matched by name, backends by address; any other list is
 * one value.
 */
struct diff_walk {
	cfg_diff_fn fn;
	void *ctx;
	struct cfg_diff_item it;
};

static const void *deref(const cyaml_schema_value_t *v, const void *p)
{
	return p && (v->flags & CYAML_FLAG_POINTER) ? *(const void *const *)p : p;
}

static int64_t read_int(const void *p, uint32_t size, int is_signed)
{
	switch (size) {
	case 1:
		return is_signed ? (int64_t) * (const int8_t *)p : (int64_t) * (const uint8_t *)p;
	case 2:
		return is_signed ? (int64_t) * (const int16_t *)p : (int64_t) * (const uint16_t *)p;
	case 4:
		return is_signed ? (int64_t) * (const int32_t *)p : (int64_t) * (const uint32_t *)p;
	default:
		return *(const int64_t *)p;
	}
}

/* A scalar as text: p is where the field lies (NULL: its mapping is absent). */
static void scalar_str(const cyaml_schema_value_t *v, const void *p, char *buf, size_t len)
{
	uint32_t i;
	int64_t x;

	p = deref(v, p);
	if (!p) {
		snprintf(buf, len, "(none)");
		return;
	}
	switch (v->type) {
	case CYAML_STRING:
		snprintf(buf, len, "%s", (const char *)p);
		return;
	case CYAML_BOOL:
		snprintf(buf, len, "%s", read_int(p, v->data_size, 0) ? "true" : "false");
		return;
	case CYAML_ENUM:
		x = read_int(p, v->data_size, 1);
		for (i = 0; i < v->enumeration.count; i++)
			if (v->enumeration.strings[i].val == x) {
				snprintf(buf, len, "%s", v->enumeration.strings[i].str);
				return;
			}
		snprintf(buf, len, "(default)");
		return;
	case CYAML_INT:
		snprintf(buf, len, "%lld", (long long)read_int(p, v->data_size, 1));
		return;
	default:
		snprintf(buf, len, "%llu", (unsigned long long)read_int(p, v->data_size, 0));
		return;
	}
}

static unsigned seq_count(const cyaml_schema_field_t *f, const void *m)
{
	return m ? (unsigned)read_int((const char *)m + f->count_offset, f->count_size, 0) : 0;
}

/* Entry i of a sequence (the array's address is at p). */
static const void *seq_entry(const cyaml_schema_field_t *f, const void *p, unsigned i)
{
	const cyaml_schema_value_t *e = f->value.sequence.entry;
	const char *arr = deref(&f->value, p);
	size_t stride = (e->flags & CYAML_FLAG_POINTER) ? sizeof(void *) : e->data_size;

	return arr + i * stride;
}

static void emit(struct diff_walk *w, const char *key, const char *old, const char *new)
{
	w->it.key = key;
	w->it.old = old;
	w->it.new = new;
	w->fn(w->ctx, &w->it);
}

static void diff_fields(struct diff_walk *w, const char *prefix, const cyaml_schema_field_t *f,
			const void *a, const void *b);

/* The identity of a VIP (its name) or a backend (its address, one spelling). */
static void entry_id(const cyaml_schema_field_t *f, const void *entry, char *buf, size_t len)
{
	const cyaml_schema_field_t *k = f->value.sequence.entry->mapping.fields;
	const char *s = *(const char *const *)((const char *)entry + k->data_offset);
	struct xlb_addr a;

	if (!strcmp(k->key, "address") && !cfg_parse_addr(s, &a))
		cfg_addr_str(&a, buf, len);
	else
		snprintf(buf, len, "%s", s ? s : "");
}

static const void *entry_find(const cyaml_schema_field_t *f, const void *m, const void *p,
			      const char *id)
{
	unsigned i, n = seq_count(f, m);
	char buf[128];

	for (i = 0; i < n; i++) {
		entry_id(f, seq_entry(f, p, i), buf, sizeof(buf));
		if (!strcmp(buf, id))
			return seq_entry(f, p, i);
	}
	return NULL;
}

/* vips and backends: matched by their first key; a scope each. */
static void diff_keyed(struct diff_walk *w, const cyaml_schema_field_t *f, const void *ma,
		       const void *pa, const void *mb, const void *pb)
{
	const cyaml_schema_field_t *fields = f->value.sequence.entry->mapping.fields;
	int is_vip = !strcmp(f->key, "vips");
	struct cfg_diff_item saved = w->it;
	unsigned i, n;
	char id[128];

	/* in a: removed or changed; then in b alone: added */
	for (n = seq_count(f, ma), i = 0; i < n; i++) {
		const void *ea = seq_entry(f, pa, i), *eb;

		entry_id(f, ea, id, sizeof(id));
		eb = entry_find(f, mb, pb, id);
		if (is_vip)
			w->it.vip = id;
		else
			w->it.backend = id;
		if (!eb)
			emit(w, "", "present", "(none)");
		else
			diff_fields(w, "", fields, ea, eb);
		w->it = saved;
	}
	for (n = seq_count(f, mb), i = 0; i < n; i++) {
		const void *eb = seq_entry(f, pb, i);

		entry_id(f, eb, id, sizeof(id));
		if (entry_find(f, ma, pa, id))
			continue;
		if (is_vip)
			w->it.vip = id;
		else
			w->it.backend = id;
		emit(w, "", "(none)", "present");
		w->it = saved;
	}
}

/* Any other list, as one value: its entries joined by ", ". */
static void seq_str(const cyaml_schema_field_t *f, const void *m, const void *p, char *buf,
		    size_t len)
{
	unsigned i, n = seq_count(f, m);
	size_t o = 0;
	char e[256];

	if (!m || !deref(&f->value, p)) {
		snprintf(buf, len, "(none)");
		return;
	}
	buf[0] = 0;
	for (i = 0; i < n && o < len; i++) {
		scalar_str(f->value.sequence.entry, seq_entry(f, p, i), e, sizeof(e));
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", e);
	}
}

static void diff_fields(struct diff_walk *w, const char *prefix, const cyaml_schema_field_t *f,
			const void *a, const void *b)
{
	char key[96], va[512], vb[512];

	for (; f->key; f++) {
		const void *pa = a ? (const char *)a + f->data_offset : NULL;
		const void *pb = b ? (const char *)b + f->data_offset : NULL;

		snprintf(key, sizeof(key), "%s%s", prefix, f->key);
		switch (f->value.type) {
		case CYAML_MAPPING:
			snprintf(key, sizeof(key), "%s%s.", prefix, f->key);
			diff_fields(w, key, f->value.mapping.fields, deref(&f->value, pa),
				    deref(&f->value, pb));
			continue;
		case CYAML_SEQUENCE:
			if (f->value.sequence.entry->type == CYAML_MAPPING) {
				diff_keyed(w, f, a, pa, b, pb);
				continue;
			}
			seq_str(f, a, pa, va, sizeof(va));
			seq_str(f, b, pb, vb, sizeof(vb));
			break;
		default:
			scalar_str(&f->value, pa, va, sizeof(va));
			scalar_str(&f->value, pb, vb, sizeof(vb));
			break;
		}
		if (strcmp(va, vb))
			emit(w, key, va, vb);
	}
}

void cfg_diff(const struct cfg *a, const struct cfg *b, cfg_diff_fn fn, void *ctx)
{
	struct diff_walk w = { .fn = fn, .ctx = ctx };

	diff_fields(&w, "", top_fields, a, b);
}

static void keys_of(const cyaml_schema_field_t *f, int scope, const char *prefix,
		    void (*fn)(void *ctx, int scope, const char *key), void *ctx)
{
	char key[96];

	for (; f->key; f++) {
		snprintf(key, sizeof(key), "%s%s", prefix, f->key);
		if (f->value.type == CYAML_MAPPING) {
			snprintf(key, sizeof(key), "%s%s.", prefix, f->key);
			keys_of(f->value.mapping.fields, scope, key, fn, ctx);
		} else if (f->value.type == CYAML_SEQUENCE &&
			   f->value.sequence.entry->type == CYAML_MAPPING) {
			keys_of(f->value.sequence.entry->mapping.fields, scope + 1, "", fn, ctx);
		} else {
			fn(ctx, scope, key);
		}
	}
}

void cfg_keys(void (*fn)(void *ctx, int scope, const char *key), void *ctx)
{
	keys_of(top_fields, 0, "", fn, ctx);
}
