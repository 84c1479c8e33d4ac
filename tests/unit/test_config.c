// SPDX-License-Identifier: GPL-2.0
/*
 * Configuration: a good file loads with its defaults; every bad file is
 * refused with the exact message an operator will read.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"

#define HEAD "interface: eth0\nvips:\n  - name: web\n    address: 10.0.0.100\n    port: 80\n"
#define BE   "    backends:\n      - address: 10.0.0.11\n"

static char dir[] = "/tmp/xlb-test-config-XXXXXX";

static int load_text(const char *text, struct cfg **cfg, char *err, size_t errlen)
{
	FILE *f = fopen("xlb.yaml", "w");
	FILE *e = fmemopen(err, errlen, "w");
	int rc;

	assert_non_null(f);
	assert_non_null(e);
	fputs(text, f);
	fclose(f);
	memset(err, 0, errlen);
	rc = cfg_load("xlb.yaml", cfg, e);
	fclose(e);
	return rc;
}

static void test_full_config_loads_with_its_values(void **state)
{
	struct cfg *cfg = NULL;
	char err[1024];

	(void)state;
	assert_int_equal(load_text("interface: eth1\nxdp_mode: native\nforwarding: dsr\n"
				   "pin_path: /sys/fs/bpf/x\ncontrol_socket: /run/x.sock\n"
				   "vips:\n  - name: web\n    address: 10.0.0.100\n    port: 80\n"
				   "    protocol: udp\n    scheduler: source-ip\n"
				   "    ring_size: 257\n    udp_idle_timeout: 2m\n"
				   "    backends:\n      - address: 10.0.0.11\n        weight: 7\n"
				   "        state: drain\n        mac: 02:00:00:00:00:11\n",
				   &cfg, err, sizeof(err)),
			 0);
	assert_string_equal(err, "");
	assert_string_equal(cfg->interface, "eth1");
	assert_int_equal(cfg->xdp_mode, CFG_XDP_NATIVE);
	assert_string_equal(cfg->pin_path, "/sys/fs/bpf/x");
	assert_string_equal(cfg->control_socket, "/run/x.sock");
	assert_int_equal(cfg->vips_count, 1);
	assert_int_equal(cfg->vips[0].protocol, CFG_PROTO_UDP);
	assert_int_equal(cfg->vips[0].scheduler, XLB_SCHED_SOURCE_IP);
	assert_int_equal(cfg->vips[0].ring_size, 257);
	assert_int_equal(cfg->vips[0].udp_timeout_s, 120);
	assert_int_equal(cfg->vips[0].addr.family, XLB_AF_INET);
	assert_int_equal(cfg->vips[0].backends[0].weight, 7);
	assert_int_equal(cfg->vips[0].backends[0].state, CFG_STATE_DRAIN);
	assert_int_equal(cfg->vips[0].backends[0].has_mac, 1);
	assert_int_equal(cfg->vips[0].backends[0].mac_bytes[5], 0x11);
	cfg_free(cfg);
}

static void test_defaults_fill_what_is_not_written(void **state)
{
	struct cfg *cfg = NULL;
	char err[1024];

	(void)state;
	assert_int_equal(load_text(HEAD BE "      - address: 10.0.0.12\n        weight: 0\n", &cfg,
				   err, sizeof(err)),
			 0);
	assert_int_equal(cfg->xdp_mode, CFG_XDP_AUTO);
	assert_string_equal(cfg->pin_path, CFG_PIN_PATH_DEFAULT);
	assert_string_equal(cfg->control_socket, CFG_SOCKET_DEFAULT);
	assert_int_equal(cfg->vips[0].protocol, CFG_PROTO_TCP);
	assert_int_equal(cfg->vips[0].scheduler, XLB_SCHED_MAGLEV);
	assert_int_equal(cfg->vips[0].ring_size, 65537);
	assert_int_equal(cfg->vips[0].udp_timeout_s, 30);
	assert_int_equal(cfg->vips[0].backends[0].weight, 100);
	assert_int_equal(cfg->vips[0].backends[0].state, CFG_STATE_UP);
	assert_int_equal(cfg->vips[0].backends[1].weight, 0);
	assert_int_equal(cfg->mtu, 0); /* the interface's, as xlbd finds it */
	assert_int_equal(cfg->icmp_echo, 1);
	assert_int_equal(cfg->gue_port, 6080);
	cfg_free(cfg);
}

static void test_ipip_vip_may_have_backends_of_the_other_family(void **state)
{
	struct cfg *cfg = NULL;
	char err[1024];

	(void)state;
	assert_int_equal(
		load_text("forwarding: ipip\ntunnel_source: 10.0.0.1\n"
			  "tunnel_source6: fd00::1\ngue_port: 7000\n" HEAD
			  "    forwarding: gue\n    backends:\n      - address: fd00::11\n",
			  &cfg, err, sizeof(err)),
		0);
	assert_string_equal(err, "");
	assert_int_equal(cfg_vip_fwd(cfg, &cfg->vips[0]), CFG_FWD_GUE);
	assert_int_equal(cfg->gue_port, 7000);
	assert_int_equal(cfg->tun_src4.family, XLB_AF_INET);
	assert_int_equal(cfg->tun_src6.family, XLB_AF_INET6);
	cfg_free(cfg);
}

