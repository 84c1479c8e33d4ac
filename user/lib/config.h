/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The configuration file: loading, validation, and the model it produces.
 * Every error names the file, line and column and what is wrong there.
 */
#ifndef XLB_CONFIG_H
#define XLB_CONFIG_H

#include <stdint.h>
#include <stdio.h>
#include "names.h" /* the file's enums and their words */
#include "xlb_abi.h"

/* One inclusive range of HTTP status codes. */
struct cfg_status_range {
	uint16_t lo, hi;
};

#define CFG_MAX_STATUS_RANGES 16
#define CFG_MAX_BYTES	      (1 << 20)	 /* of a configuration file */
#define CFG_MAX_FLOWS_LIMIT   (1U << 26) /* max_flows: 64M flows, some 8 GiB */
#define CFG_MAX_ERRORS	      20	 /* reported by one load; then it stops */

/*
 * A health check as written (strings, zero for "not given"), and parsed. A
 * backend's check: overrides, field by field, its VIP's.
 */
struct cfg_check {
	enum cfg_check_type type;
	uint32_t port;
	char *path;
	char *host;
	char **expect_status;
	unsigned expect_status_count;
	char *expect_body;
	char *send;
	char *expect;
	char *command;
	char *interval;
	char *fast_interval;
	char *timeout;
	uint32_t rise;
	uint32_t fall;
	enum cfg_initial initial_state;
	char *slow_start;
	int tls_verify; /* -1 not given (libcyaml leaves 0: see check_defaults) */
	/* parsed */
	uint64_t interval_ms, fast_interval_ms, timeout_ms, slow_start_ms;
	struct cfg_status_range status[CFG_MAX_STATUS_RANGES];
	unsigned nstatus;
	int have_tls_verify;
};

/* An address as the data plane keeps it: family and 16 bytes, IPv4 first. */
struct xlb_addr {
	uint8_t family; /* XLB_AF_INET or XLB_AF_INET6 */
	uint8_t pad[3];
	__be32 a[4];
};

struct cfg_backend {
	/* as written */
	char *address;
	uint32_t weight;
	enum cfg_state state;
	char *mac;
	struct cfg_check *check; /* overrides the VIP's, field by field */
	/* parsed */
	struct xlb_addr addr;
	uint8_t mac_bytes[6];
	int has_mac;
};

/*
 * announce: the VIPs as routes in a kernel table, for a routing daemon
 * (BIRD, FRR) to announce over BGP. Absent: nothing is announced.
 */
struct cfg_announce {
	uint32_t table;	      /* the kernel routing table (no ip rule reads it) */
	uint32_t min_healthy; /* backends in a VIP's ring for it to be announced */
	char *hold_down;      /* eligible this long before it is announced */
	char *withdraw_delay; /* detach: withdraw, wait this long, then detach */
	/* parsed */
	uint64_t hold_down_ms, withdraw_delay_ms;
	int min_healthy_set;
};

#define CFG_ANNOUNCE_TABLE_DEFAULT     200
#define CFG_ANNOUNCE_HOLD_DOWN_MS      5000
#define CFG_ANNOUNCE_WITHDRAW_DELAY_MS 3000

struct cfg_vip {
	char *name;
	char *address;
	uint32_t port;
	enum cfg_proto protocol;
	int scheduler; /* XLB_SCHED_* */
	uint32_t ring_size;
	char *udp_idle_timeout;
	struct cfg_backend *backends;
	unsigned backends_count;
	struct cfg_check *check;
	enum cfg_all_down on_all_down;
	enum cfg_forwarding forwarding; /* CFG_FWD_DEFAULT: the instance's */
	uint32_t announce_min_healthy;	/* 0: announce.min_healthy */
	/* parsed */
	struct xlb_addr addr;
	uint32_t udp_timeout_s;
};

