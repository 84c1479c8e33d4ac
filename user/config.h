/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The configuration file: loading, validation, and the model it produces.
 * Every error names the file, line and column and what is wrong there.
 */
#ifndef XLB_CONFIG_H
#define XLB_CONFIG_H

#include <stdint.h>
#include <stdio.h>
#include "xlb_abi.h"

enum cfg_xdp_mode { CFG_XDP_AUTO, CFG_XDP_NATIVE, CFG_XDP_GENERIC };
enum cfg_forwarding { CFG_FWD_DSR };
enum cfg_proto { CFG_PROTO_TCP, CFG_PROTO_UDP };
enum cfg_state { CFG_STATE_UP, CFG_STATE_DRAIN, CFG_STATE_DOWN };

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
	/* parsed */
	struct xlb_addr addr;
	uint8_t mac_bytes[6];
	int has_mac;
};

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
	uint32_t max_flows;
	struct cfg_vip *vips;
	unsigned vips_count;
};

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
int cfg_parse_duration_ms(const char *s, uint64_t *ms);
int cfg_parse_scheduler(const char *s);
const char *cfg_scheduler_name(int sched);
const char *cfg_state_name(enum cfg_state st);
int cfg_parse_state(const char *s);
void cfg_addr_str(const struct xlb_addr *a, char *buf, size_t len);

#endif /* XLB_CONFIG_H */