static void test_ipv6_vip_and_backends_load(void **state)
{
	struct cfg *cfg = NULL;
	char err[1024];

	(void)state;
	assert_int_equal(load_text("vips:\n  - name: v6\n    address: fd00::100\n    port: 0\n"
				   "    backends:\n      - address: fd00::11\n",
				   &cfg, err, sizeof(err)),
			 0);
	assert_int_equal(cfg->vips[0].addr.family, XLB_AF_INET6);
	assert_int_equal(cfg->vips[0].backends[0].addr.family, XLB_AF_INET6);
	cfg_free(cfg);
}

struct bad {
	const char *name;
	const char *yaml;
	const char *msg;
};

static const struct bad bads[] = {
	{ "syntax_error_names_line_and_column", "interface: eth0\n  bad: x\n",
	  "xlb.yaml:2:6: mapping values are not allowed in this context\n" },
	{ "unclosed_quote_is_a_syntax_error", HEAD "    protocol: \"tcp\n",
	  "xlb.yaml:7:1: found unexpected end of stream while scanning a quoted scalar\n" },
	{ "unknown_top_level_key", "interfaces: eth0\n",
	  "xlb.yaml:1:1: interfaces: unknown key (did you mean interface?)\n" },
	{ "unknown_vip_key", HEAD "    schedular: wrr\n",
	  "xlb.yaml:6:5: schedular: unknown key (did you mean scheduler?)\n" },
	{ "unknown_backend_key", HEAD BE "        wieght: 5\n",
	  "xlb.yaml:8:9: wieght: unknown key (did you mean weight?)\n" },
	{ "unknown_key_far_from_any_is_named_alone", "colour: blue\n",
	  "xlb.yaml:1:1: colour: unknown key\n" },
	{ "unknown_key_hides_no_other_error",
	  "vips:\n  - name: web\n    address: 1.2.3\n    port: 80\n    schedular: maglev\n"
	  "    backends:\n      - address: 10.0.0.11\n        wieght: 5\n",
	  "xlb.yaml:5:5: schedular: unknown key (did you mean scheduler?)\n"
	  "xlb.yaml:8:9: wieght: unknown key (did you mean weight?)\n"
	  "xlb.yaml:3:14: address: not an IP address: \"1.2.3\"\n" },
	{ "unknown_scheduler", HEAD "    scheduler: fastest\n",
	  "xlb.yaml:6:16: scheduler: unknown scheduler \"fastest\" (expected one of: maglev, "
	  "source-ip, wrr, random)\n" },
	{ "unknown_protocol", HEAD "    protocol: sctp\n",
	  "xlb.yaml:6:15: protocol: unknown protocol \"sctp\" (expected one of: tcp, udp)\n" },
	{ "unknown_state", HEAD BE "        state: sleeping\n",
	  "xlb.yaml:8:16: state: unknown state \"sleeping\" (expected one of: up, drain, "
	  "down)\n" },
	{ "unknown_xdp_mode", "xdp_mode: turbo\n",
	  "xlb.yaml:1:11: xdp_mode: unknown xdp_mode \"turbo\" (expected one of: auto, native, "
	  "generic)\n" },
	{ "unknown_forwarding", "forwarding: nat\n",
	  "xlb.yaml:1:13: forwarding: unknown forwarding \"nat\" (expected one of: dsr, ipip, "
	  "gue)\n" },
	{ "announce_in_the_main_table", "announce:\n  table: 254\n",
	  "xlb.yaml:2:10: announce: table: 254 is the kernel's main table; choose one no ip rule "
	  "reads, like 200\n" },
	{ "announce_hold_down_not_a_duration", "announce:\n  hold_down: soon\n",
	  "xlb.yaml:2:14: announce: hold_down: must be a duration from 0s to 10m (like 5s), got "
	  "\"soon\"\n" },
	{ "check_interval_without_a_unit",
	  HEAD "    check:\n      type: tcp\n      interval: 2000\n",
	  "xlb.yaml:8:17: interval: must be a duration from 100ms to 1h (like 2s or 500ms), got "
	  "\"2000\"; a duration needs a unit: did you mean \"2000ms\" or \"2000s\"?\n" },
	{ "udp_idle_timeout_without_a_unit", HEAD "    udp_idle_timeout: 30\n",
	  "xlb.yaml:6:23: udp_idle_timeout: must be a duration from 1s to 24h (like 30s), got "
	  "\"30\"; a duration needs a unit: did you mean \"30ms\" or \"30s\"?\n" },
	{ "announce_withdraw_delay_without_a_unit", "announce:\n  withdraw_delay: 5\n",
	  "xlb.yaml:2:19: announce: withdraw_delay: must be a duration from 0s to 10m (like 5s), "
	  "got \"5\"; a duration needs a unit: did you mean \"5ms\" or \"5s\"?\n" },
	{ "announce_min_healthy_without_announce", HEAD "    announce_min_healthy: 2\n",
	  "xlb.yaml:6:27: announce_min_healthy: nothing is announced without an announce: "
	  "section\n" },
	{ "metrics_listen_without_a_port", "metrics_listen: 127.0.0.1\n",
	  "xlb.yaml:1:17: metrics_listen: ADDRESS:PORT or [IPV6]:PORT, got \"127.0.0.1\"\n" },
	{ "metrics_listen_with_port_0", "metrics_listen: 127.0.0.1:0\n",
	  "xlb.yaml:1:17: metrics_listen: ADDRESS:PORT or [IPV6]:PORT, got \"127.0.0.1:0\"\n" },
	{ "metrics_listen_ipv6_without_brackets", "metrics_listen: ::1:9477\n",
	  "xlb.yaml:1:17: metrics_listen: ADDRESS:PORT or [IPV6]:PORT, got \"::1:9477\"\n" },
	{ "metrics_listen_a_host_name", "metrics_listen: localhost:9477\n",
	  "xlb.yaml:1:17: metrics_listen: ADDRESS:PORT or [IPV6]:PORT, got \"localhost:9477\"\n" },
	{ "bad_vip_address", "vips:\n  - name: web\n    address: 10.0.0.300\n    port: 80\n",
	  "xlb.yaml:3:14: address: not an IP address: \"10.0.0.300\"\n" },
	{ "bad_backend_address", HEAD "    backends:\n      - address: backend-1\n",
	  "xlb.yaml:7:18: address: not an IP address: \"backend-1\"\n" },
	{ "backend_of_another_family", HEAD "    backends:\n      - address: fd00::1\n",
	  "xlb.yaml:7:18: address: fd00::1 is not of the VIP's family (direct server return "
	  "keeps the IP header)\n" },
	{ "weight_out_of_range", HEAD BE "        weight: 65536\n",
	  "xlb.yaml:8:17: weight: must be 0..65535, got 65536\n" },
	{ "weight_not_a_number", HEAD BE "        weight: lots\n",
	  "xlb.yaml:8:17: weight: invalid value 'lots'\n" },
	{ "negative_weight", HEAD BE "        weight: -1\n",
	  "xlb.yaml:8:17: weight: invalid value '-1'\n" },
	{ "port_out_of_range", "vips:\n  - name: web\n    address: 10.0.0.100\n    port: 70000\n",
	  "xlb.yaml:4:11: port: must be 0..65535, got 70000\n" },
	{ "missing_port", "vips:\n  - name: web\n    address: 10.0.0.100\n",
	  "xlb.yaml:2:5: port: missing (required)\n" },
	{ "missing_backend_address", HEAD "    backends:\n      - weight: 5\n",
	  "xlb.yaml:7:9: address: missing (required)\n" },
	{ "ring_size_not_prime", HEAD "    ring_size: 65536\n",
	  "xlb.yaml:6:16: ring_size: must be a prime up to 1048573, got 65536\n" },
	{ "ring_size_too_large", HEAD "    ring_size: 2000003\n",
	  "xlb.yaml:6:16: ring_size: must be a prime up to 1048573, got 2000003\n" },
	{ "duplicate_vip_name", HEAD "  - name: web\n    address: 10.0.0.101\n    port: 80\n",
	  "xlb.yaml:6:11: name: duplicate vip \"web\"\n" },
	{ "duplicate_vip_address_port_protocol",
	  HEAD "  - name: web2\n    address: 10.0.0.100\n    port: 80\n",
	  "xlb.yaml:7:14: duplicate vip: 10.0.0.100 port 80 tcp is vip \"web\" already\n" },
	{ "duplicate_backend", HEAD BE "      - address: 10.0.0.11\n",
	  "xlb.yaml:8:18: address: duplicate backend 10.0.0.11 in vip web\n" },
	{ "bad_mac", HEAD BE "        mac: 02:00:00:00:11\n",
	  "xlb.yaml:8:14: mac: not a unicast MAC address (xx:xx:xx:xx:xx:xx): "
	  "\"02:00:00:00:11\"\n" },
	{ "mac_with_signs_and_spaces", HEAD BE "        mac: \" 1:+2: 3:-0:4:5\"\n",
	  "xlb.yaml:8:14: mac: not a unicast MAC address (xx:xx:xx:xx:xx:xx): \" 1:+2: "
	  "3:-0:4:5\"\n" },
	{ "multicast_mac", HEAD BE "        mac: 01:00:5e:00:00:01\n",
	  "xlb.yaml:8:14: mac: not a unicast MAC address (xx:xx:xx:xx:xx:xx): "
	  "\"01:00:5e:00:00:01\"\n" },
	{ "max_flows_too_large", "max_flows: 4000000000\n",
	  "xlb.yaml:1:12: max_flows: must be 1024..67108864 (about 120 bytes each), got "
	  "4000000000\n" },
	{ "bad_udp_idle_timeout", HEAD "    udp_idle_timeout: soon\n",
	  "xlb.yaml:6:23: udp_idle_timeout: must be a duration from 1s to 24h (like 30s), got "
	  "\"soon\"\n" },
	{ "bad_vip_name", "vips:\n  - name: my web\n    address: 10.0.0.100\n    port: 80\n",
	  "xlb.yaml:2:11: name: 1 to 31 letters, digits, '_', '.' or '-', got \"my web\"\n" },
	{ "vips_is_not_a_list", "vips: web\n",
	  "xlb.yaml:1:7: vips: expected a list, got a scalar\n" },
	{ "read_only_socket_is_the_control_socket",
	  "control_socket: /run/a.sock\ncontrol_socket_read_only: /run/a.sock\n",
	  "xlb.yaml:2:27: control_socket_read_only: must not be the control_socket\n" },
	{ "relative_pin_path", "pin_path: bpf/xlb\n",
	  "xlb.yaml:1:11: pin_path: must be absolute, got \"bpf/xlb\"\n" },
	{ "pin_path_with_dot_dot", "pin_path: /sys/fs/bpf/a/../xlb\n",
	  "xlb.yaml:1:11: pin_path: write it without \"..\" and not as /, got "
	  "\"/sys/fs/bpf/a/../xlb\"\n" },
	{ "pin_path_root", "pin_path: //\n",
	  "xlb.yaml:1:11: pin_path: write it without \"..\" and not as /, got \"//\"\n" },
	{ "several_errors_are_all_reported",
	  "vips:\n  - name: web\n    address: 1.2.3\n    port: 99999\n",
	  "xlb.yaml:3:14: address: not an IP address: \"1.2.3\"\n"
	  "xlb.yaml:4:11: port: must be 0..65535, got 99999\n" },
	{ "empty_file", "", "xlb.yaml: empty configuration\n" },
	{ "mtu_too_small", "mtu: 500\n", "xlb.yaml:1:6: mtu: must be 576..65535, got 500\n" },
	{ "tunnel_without_a_source", "forwarding: ipip\n" HEAD BE,
	  "xlb.yaml:8:18: address: a ipip tunnel to 10.0.0.11 needs tunnel_source (or "
	  "tunnel_source: flow and tunnel_flow_prefix)\n" },
	{ "gue_to_ipv6_backend_without_an_ipv6_source",
	  "forwarding: gue\ntunnel_source: 10.0.0.1\n" HEAD
	  "    backends:\n      - address: fd00::1\n",
	  "xlb.yaml:9:18: address: a gue tunnel to fd00::1 needs tunnel_source6 (or "
	  "tunnel_source: flow and tunnel_flow_prefix6)\n" },
	{ "bad_tunnel_source", "tunnel_source: fd00::1\n",
	  "xlb.yaml:1:16: tunnel_source: an IPv4 address or \"flow\", got \"fd00::1\"\n" },
	{ "bad_flow_prefix", "tunnel_source: flow\ntunnel_flow_prefix: 10.255.0.0/31\n",
	  "xlb.yaml:2:21: tunnel_flow_prefix: an IPv4 prefix of /8 to /30, got "
	  "\"10.255.0.0/31\"\n" },
	{ "flow_prefix_without_flow",
	  "tunnel_source: 10.0.0.1\ntunnel_flow_prefix: 10.255.0.0/16\n",
	  "xlb.yaml:2:21: tunnel_flow_prefix: only with tunnel_source: flow\n" },
};