struct cfg {
	char *interface;
	enum cfg_xdp_mode xdp_mode;
	enum cfg_forwarding forwarding;
	char *pin_path;
	char *control_socket;
	char *control_socket_read_only; /* a second socket that answers reads only; NULL: none */
	char *metrics_listen; /* "ADDR:PORT" ("[V6]:PORT") of the Prometheus endpoint; NULL: none */
	struct cfg_announce *announce;
	uint32_t max_flows;
	char *tunnel_source;	   /* outer IPv4 source, or "flow" */
	char *tunnel_source6;	   /* outer IPv6 source */
	char *tunnel_flow_prefix;  /* with tunnel_source: flow, IPv4 A.B.C.D/LEN */
	char *tunnel_flow_prefix6; /* with tunnel_source: flow, IPv6 X::/LEN (LEN >= 96) */
	uint32_t gue_port;
	uint32_t mtu;  /* of the tunnels' path; 0 (not given): the interface's */
	int icmp_echo; /* answer ping to VIPs; true unless written false */
	struct cfg_vip *vips;
	unsigned vips_count;
	/* parsed */
	int tun_flow;
	struct xlb_addr tun_src4, tun_src6;
	uint32_t tun_len4, tun_len6; /* prefix lengths with tunnel_source: flow */
	struct xlb_addr metrics_addr;
	uint16_t metrics_port;
};

/* The data plane's mode for a VIP: its own, else the instance's, else dsr. */
int cfg_vip_fwd(const struct cfg *cfg, const struct cfg_vip *v);
/* A VIP name: 1 to 31 letters, digits, '_', '.' or '-'. */
int cfg_name_ok(const char *s);

#define CFG_PIN_PATH_DEFAULT "/sys/fs/bpf/xlb"
#define CFG_SOCKET_DEFAULT   "/run/xlb/xlbd.sock"

/*
 * Load and validate path. On success return 0 and *out; on failure return
 * -EINVAL (or -errno) and write one line per error to err ("FILE:L:C: ...").
 */
int cfg_load(const char *path, struct cfg **out, FILE *err);
void cfg_free(struct cfg *cfg);

/* Parsers shared with the control API. 0 or -EINVAL. */
int cfg_parse_addr(const char *s, struct xlb_addr *a);
int cfg_parse_mac(const char *s, uint8_t mac[6]);
/* "ADDR:PORT" or "[V6ADDR]:PORT", port 1..65535. */
int cfg_parse_listen(const char *s, struct xlb_addr *a, uint16_t *port);
/* A duration with its unit; -EDOM for a bare number (no unit to read it by). */
int cfg_parse_duration_ms(const char *s, uint64_t *ms);
/* An absolute path folded to one spelling, in place; -EINVAL for ".." or "/". */
int cfg_clean_path(char *path);
/* "200-299", "301": one range; 0 or -EINVAL. */
int cfg_parse_status_range(const char *s, struct cfg_status_range *r);
/*
 * The check of backend b of vip v: the VIP's with the backend's fields laid
 * over it, defaults filled in. Return 0 with *out set, or -ENOENT if neither
 * has a check. out owns nothing: its strings point into the config.
 */
int cfg_backend_check(const struct cfg_vip *v, const struct cfg_backend *b, struct cfg_check *out);
void cfg_addr_str(const struct xlb_addr *a, char *buf, size_t len);

/*
 * One difference between two configurations: a key of the instance (vip and
 * backend NULL), of a VIP, or of one of its backends, by its name in the
 * file ("announce.hold_down", "check.expect", "weight"), with both values as
 * text, "(none)" where absent. A VIP or backend on one side only is one
 * item with key "" and the values "present" and "(none)".
 */
struct cfg_diff_item {
	const char *vip, *backend;
	const char *key;
	const char *old, *new;
};
typedef void (*cfg_diff_fn)(void *ctx, const struct cfg_diff_item *it);
/* Every difference of b from a, key by key, through the parser's own schema. */
void cfg_diff(const struct cfg *a, const struct cfg *b, cfg_diff_fn fn, void *ctx);
/* Every key the parser accepts, as cfg_diff names it; scope 0 instance, 1 VIP, 2 backend. */
void cfg_keys(void (*fn)(void *ctx, int scope, const char *key), void *ctx);
/* "address:port", or "[address]:port" for IPv6: a, four words as in xlb_flow_key. */
void cfg_endpoint_str(int family, const __be32 *a, __be16 port, char *buf, size_t len);

#endif /* XLB_CONFIG_H */