static void test_bad_config(void **state)
{
	const struct bad *b = *state;
	struct cfg *cfg = NULL;
	char err[2048];

	assert_int_equal(load_text(b->yaml, &cfg, err, sizeof(err)), -EINVAL);
	assert_null(cfg);
	assert_string_equal(err, b->msg);
}

static void test_missing_file_names_the_file(void **state)
{
	struct cfg *cfg = NULL;
	char err[256] = "";
	FILE *e = fmemopen(err, sizeof(err), "w");

	(void)state;
	assert_int_equal(cfg_load("nothere.yaml", &cfg, e), -ENOENT);
	fclose(e);
	assert_string_equal(err, "nothere.yaml: No such file or directory\n");
}

/* cfg_load of path; its messages in err. */
static int load_path(const char *path, char *err, size_t len)
{
	struct cfg *cfg = NULL;
	FILE *e = fmemopen(err, len, "w");
	int rc;

	memset(err, 0, len);
	rc = cfg_load(path, &cfg, e);
	fclose(e);
	cfg_free(cfg);
	return rc;
}

static void test_a_fifo_in_place_of_the_file_is_refused_without_waiting(void **state)
{
	char path[64], err[256];

	(void)state;
	snprintf(path, sizeof(path), "/tmp/xlb-test-fifo.%d", getpid());
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(load_path(path, err, sizeof(err)), -EINVAL);
	unlink(path);
	assert_non_null(strstr(err, "not a regular file"));
}

static void test_a_file_over_1_mib_is_refused(void **state)
{
	char path[64], err[256];
	FILE *f;
	int i;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/xlb-test-big.%d", getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	for (i = 0; i < 40000; i++)
		fprintf(f, "# a comment line of about thirty bytes\n");
	fclose(f);
	assert_int_equal(load_path(path, err, sizeof(err)), -EFBIG);
	unlink(path);
	assert_non_null(strstr(err, "a configuration has at most 1048576 bytes (1 MiB)"));
}

/* Past the maps' sizes: refused by the key, with the limit and its name (not libcyaml's words). */
static void test_more_vips_or_backends_than_the_maps_hold_name_the_limit(void **state)
{
	size_t cap = 512 * 1024, n;
	char *text = malloc(cap), err[2048];
	struct cfg *cfg = NULL;
	char want[160];
	int i;

	(void)state;
	assert_non_null(text);
	n = (size_t)snprintf(text, cap, "interface: eth0\nvips:\n");
	for (i = 0; i <= XLB_MAX_VIPS; i++)
		n += (size_t)snprintf(text + n, cap - n,
				      "  - name: v%d\n    address: 10.0.%d.%d\n    port: 80\n", i,
				      i / 250, i % 250 + 1);
	assert_int_equal(load_text(text, &cfg, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "vips: %d VIPs, more than the %d the maps hold (XLB_MAX_VIPS)",
		 XLB_MAX_VIPS + 1, XLB_MAX_VIPS);
	printf("    %s", err);
	assert_non_null(strstr(err, want));
	assert_null(strstr(err, "Excessive"));

	n = (size_t)snprintf(text, cap, "interface: eth0\nvips:\n");
	for (i = 0; i < 2; i++) {
		int j;

		n += (size_t)snprintf(text + n, cap - n,
				      "  - name: v%d\n    address: 10.0.0.%d\n    port: 80\n"
				      "    backends:\n",
				      i, i + 1);
		for (j = 0; j <= XLB_MAX_BACKENDS / 2; j++)
			n += (size_t)snprintf(text + n, cap - n, "      - address: 10.%d.%d.%d\n",
					      64 + i, j / 250, j % 250 + 1);
	}
	assert_true(n < cap - 1);
	assert_int_equal(load_text(text, &cfg, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want),
		 "vips: %d backends in all, more than the %d the maps hold (XLB_MAX_BACKENDS)",
		 2 * (XLB_MAX_BACKENDS / 2 + 1), XLB_MAX_BACKENDS);
	printf("    %s", err);
	assert_non_null(strstr(err, want));
	free(text);
}

/* Ten levels of ten aliases: 10^10 backends from a few hundred bytes. */
static void test_an_alias_bomb_is_refused_at_once(void **state)
{
	char text[4096], err[2048];
	struct cfg *cfg = NULL;
	size_t n = 0;
	int i;

	(void)state;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "x0: &a0 [{address: 10.0.0.1}]\n");
	for (i = 1; i < 10; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "x%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, "
				      "*a%d, *a%d]\n",
				      i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
				      i - 1, i - 1);
	assert_int_equal(load_text(text, &cfg, err, sizeof(err)), -EINVAL);
	assert_null(cfg);
	assert_non_null(strstr(err, "aliases (*name) are not allowed"));
}

static void test_more_errors_than_20_stop_at_20(void **state)
{
	char text[8192], err[8192];
	struct cfg *cfg = NULL;
	size_t n = 0;
	int i, lines = 0;
	char *p;

	(void)state;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "vips:\n");
	for (i = 0; i < 30; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "  - name: v%d\n    address: 10.0.0.%d\n    port: 99999\n", i,
				      i);
	assert_int_equal(load_text(text, &cfg, err, sizeof(err)), -EINVAL);
	for (p = err; (p = strchr(p, '\n')); p++)
		lines++;
	assert_int_equal(lines, 21);
	assert_non_null(strstr(err, "more than 20 errors; stopping here"));
}

static void test_metrics_listen_takes_ipv4_and_bracketed_ipv6(void **state)
{
	struct xlb_addr a;
	uint16_t port;

	(void)state;
	assert_int_equal(cfg_parse_listen("127.0.0.1:9477", &a, &port), 0);
	assert_int_equal(a.family, XLB_AF_INET);
	assert_int_equal(port, 9477);
	assert_int_equal(cfg_parse_listen("[::1]:65535", &a, &port), 0);
	assert_int_equal(a.family, XLB_AF_INET6);
	assert_int_equal(port, 65535);
	assert_int_equal(cfg_parse_listen("[::1]9477", &a, &port), -EINVAL);
	assert_int_equal(cfg_parse_listen("1.2.3.4:65536", &a, &port), -EINVAL);
	assert_int_equal(cfg_parse_listen("1.2.3.4:12x", &a, &port), -EINVAL);
	assert_int_equal(cfg_parse_listen(":9477", &a, &port), -EINVAL);
}

/* What monitor and flows print: address:port, IPv6 in brackets, the port from network order. */
static void test_endpoints_print_as_operators_type_them(void **state)
{
	struct xlb_addr a;
	char buf[64];

	(void)state;
	assert_int_equal(cfg_parse_addr("10.111.0.2", &a), 0);
	cfg_endpoint_str(a.family, a.a, htons(61300), buf, sizeof(buf));
	assert_string_equal(buf, "10.111.0.2:61300");
	assert_int_equal(cfg_parse_addr("fd11::2", &a), 0);
	cfg_endpoint_str(a.family, a.a, htons(443), buf, sizeof(buf));
	assert_string_equal(buf, "[fd11::2]:443");
	/* cut to the buffer, never past it */
	cfg_endpoint_str(a.family, a.a, htons(443), buf, 6);
	assert_string_equal(buf, "[fd11");
}

/* One directory, one spelling: the pin path keys the instance (its lock, its state). */
static void test_pin_path_spellings_fold_into_one(void **state)
{
	static const char *const same[] = { "/sys/fs/bpf/x/", "/sys/fs/bpf//x", "/sys/fs/bpf/./x",
					    "//sys/fs/bpf/x//", "/sys/./fs/bpf/x/." };
	char yaml[128];
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		struct cfg *cfg = NULL;
		char err[512];

		snprintf(yaml, sizeof(yaml), "pin_path: %s\n", same[i]);
		assert_int_equal(load_text(yaml, &cfg, err, sizeof(err)), 0);
		assert_string_equal(cfg->pin_path, "/sys/fs/bpf/x");
		cfg_free(cfg);
	}
}

static void test_durations_parse(void **state)
{
	uint64_t ms;

	(void)state;
	assert_int_equal(cfg_parse_duration_ms("30s", &ms), 0);
	assert_int_equal(ms, 30000);
	assert_int_equal(cfg_parse_duration_ms("500ms", &ms), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(cfg_parse_duration_ms("2m", &ms), 0);
	assert_int_equal(ms, 120000);
	/* a bare number has no unit to read it by */
	assert_int_equal(cfg_parse_duration_ms("7", &ms), -EDOM);
	assert_int_equal(cfg_parse_duration_ms("1.5s", &ms), -EINVAL);
	assert_int_equal(cfg_parse_duration_ms("s", &ms), -EINVAL);
	assert_int_equal(cfg_parse_duration_ms("-1s", &ms), -EINVAL);
}

/* ---- the difference between two files: every key the parser accepts ---------------- */

/*
 * Two files alike but for one key: cfg_diff names that key (in its scope)
 * and nothing else. Slots of the base file: T the instance's keys, A the
 * announce section, H the VIP's head, V the VIP's keys (its check first),
 * B the backend's keys. A case gives its two texts for one slot.
 */
struct diffcase {
	int scope;	 /* 0 instance, 1 VIP, 2 backend */
	const char *key; /* "" for a VIP or backend that is on one side only */
	unsigned items;	 /* what cfg_diff reports in all */
	char slot;
	const char *a, *b;
};

#define DT "interface: eth0\ntunnel_source: 10.0.0.1\n"
#define DA "announce:\n  table: 200\n"
#define DH "  - name: web\n    address: 10.0.0.100\n    port: 80\n"
#define DV "    check:\n      type: http\n"
#define DB ""

static const struct diffcase diffcases[] = {
	{ 0, "interface", 1, 'T', DT, "interface: eth1\ntunnel_source: 10.0.0.1\n" },
	{ 0, "tunnel_source", 1, 'T', DT, "interface: eth0\ntunnel_source: 10.0.0.2\n" },
	{ 0, "xdp_mode", 1, 'T', DT "xdp_mode: native\n", DT "xdp_mode: generic\n" },
	{ 0, "forwarding", 1, 'T', DT "forwarding: dsr\n", DT "forwarding: ipip\n" },
	{ 0, "pin_path", 1, 'T', DT "pin_path: /sys/fs/bpf/a\n", DT "pin_path: /sys/fs/bpf/b\n" },
	{ 0, "control_socket", 1, 'T', DT "control_socket: /run/a.sock\n",
	  DT "control_socket: /run/b.sock\n" },
	{ 0, "control_socket_read_only", 1, 'T', DT,
	  DT "control_socket_read_only: /run/ro.sock\n" },
	{ 0, "metrics_listen", 1, 'T', DT, DT "metrics_listen: 127.0.0.1:9477\n" },
	{ 0, "max_flows", 1, 'T', DT "max_flows: 65536\n", DT "max_flows: 131072\n" },
	{ 0, "tunnel_source6", 1, 'T', DT "tunnel_source6: fd00::1\n",
	  DT "tunnel_source6: fd00::2\n" },
	{ 0, "tunnel_flow_prefix", 1, 'T',
	  "interface: eth0\ntunnel_source: flow\ntunnel_flow_prefix: 10.255.0.0/16\n",
	  "interface: eth0\ntunnel_source: flow\ntunnel_flow_prefix: 10.255.0.0/24\n" },
	{ 0, "tunnel_flow_prefix6", 1, 'T',
	  "interface: eth0\ntunnel_source: flow\ntunnel_flow_prefix: 10.255.0.0/16\n"
	  "tunnel_flow_prefix6: fd00:ff::/96\n",
	  "interface: eth0\ntunnel_source: flow\ntunnel_flow_prefix: 10.255.0.0/16\n"
	  "tunnel_flow_prefix6: fd00:ff::/112\n" },
	{ 0, "gue_port", 1, 'T', DT "gue_port: 6080\n", DT "gue_port: 6081\n" },
	{ 0, "mtu", 1, 'T', DT "mtu: 1500\n", DT "mtu: 9000\n" },
	{ 0, "icmp_echo", 1, 'T', DT, DT "icmp_echo: false\n" },
	{ 0, "announce.table", 1, 'A', DA, "announce:\n  table: 201\n" },
	{ 0, "announce.min_healthy", 1, 'A', DA "  min_healthy: 1\n", DA "  min_healthy: 2\n" },
	{ 0, "announce.hold_down", 1, 'A', DA "  hold_down: 5s\n", DA "  hold_down: 6s\n" },
	{ 0, "announce.withdraw_delay", 1, 'A', DA "  withdraw_delay: 3s\n",
	  DA "  withdraw_delay: 4s\n" },
	{ 1, "", 2, 'H', DH, "  - name: www\n    address: 10.0.0.100\n    port: 80\n" },
	{ 1, "address", 1, 'H', DH, "  - name: web\n    address: 10.0.0.101\n    port: 80\n" },
	{ 1, "port", 1, 'H', DH, "  - name: web\n    address: 10.0.0.100\n    port: 81\n" },
	{ 1, "protocol", 1, 'V', DV "    protocol: tcp\n", DV "    protocol: udp\n" },
	{ 1, "scheduler", 1, 'V', DV "    scheduler: maglev\n", DV "    scheduler: wrr\n" },
	{ 1, "ring_size", 1, 'V', DV "    ring_size: 65537\n", DV "    ring_size: 1009\n" },
	{ 1, "udp_idle_timeout", 1, 'V', DV "    udp_idle_timeout: 30s\n",
	  DV "    udp_idle_timeout: 1m\n" },
	{ 1, "on_all_down", 1, 'V', DV "    on_all_down: keep\n", DV "    on_all_down: drop\n" },
	{ 1, "forwarding", 1, 'V', DV "    forwarding: dsr\n", DV "    forwarding: gue\n" },
	{ 1, "announce_min_healthy", 1, 'V', DV "    announce_min_healthy: 1\n",
	  DV "    announce_min_healthy: 2\n" },
	{ 2, "", 1, 'B', "", "      - address: 10.0.0.12\n" },
	{ 2, "", 2, 'B', "      - address: 10.0.0.13\n", "      - address: 10.0.0.14\n" },
	{ 2, "weight", 1, 'B', "        weight: 1\n", "        weight: 2\n" },
	{ 2, "state", 1, 'B', "        state: up\n", "        state: drain\n" },
	{ 2, "mac", 1, 'B', "        mac: 02:00:00:00:00:01\n",
	  "        mac: 02:00:00:00:00:02\n" },
};

/* The keys of a check, each with two values: tried under the VIP and under a backend. */
static const char *const check_values[][3] = {
	{ "type", "http", "tcp" },
	{ "port", "8080", "8081" },
	{ "path", "/a", "/b" },
	{ "host", "a.example", "b.example" },
	{ "expect_status", "[200]", "[301, 200-204]" },
	{ "expect_body", "ok", "fine" },
	{ "send", "PING", "PONG" },
	{ "expect", "PONG", "PANG" },
	{ "command", "/bin/true", "/bin/false" },
	{ "interval", "2s", "3s" },
	{ "fast_interval", "500ms", "1s" },
	{ "timeout", "1s", "2s" },
	{ "rise", "2", "3" },
	{ "fall", "2", "3" },
	{ "initial_state", "up", "down" },
	{ "slow_start", "10s", "20s" },
	{ "tls_verify", "true", "false" },
};
#define NCHECK (sizeof(check_values) / sizeof(check_values[0]))

static char *diff_text(char slot, const char *text)
{
	static const char base[] = "@T@Avips:\n@H@V    backends:\n      - address: 10.0.0.11\n@B";
	const char *def[] = { DT, DA, DH, DV, DB };
	const char *slots = "TAHVB";
	char *out = calloc(1, 4096);
	const char *p;
	size_t o = 0;

	for (p = base; *p; p++) {
		if (*p == '@') {
			int i = (int)(strchr(slots, *++p) - slots);

			o += (size_t)snprintf(out + o, 4096 - o, "%s", *p == slot ? text : def[i]);
		} else {
			out[o++] = *p;
		}
	}
	return out;
}

struct seen {
	unsigned n;
	int scope;
	const char *key;
	int found;
	char line[256];
};

static void on_item(void *ctx, const struct cfg_diff_item *it)
{
	struct seen *s = ctx;
	int scope = it->backend ? 2 : it->vip ? 1 : 0;

	s->n++;
	if (scope == s->scope && !strcmp(it->key, s->key))
		s->found++;
	snprintf(s->line, sizeof(s->line), "%s %s %s: %s -> %s", it->vip ? it->vip : "-",
		 it->backend ? it->backend : "-", it->key, it->old, it->new);
}

static void diff_one(int scope, const char *key, unsigned items, char slot, const char *a,
		     const char *b)
{
	struct cfg *ca = NULL, *cb = NULL;
	struct seen s = { .scope = scope, .key = key };
	char *ta = diff_text(slot, a), *tb = diff_text(slot, b), err[1024];

	if (load_text(ta, &ca, err, sizeof(err)))
		fail_msg("%s (a):\n%s%s", key, ta, err);
	if (load_text(tb, &cb, err, sizeof(err)))
		fail_msg("%s (b):\n%s%s", key, tb, err);
	cfg_diff(ca, ca, on_item, &s);
	if (s.n)
		fail_msg("%s: a file differs from itself: %s", key, s.line);
	cfg_diff(ca, cb, on_item, &s);
	if (!s.found || s.n != items)
		fail_msg("scope %d key \"%s\": %u items (%d of that key), expected %u; last: %s",
			 scope, key, s.n, s.found, items, s.line);
	cfg_free(ca);
	cfg_free(cb);
	free(ta);
	free(tb);
}

static void test_every_key_that_differs_is_named_by_the_diff(void **state)
{
	char a[160], b[160];
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(diffcases) / sizeof(diffcases[0]); i++)
		diff_one(diffcases[i].scope, diffcases[i].key, diffcases[i].items,
			 diffcases[i].slot, diffcases[i].a, diffcases[i].b);
	for (i = 0; i < NCHECK; i++) {
		char key[64];
		const char *const *v = check_values[i];

		snprintf(key, sizeof(key), "check.%s", v[0]);
		if (strcmp(v[0], "type")) {
			snprintf(a, sizeof(a), DV "      %s: %s\n", v[0], v[1]);
			snprintf(b, sizeof(b), DV "      %s: %s\n", v[0], v[2]);
		} else {
			snprintf(a, sizeof(a), "    check:\n      type: %s\n", v[1]);
			snprintf(b, sizeof(b), "    check:\n      type: %s\n", v[2]);
		}
		diff_one(1, key, 1, 'V', a, b);
		snprintf(a, sizeof(a), "        check:\n          %s: %s\n", v[0], v[1]);
		snprintf(b, sizeof(b), "        check:\n          %s: %s\n", v[0], v[2]);
		diff_one(2, key, 1, 'B', a, b);
	}
}

struct covered {
	unsigned missing;
};

static void on_key(void *ctx, int scope, const char *key)
{
	struct covered *c = ctx;
	unsigned i;

	for (i = 0; i < sizeof(diffcases) / sizeof(diffcases[0]); i++)
		if (diffcases[i].scope == scope &&
		    (!strcmp(diffcases[i].key, key) ||
		     (!*diffcases[i].key && (!strcmp(key, "name") || !strcmp(key, "address")))))
			return;
	if (!strncmp(key, "check.", 6) && scope > 0)
		for (i = 0; i < NCHECK; i++)
			if (!strcmp(check_values[i][0], key + 6))
				return;
	print_message("no diff case for key \"%s\" (scope %d)\n", key, scope);
	c->missing++;
}

/* A key added to the parser without a case above fails here. */
static void test_the_diff_cases_cover_every_key_the_parser_accepts(void **state)
{
	struct covered c = { 0 };

	(void)state;
	cfg_keys(on_key, &c);
	assert_int_equal(c.missing, 0);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir) || chdir(dir))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink("xlb.yaml");
	return chdir("/") || rmdir(dir);
}

#define NBADS (sizeof(bads) / sizeof(bads[0]))

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_full_config_loads_with_its_values),
		cmocka_unit_test(test_defaults_fill_what_is_not_written),
		cmocka_unit_test(test_ipv6_vip_and_backends_load),
		cmocka_unit_test(test_ipip_vip_may_have_backends_of_the_other_family),
		cmocka_unit_test(test_missing_file_names_the_file),
		cmocka_unit_test(test_durations_parse),
		cmocka_unit_test(test_pin_path_spellings_fold_into_one),
		cmocka_unit_test(test_every_key_that_differs_is_named_by_the_diff),
		cmocka_unit_test(test_the_diff_cases_cover_every_key_the_parser_accepts),
		cmocka_unit_test(test_endpoints_print_as_operators_type_them),
		cmocka_unit_test(test_metrics_listen_takes_ipv4_and_bracketed_ipv6),
		cmocka_unit_test(test_a_fifo_in_place_of_the_file_is_refused_without_waiting),
		cmocka_unit_test(test_a_file_over_1_mib_is_refused),
		cmocka_unit_test(test_an_alias_bomb_is_refused_at_once),
		cmocka_unit_test(test_more_vips_or_backends_than_the_maps_hold_name_the_limit),
		cmocka_unit_test(test_more_errors_than_20_stop_at_20),
	};
	struct CMUnitTest tests[NBADS + sizeof(fixed) / sizeof(fixed[0])];
	size_t i, n = 0;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		tests[n++] = fixed[i];
	for (i = 0; i < NBADS; i++) {
		tests[n].name = bads[i].name;
		tests[n].test_func = test_bad_config;
		tests[n].setup_func = NULL;
		tests[n].teardown_func = NULL;
		tests[n].initial_state = (void *)&bads[i];
		n++;
	}
	return _cmocka_run_group_tests("config", tests, n, setup, teardown);
}
