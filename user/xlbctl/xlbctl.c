// SPDX-License-Identifier: GPL-2.0
/*
 * xlbctl: the operator's CLI. It talks to xlbd over the control socket and
 * never touches BPF maps. bpftool-style: OBJECT VERB, unique prefixes, plain
 * tables or JSON (-j, -p).
 *
 * Exit status: 0 done, 1 the daemon refused, 2 usage error, 3 the daemon
 * cannot be reached.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include <ncurses.h>

#include "api.h"
#include "config.h"
#include "version.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE   2
#define EXIT_UNREACH 3
#define EXIT_DENIED  4 /* the control socket is not ours to use */
#define EXIT_CUTS    5 /* a dry run: the change would cut flows or withdraw a route */

static const char *sock_path = CFG_SOCKET_DEFAULT;
static int json_out, pretty;

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	int whole; /* destructive: matched by its whole name only, never a prefix */
};

static void print_json(json_object *o);

/*
 * An error of xlbctl itself (not xlbd's answer): on stderr, and with -j
 * also on stdout as xlbd's errors are, {"error": {"code", "message"}}, so a
 * script reads one shape whoever refused. Returns rc.
 */
static int fail(int rc, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(int rc, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "xlbctl: %s\n", msg);
	if (json_out) {
		json_object *r = json_object_new_object(), *e = json_object_new_object();

		json_object_object_add(e, "code", json_object_new_string(code));
		json_object_object_add(e, "message", json_object_new_string(msg));
		json_object_object_add(r, "error", e);
		print_json(r);
		json_object_put(r);
	}
	return rc;
}

static int usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_err(const char *fmt, ...)
{
	char msg[480];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return fail(EXIT_USAGE, "usage", "%s (xlbctl help)", msg);
}

/* connect() to the socket failed: who may not, and who is not there, told apart. */
static int unreachable(int err)
{
	if (err == EACCES || err == EPERM)
		return fail(EXIT_DENIED, "permission_denied",
			    "may not use xlbd's control socket %s: %s (it is root's, mode 0600: "
			    "run as root, or use control_socket_read_only for reading)",
			    sock_path, strerror(err));
	return fail(EXIT_UNREACH, "unreachable", "cannot reach xlbd at %s: %s", sock_path,
		    strerror(err));
}

/* ---- talking to xlbd ------------------------------------------------------- */

static int call(json_object *req, json_object **reply)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN |
								    JSON_C_TO_STRING_NOSLASHESCAPE);
	char *buf = NULL;
	size_t len = 0, cap = 0;
	struct timeval tv = { 30, 0 };
	ssize_t n;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = errno;

		if (fd >= 0)
			close(fd);
		json_object_put(req);
		return unreachable(err);
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (write(fd, s, strlen(s)) < 0 || write(fd, "\n", 1) < 0)
		goto io_err;
	json_object_put(req);
	req = NULL;
	for (;;) {
		if (len + 4096 > cap) {
			char *nb = realloc(buf, cap = cap * 2 + 8192);

			if (!nb)
				goto io_err;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
		if (memchr(buf + len - n, '\n', (size_t)n))
			break;
	}
	if (!len)
		goto io_err;
	buf[len] = '\0';
	close(fd);
	*reply = json_tokener_parse(buf);
	free(buf);
	if (!*reply)
		return fail(EXIT_UNREACH, "bad_reply", "xlbd sent something that is not JSON");
	return 0;
io_err:
	json_object_put(req);
	free(buf);
	close(fd);
	return fail(EXIT_UNREACH, "unreachable", "talking to xlbd at %s: %s", sock_path,
		    errno ? strerror(errno) : "connection closed");
}

static FILE *stream; /* a monitor's connection, after its reply */

/*
 * Send a request whose reply is followed by a stream of lines (monitor):
 * *reply gets the first line; the connection stays open in stream_fd.
 */
static int call_stream(json_object *req, json_object **reply)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN |
								    JSON_C_TO_STRING_NOSLASHESCAPE);
	char line[4096];
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = errno;

		if (fd >= 0)
			close(fd);
		json_object_put(req);
		return unreachable(err);
	}
	if (write(fd, s, strlen(s)) < 0 || write(fd, "\n", 1) < 0) {
		int err = errno;

		json_object_put(req);
		close(fd);
		return fail(EXIT_UNREACH, "unreachable", "writing to xlbd: %s", strerror(err));
	}
	json_object_put(req);
	stream = fdopen(fd, "r");
	if (!stream || !fgets(line, sizeof(line), stream))
		return fail(EXIT_UNREACH, "unreachable", "xlbd closed the connection");
	*reply = json_tokener_parse(line);
	if (!*reply)
		return fail(EXIT_UNREACH, "bad_reply", "xlbd's reply is not JSON");
	return 0;
}

/* Lines until xlbd closes: each shown, or printed as it came (show NULL). */
static int stream_events(void (*show)(json_object *))
{
	char line[4096];

	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stream)) {
		json_object *e;

		if (!show) {
			fputs(line, stdout);
			continue;
		}
		e = json_tokener_parse(line);
		if (e)
			show(e);
		json_object_put(e);
	}
	fclose(stream);
	fprintf(stderr, "xlbctl: xlbd ended the stream\n");
	return EXIT_UNREACH;
}

static json_object *get(json_object *o, const char *k)
{
	json_object *v = NULL;

	json_object_object_get_ex(o, k, &v);
	return v;
}

static const char *gets(json_object *o, const char *k)
{
	json_object *v = get(o, k);

	return v ? json_object_get_string(v) : "-";
}

static long long geti(json_object *o, const char *k)
{
	return (long long)json_object_get_int64(get(o, k));
}

static void print_json(json_object *o)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;

	flags |= pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
			: JSON_C_TO_STRING_PLAIN;
	printf("%s\n", json_object_to_json_string_ext(o, flags));
}

/*
 * Send req; on success hand the reply to show, or in JSON mode print it: one
 * object for every command, the daemon's reply without its "ok"; on refusal
 * print the daemon's message, naming the object ({"error": ...} with -j).
 */
static int run(json_object *req, void (*show)(json_object *))
{
	json_object *r, *e;
	int rc = call(req, &r);

	if (rc)
		return rc;
	e = get(r, "error");
	if (e) {
		json_object *det = get(e, "details");
		size_t i;

		if (json_out) {
			print_json(r);
		} else {
			fprintf(stderr, "xlbctl: %s\n", gets(e, "message"));
			for (i = 0; det && i < json_object_array_length(det); i++)
				fprintf(stderr, "  %s\n",
					json_object_get_string(json_object_array_get_idx(det, i)));
		}
		json_object_put(r);
		return EXIT_REFUSED;
	}
	json_object_object_del(r, "ok");
	if (json_out)
		print_json(r);
	else if (show)
		show(r);
	/* a dry run says by its status whether the change would cut anything */
	rc = json_object_get_boolean(get(get(r, "disruption"), "cuts")) ? EXIT_CUTS : 0;
	json_object_put(r);
	return rc;
}

/* What a change did, as the daemon words it. */
static void show_changed(json_object *r)
{
	printf("%s\n", gets(r, "changed"));
}

static json_object *request(const char *cmd)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "cmd", json_object_new_string(cmd));
	return o;
}

static void add_s(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static int add_i(json_object *o, const char *k, const char *v)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno || end == v || *end)
		return -1;
	json_object_object_add(o, k, json_object_new_int64(n));
	return 0;
}

/* ---- command tables -------------------------------------------------------- */

/* The verbs of a table, for an error or a bare "xlbctl vip". */
static void list_verbs(FILE *f, const struct cmd *cmds)
{
	int i;

	for (i = 0; cmds[i].name; i++)
		if (cmds[i].usage)
			fprintf(f, "  xlbctl %s\n", cmds[i].usage);
}

static int dispatch(const struct cmd *cmds, const char *what, int argc, char **argv)
{
	const struct cmd *hit = NULL, *whole = NULL;
	size_t n;
	int i;

	if (argc < 1) {
		if (!what)
			return usage_err("no command");
		if (json_out)
			return usage_err("%s: give a verb", what);
		fprintf(stderr, "xlbctl: %s: give a verb:\n", what);
		list_verbs(stderr, cmds);
		return EXIT_USAGE;
	}
	n = strlen(argv[0]);
	for (i = 0; n && cmds[i].name; i++) {
		if (!strcmp(cmds[i].name, argv[0])) {
			hit = &cmds[i];
			break;
		}
		if (strncmp(cmds[i].name, argv[0], n))
			continue;
		if (cmds[i].whole) {
			whole = &cmds[i];
			continue;
		}
		if (hit)
			return usage_err("\"%s\" is ambiguous (%s, %s)", argv[0], hit->name,
					 cmds[i].name);
		hit = &cmds[i];
	}
	if (!hit && whole)
		return usage_err("%s%s\"%s\": %s changes what is served; spell it out",
				 what ? what : "", what ? ": " : "", argv[0], whole->name);
	if (!hit)
		return usage_err("%s%sunknown command \"%s\"", what ? what : "", what ? ": " : "",
				 argv[0]);
	return hit->fn(argc - 1, argv + 1);
}

/* ---- status ------------------------------------------------------------------ */

static void show_status(json_object *r)
{
	json_object *w = get(r, "warnings");
	size_t i;

	printf("xlbd %s, pid %lld, up %llds\n", gets(r, "version"), geti(r, "pid"),
	       geti(r, "uptime_s"));
	printf("  interface   %s (ifindex %lld), %s XDP, program id %lld, mtu %lld (%s's)\n",
	       gets(r, "interface"), geti(r, "ifindex"), gets(r, "xdp_mode"), geti(r, "prog_id"),
	       geti(r, "mtu"), strcmp(gets(r, "mtu_from"), "file") ? "the interface" : "the file");
	printf("  program     loaded by xlbd %s%s\n", gets(r, "prog_version"),
	       strcmp(gets(r, "prog_version"), gets(r, "version")) ? " (not this xlbd's build)"
								   : "");
	printf("  config      %s\n", gets(r, "config"));
	printf("  pins        %s%s\n", gets(r, "pin_path"),
	       json_object_get_boolean(get(r, "adopted")) ? " (adopted at start)" : "");
	if (get(r, "fingerprints") && json_object_object_length(get(r, "fingerprints"))) {
		int n = json_object_object_length(get(r, "fingerprints"));

		/* a few inline; hundreds would make one unreadable line */
		if (n > 4) {
			printf("  rings       %d fingerprints (xlbctl -j status lists them; xlbctl "
			       "compare)\n",
			       n);
		} else {
			printf("  rings      ");
			json_object_object_foreach(get(r, "fingerprints"), name, fp)
			{
				printf(" %s %s%s", name, json_object_get_string(fp),
				       --n ? "," : "");
			}
			printf(" (xlbctl compare)\n");
		}
	}
	if (get(r, "announce")) {
		json_object *a = get(r, "announce");

		printf("  announce    table %lld (protocol %lld), %lld route%s%s\n",
		       geti(a, "table"), geti(a, "protocol"), geti(a, "routes"),
		       geti(a, "routes") == 1 ? "" : "s",
		       json_object_get_boolean(get(a, "drained"))
			       ? "; HOST DRAINED: nothing announced (xlbctl host undrain)"
			       : "");
	}
	printf("  metrics     %s%s%s\n", get(r, "metrics_listen") ? "http://" : "none",
	       get(r, "metrics_listen") ? gets(r, "metrics_listen") : "",
	       get(r, "metrics_listen") ? "/metrics" : " (metrics_listen)");
	if (json_object_get_boolean(get(r, "monitoring")))
		printf("  monitor     on: events are being sampled for xlbctl monitor\n");
	printf("  vips        %lld, backends %lld\n", geti(r, "vips"), geti(r, "backends"));
	printf("  packets     %lld forwarded, %lld passed, %lld dropped\n",
	       geti(r, "packets_forwarded"), geti(r, "packets_passed"), geti(r, "packets_dropped"));
	if (get(r, "syn_hint")) {
		json_object *s = get(r, "syn_hint");

		printf("  syn hint    %lld flows (%lld tcp), %.1f%% of %lld bits set; rebuilt "
		       "%llds "
		       "ago in %.1f ms\n",
		       geti(s, "flows"), geti(s, "tcp_flows"),
		       100.0 * (double)geti(s, "bits_set") /
			       (double)(geti(s, "bits") ? geti(s, "bits") : 1),
		       geti(s, "bits"), geti(s, "age_s"),
		       json_object_get_double(get(s, "took_ms")));
	}
	for (i = 0; w && i < json_object_array_length(w); i++)
		printf("WARNING: %s\n", json_object_get_string(json_object_array_get_idx(w, i)));
}

static int do_status(int argc, char **argv)
{
	(void)argv;
	if (argc)
		return usage_err("status takes no arguments");
	return run(request("status"), show_status);
}

/* ---- vip ------------------------------------------------------------------------ */

/* Is announcing on for this VIP's instance (announce: in its file)? */
static int announce_on(json_object *v)
{
	json_object *a = get(v, "announce");

	return a && get(a, "min_healthy");
}

static void show_vips(json_object *r)
{
	json_object *vips = get(r, "vips");
	size_t i, j;

	printf("%-16s %-28s %-5s %-5s %-10s %-4s %s\n", "NAME", "ADDRESS", "PORT", "PROTO",
	       "SCHEDULER", "FWD", "BACKENDS");
	for (i = 0; i < json_object_array_length(vips); i++) {
		json_object *v = json_object_array_get_idx(vips, i), *bes = get(v, "backends");
		size_t up = 0, n = json_object_array_length(bes);
		char port[8];

		for (j = 0; j < n; j++)
			up += geti(json_object_array_get_idx(bes, j), "effective_weight") > 0;
		snprintf(port, sizeof(port), "%lld", geti(v, "port"));
		printf("%-16s %-28s %-5s %-5s %-10s %-4s %zu (%zu in the ring)%s%s%s%s\n",
		       gets(v, "name"), gets(v, "address"), geti(v, "port") ? port : "any",
		       gets(v, "protocol"), gets(v, "scheduler"), gets(v, "forwarding"), n, up,
		       json_object_get_boolean(get(v, "all_down")) && n ? "  ALL DOWN" : "",
		       announce_on(v) ? "  [" : "",
		       announce_on(v) ? gets(get(v, "announce"), "why") : "",
		       announce_on(v) ? "]" : "");
	}
}

static void show_backends_of(json_object *v)
{
	json_object *bes = get(v, "backends");
	long long counted = 0;
	size_t i;

	printf("vip %s (%s port %lld %s, %s)\n", gets(v, "name"), gets(v, "address"),
	       geti(v, "port"), gets(v, "protocol"), gets(v, "scheduler"));
	printf("  %-28s %-6s %-9s %-6s %-7s %-10s %7s %7s %-17s %s\n", "ADDRESS", "WEIGHT",
	       "EFFECTIVE", "STATE", "HEALTH", "FORWARDING", "ACTIVE", "CLOSING", "MAC", "VIA");
	for (i = 0; i < json_object_array_length(bes); i++) {
		json_object *b = json_object_array_get_idx(bes, i);
		char unresolved[40], active[16] = "-", closing[16] = "-";

		snprintf(unresolved, sizeof(unresolved), "(%s)", gets(b, "mac_state"));
		if (get(b, "active_flows")) {
			snprintf(active, sizeof(active), "%lld", geti(b, "active_flows"));
			snprintf(closing, sizeof(closing), "%lld", geti(b, "closing_flows"));
			counted = geti(b, "flows_counted_at");
		}
		printf("  %-28s %-6lld %-9lld %-6s %-7s %-10s %7s %7s %-17s %s%s\n",
		       gets(b, "address"), geti(b, "weight"), geti(b, "effective_weight"),
		       gets(b, "state"), gets(b, "health"), gets(b, "forwarding"), active, closing,
		       get(b, "mac") ? gets(b, "mac") : unresolved, gets(b, "interface"),
		       json_object_get_boolean(get(b, "changed_by_xlbctl")) ? "  *xlbctl" : "");
	}
	if (counted)
		printf("  (flows counted %llds ago)\n", (long long)(time(NULL) - counted));
}

static void show_vip(json_object *r)
{
	json_object *v = get(r, "vip");

	show_backends_of(v);
	printf("  ring fingerprint %s\n", get(v, "fingerprint") ? gets(v, "fingerprint") : "none");
	if (announce_on(v))
		printf("  announce: %s (%lld healthy backends, %lld needed)\n",
		       gets(get(v, "announce"), "why"), geti(get(v, "announce"), "healthy"),
		       geti(get(v, "announce"), "min_healthy"));
}

static void show_backend_list(json_object *r)
{
	json_object *vips = get(r, "vips");
	size_t i;

	for (i = 0; i < json_object_array_length(vips); i++)
		show_backends_of(json_object_array_get_idx(vips, i));
}

static int vip_list(int argc, char **argv)
{
	(void)argv;
	if (argc)
		return usage_err("vip list takes no arguments");
	return run(request("vip.list"), show_vips);
}

static int vip_show(int argc, char **argv)
{
	json_object *q;

	if (argc != 1)
		return usage_err("usage: vip show NAME");
	q = request("vip.show");
	add_s(q, "vip", argv[0]);
	return run(q, show_vip);
}

static int vip_add(int argc, char **argv)
{
	json_object *q;
	int i;

	if (argc < 4 || (argc - 4) % 2)
		return usage_err("usage: vip add NAME ADDRESS PORT tcp|udp [scheduler S] "
				 "[forwarding F]");
	q = request("vip.add");
	add_s(q, "vip", argv[0]);
	add_s(q, "address", argv[1]);
	if (add_i(q, "port", argv[2])) {
		json_object_put(q);
		return usage_err("vip add %s: port \"%s\" is not a number", argv[0], argv[2]);
	}
	add_s(q, "protocol", argv[3]);
	for (i = 4; i < argc; i += 2) {
		if (strcmp(argv[i], "scheduler") && strcmp(argv[i], "forwarding")) {
			json_object_put(q);
			return usage_err("vip add %s: unknown option \"%s\"", argv[0], argv[i]);
		}
		add_s(q, argv[i], argv[i + 1]);
	}
	return run(q, show_changed);
}

static int vip_del(int argc, char **argv)
{
	json_object *q;

	if (argc != 1)
		return usage_err("usage: vip del NAME");
	q = request("vip.del");
	add_s(q, "vip", argv[0]);
	return run(q, show_changed);
}

static const struct cmd vip_cmds[] = {
	{ "list", vip_list, "vip list" },
	{ "show", vip_show, "vip show NAME" },
	{ "add", vip_add,
	  "vip add NAME ADDRESS PORT tcp|udp [scheduler maglev|source-ip|wrr|random] "
	  "[forwarding dsr|ipip|gue]" },
	{ "del", vip_del, "vip del NAME", 1 },
	{},
};

static int do_vip(int argc, char **argv)
{
	return dispatch(vip_cmds, "vip", argc, argv);
}

/* ---- backend ---------------------------------------------------------------- */

static int be_list(int argc, char **argv)
{
	json_object *q;

	if (argc != 1)
		return usage_err("usage: backend list VIP");
	q = request("backend.list");
	add_s(q, "vip", argv[0]);
	return run(q, show_backend_list);
}

/* Is w one of the space-separated words of list, whole? */
static int word_in(const char *list, const char *w)
{
	size_t n = strlen(w);
	const char *p;

	for (p = list; n && (p = strstr(p, w)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return 1;
	return 0;
}

/* "weight N", "state S", "mac M" pairs after VIP ADDRESS */
static int be_opts(json_object *q, const char *verb, int argc, char **argv, const char *allowed)
{
	int i;

	for (i = 0; i < argc; i += 2) {
		if (i + 1 >= argc || !word_in(allowed, argv[i]))
			return usage_err("backend %s: unknown or incomplete option \"%s\"", verb,
					 argv[i]);
		if (!strcmp(argv[i], "weight")) {
			if (add_i(q, "weight", argv[i + 1]))
				return usage_err("backend %s: weight \"%s\" is not a number", verb,
						 argv[i + 1]);
		} else {
			add_s(q, argv[i], argv[i + 1]);
		}
	}
	return 0;
}

static int be_add(int argc, char **argv)
{
	json_object *q;
	int rc;

	if (argc < 2)
		return usage_err("usage: backend add VIP ADDRESS [weight N] [mac MAC]");
	q = request("backend.add");
	add_s(q, "vip", argv[0]);
	add_s(q, "address", argv[1]);
	rc = be_opts(q, "add", argc - 2, argv + 2, "weight mac");
	if (rc) {
		json_object_put(q);
		return rc;
	}
	return run(q, show_changed);
}

static void show_disruption(json_object *d);

/* backend del/set --dry-run: the change, and what it would cut. */
static void show_change_preview(json_object *r)
{
	json_object *c = get(r, "changes");
	size_t i;

	for (i = 0; i < json_object_array_length(c); i++)
		printf("would change: %s\n",
		       json_object_get_string(json_object_array_get_idx(c, i)));
	if (!json_object_array_length(c))
		printf("would change nothing: the backend is that already\n");
	show_disruption(get(r, "disruption"));
	printf("nothing was changed (dry run)\n");
}

/* A trailing --dry-run: taken off argv, and asked of xlbd. */
static int dry_run_arg(json_object *q, int *argc, char **argv)
{
	if (*argc > 0 && !strcmp(argv[*argc - 1], "--dry-run")) {
		json_object_object_add(q, "dry_run", json_object_new_boolean(1));
		(*argc)--;
		return 1;
	}
	return 0;
}

static int be_del(int argc, char **argv)
{
	json_object *q = request("backend.del");
	int dry = dry_run_arg(q, &argc, argv);

	if (argc != 2) {
		json_object_put(q);
		return usage_err("usage: backend del VIP ADDRESS [--dry-run]");
	}
	add_s(q, "vip", argv[0]);
	add_s(q, "address", argv[1]);
	return run(q, dry ? show_change_preview : show_changed);
}

static int be_set(int argc, char **argv)
{
	json_object *q = request("backend.set");
	int dry = dry_run_arg(q, &argc, argv), rc;

	if (argc < 4) {
		json_object_put(q);
		return usage_err("usage: backend set VIP ADDRESS (weight N | state up|drain|down) "
				 "[--dry-run]");
	}
	add_s(q, "vip", argv[0]);
	add_s(q, "address", argv[1]);
	rc = be_opts(q, "set", argc - 2, argv + 2, "weight state");
	if (rc) {
		json_object_put(q);
		return rc;
	}
	return run(q, dry ? show_change_preview : show_changed);
}

static const struct cmd be_cmds[] = {
	{ "list", be_list, "backend list VIP" },
	{ "add", be_add, "backend add VIP ADDRESS [weight N] [mac MAC]" },
	{ "del", be_del, "backend del VIP ADDRESS [--dry-run]", 1 },
	{ "set", be_set, "backend set VIP ADDRESS (weight N | state up|drain|down) [--dry-run]" },
	{},
};

static int do_backend(int argc, char **argv)
{
	return dispatch(be_cmds, "backend", argc, argv);
}

/* ---- host: announcements ------------------------------------------------------- */

static int host_drain(int argc, char **argv)
{
	(void)argv;
	if (argc)
		return usage_err("usage: host drain");
	return run(request("host.drain"), show_changed);
}

static int host_undrain(int argc, char **argv)
{
	(void)argv;
	if (argc)
		return usage_err("usage: host undrain");
	return run(request("host.undrain"), show_changed);
}

static const struct cmd host_cmds[] = {
	{ "drain", host_drain, "host drain", 1 },
	{ "undrain", host_undrain, "host undrain" },
	{},
};

static int do_host(int argc, char **argv)
{
	return dispatch(host_cmds, "host", argc, argv);
}

/* ---- compare: are these hosts' rings the same? ------------------------------------ */

/* The VIPs of a daemon (its control socket) or of a file of xlbctl -j vip list. */
static json_object *vips_of(const char *src)
{
	struct stat st;
	json_object *r = NULL;

	if (!stat(src, &st) && S_ISSOCK(st.st_mode)) {
		const char *keep = sock_path;

		sock_path = src;
		if (call(request("vip.list"), &r))
			r = NULL;
		sock_path = keep;
	} else {
		r = json_object_from_file(src);
		if (!r)
			fprintf(stderr,
				"xlbctl: compare: %s: not a control socket, nor JSON of "
				"xlbctl -j vip list\n",
				src);
	}
	if (r && !json_object_is_type(get(r, "vips"), json_type_array)) {
		fprintf(stderr, "xlbctl: compare: %s: no \"vips\" in it\n", src);
		json_object_put(r);
		r = NULL;
	}
	return r;
}

static int do_compare(int argc, char **argv)
{
	json_object *all[16], *names = json_object_new_object();
	int i, rc = 0, differ = 0;
	size_t j;

	if (argc < 2 || argc > 16)
		return usage_err("usage: compare SOURCE SOURCE... (control sockets, or files of "
				 "xlbctl -j vip list; 2 to 16)");
	for (i = 0; i < argc; i++) {
		all[i] = vips_of(argv[i]);
		if (!all[i]) {
			while (i--)
				json_object_put(all[i]);
			json_object_put(names);
			return EXIT_UNREACH;
		}
		for (j = 0; j < json_object_array_length(get(all[i], "vips")); j++)
			json_object_object_add(
				names,
				gets(json_object_array_get_idx(get(all[i], "vips"), j), "name"),
				NULL);
	}
	json_object_object_foreach(names, name, unused)
	{
		const char *first = NULL;
		int same = 1;

		(void)unused;
		for (i = 0; i < argc; i++) {
			json_object *v = NULL, *vips = get(all[i], "vips");
			const char *fp;

			for (j = 0; j < json_object_array_length(vips) && !v; j++)
				if (!strcmp(gets(json_object_array_get_idx(vips, j), "name"), name))
					v = json_object_array_get_idx(vips, j);
			fp = v && get(v, "fingerprint") ? gets(v, "fingerprint") : "(none)";
			if (!first)
				first = fp;
			else if (strcmp(first, fp))
				same = 0;
		}
		if (!same) {
			differ++;
			printf("vip %s differs:\n", name);
			for (i = 0; i < argc; i++) {
				json_object *vips = get(all[i], "vips"), *v = NULL;

				for (j = 0; j < json_object_array_length(vips) && !v; j++)
					if (!strcmp(gets(json_object_array_get_idx(vips, j),
							 "name"),
						    name))
						v = json_object_array_get_idx(vips, j);
				printf("  %-40s %s\n", argv[i],
				       v ? (get(v, "fingerprint") ? gets(v, "fingerprint")
								  : "(no ring)")
					 : "(no such vip)");
			}
		} else if (!json_out) {
			printf("vip %s: %s on all %d\n", name, first, argc);
		}
	}
	if (differ) {
		printf("%d vip%s differ: their flows may land on other backends when they move "
		       "between these hosts\n",
		       differ, differ == 1 ? "" : "s");
		rc = EXIT_REFUSED;
	}
	for (i = 0; i < argc; i++)
		json_object_put(all[i]);
	json_object_put(names);
	return rc;
}

/* ---- health ---------------------------------------------------------------------- */

static void fmt_since(double s, char *buf, size_t len)
{
	if (s < 120)
		snprintf(buf, len, "%.1fs", s);
	else if (s < 7200)
		snprintf(buf, len, "%.0fm", s / 60);
	else
		snprintf(buf, len, "%.1fh", s / 3600);
}

static void show_health(json_object *r)
{
	json_object *vips = get(r, "vips");
	size_t i, j;

	for (i = 0; i < json_object_array_length(vips); i++) {
		json_object *v = json_object_array_get_idx(vips, i), *bes = get(v, "backends");

		printf("vip %s (%s port %lld %s)%s\n", gets(v, "name"), gets(v, "address"),
		       geti(v, "port"), gets(v, "protocol"),
		       json_object_get_boolean(get(v, "all_down"))
			       ? (strcmp(gets(v, "on_all_down"), "drop")
					  ? "  ALL DOWN: forwarding anyway"
					  : "  ALL DOWN: dropping")
			       : "");
		/* as in vip show: WEIGHT configured, EFFECTIVE in the ring now */
		printf("  %-26s %-5s %-7s %-6s %-9s %6s %-6s %-9s %-7s %9s %s\n", "BACKEND",
		       "STATE", "HEALTH", "WEIGHT", "EFFECTIVE", "ACTIVE", "CHECK", "LATENCY",
		       "SINCE", "OK/FAIL", "LAST RESULT");
		for (j = 0; j < json_object_array_length(bes); j++) {
			json_object *b = json_object_array_get_idx(bes, j);
			char lat[16] = "-", since[16] = "-", okf[24] = "-", active[16] = "-";
			char result[200];

			if (get(b, "latency_ms")) {
				snprintf(lat, sizeof(lat), "%.1fms",
					 json_object_get_double(get(b, "latency_ms")));
				fmt_since(json_object_get_double(get(b, "since")), since,
					  sizeof(since));
				snprintf(okf, sizeof(okf), "%lld/%lld", geti(b, "successes"),
					 geti(b, "failures"));
			}
			if (get(b, "active_flows"))
				snprintf(active, sizeof(active), "%lld", geti(b, "active_flows"));
			/* the named result, and what it means here when that says more */
			if (get(b, "result") && strcmp(gets(b, "result"), gets(b, "reason")))
				snprintf(result, sizeof(result), "%s: %s", gets(b, "result"),
					 gets(b, "reason"));
			else
				snprintf(result, sizeof(result), "%s", gets(b, "reason"));
			printf("  %-26s %-5s %-7s %-6lld %-9lld %6s %-6s %-9s %-7s %9s %s\n",
			       gets(b, "address"), gets(b, "state"), gets(b, "health"),
			       geti(b, "weight"), geti(b, "effective_weight"), active,
			       gets(b, "check"), lat, since, okf, result);
		}
	}
}

static int do_health(int argc, char **argv)
{
	json_object *q = request("health");

	if (argc > 1) {
		json_object_put(q);
		return usage_err("usage: health [VIP]");
	}
	if (argc)
		add_s(q, "vip", argv[0]);
	return run(q, show_health);
}

/* ---- stats, reload, detach --------------------------------------------------- */

static void show_stats(json_object *r)
{
	json_object *g = get(r, "global"), *vips = get(r, "vips");
	size_t i, j;

	printf("%-24s %12s %14s %10s %12s %10s\n", "VIP / BACKEND", "PACKETS", "BYTES", "NEW FLOWS",
	       "FLOW HITS", "MISSES");
	for (i = 0; i < json_object_array_length(vips); i++) {
		json_object *v = json_object_array_get_idx(vips, i), *bes = get(v, "backends");

		printf("%-24s %12lld %14lld %10lld %12lld %10lld\n", gets(v, "name"),
		       geti(v, "packets"), geti(v, "bytes"), geti(v, "new_flows"),
		       geti(v, "flow_hits"), geti(v, "flow_misses"));
		for (j = 0; j < json_object_array_length(bes); j++) {
			json_object *b = json_object_array_get_idx(bes, j);

			printf("  %-22s %12lld %14lld %10lld\n", gets(b, "address"),
			       geti(b, "packets"), geti(b, "bytes"), geti(b, "new_flows"));
		}
	}
	printf("\nevery packet the program saw, all VIPs and none:\n");
	printf("verdicts: tx %lld, redirect %lld, pass %lld, drop %lld, aborted %lld\n",
	       geti(g, "xdp_tx"), geti(g, "xdp_redirect"), geti(g, "xdp_pass"), geti(g, "xdp_drop"),
	       geti(g, "xdp_aborted"));
	printf("reasons:  forwarded %lld, not_vip %lld, not_ip %lld, malformed %lld, "
	       "no_backend %lld, unparsed %lld\n",
	       geti(g, "forwarded"), geti(g, "not_vip"), geti(g, "not_ip"), geti(g, "malformed"),
	       geti(g, "no_backend"), geti(g, "unparsed"));
	printf("events:   fragments %lld, syn_tracked %lld, flow_moved %lld, udp_expired %lld\n",
	       geti(g, "fragments"), geti(g, "syn_tracked"), geti(g, "flow_moved"),
	       geti(g, "udp_expired"));
	printf("icmp:     echo answered %lld, errors routed %lld, too-big sent %lld; "
	       "encap failed %lld\n",
	       geti(g, "icmp_echo"), geti(g, "icmp_routed"), geti(g, "icmp_too_big"),
	       geti(g, "encap_fail"));
}

static void show_rates(json_object *r)
{
	json_object *vips = get(r, "vips");
	size_t i, j;

	printf("rates over the last %.1f s\n", json_object_get_double(get(r, "interval_s")));
	printf("%-24s %12s %14s %12s\n", "VIP / BACKEND", "PACKETS/S", "BYTES/S", "NEW FLOWS/S");
	for (i = 0; i < json_object_array_length(vips); i++) {
		json_object *v = json_object_array_get_idx(vips, i), *bes = get(v, "backends");

		printf("%-24s %12.1f %14.1f %12.1f\n", gets(v, "name"),
		       json_object_get_double(get(v, "packets_per_s")),
		       json_object_get_double(get(v, "bytes_per_s")),
		       json_object_get_double(get(v, "new_flows_per_s")));
		for (j = 0; j < json_object_array_length(bes); j++) {
			json_object *b = json_object_array_get_idx(bes, j);

			printf("  %-22s %12.1f %14.1f %12.1f\n", gets(b, "address"),
			       json_object_get_double(get(b, "packets_per_s")),
			       json_object_get_double(get(b, "bytes_per_s")),
			       json_object_get_double(get(b, "new_flows_per_s")));
		}
	}
}

static void show_zeroed(json_object *r)
{
	(void)r;
	printf("counters zeroed (xlbctl's figures; the maps and the metrics count on)\n");
}

static int do_stats(int argc, char **argv)
{
	json_object *q;
	int rate = 0;

	if (argc && !strcmp(argv[0], "zero")) {
		if (argc > 2)
			return usage_err("usage: stats zero [VIP]");
		q = request("stats.zero");
		if (argc == 2)
			add_s(q, "vip", argv[1]);
		return run(q, show_zeroed);
	}
	if (argc && !strcmp(argv[0], "--rate")) {
		rate = 1;
		argc--;
		argv++;
	}
	if (argc > 1)
		return usage_err("usage: stats [--rate] [VIP] | stats zero [VIP]");
	q = request("stats");
	if (argc)
		add_s(q, "vip", argv[0]);
	if (rate)
		json_object_object_add(q, "rate", json_object_new_boolean(1));
	return run(q, rate ? show_rates : show_stats);
}

/* ---- explain ------------------------------------------------------------------ */

static void show_explain(json_object *r)
{
	json_object *w = get(r, "why"), *b = get(r, "backend");
	size_t i;

	printf("%s: %s\n", gets(r, "flow"), gets(r, "verdict"));
	for (i = 0; i < json_object_array_length(w); i++)
		printf("  %s\n", json_object_get_string(json_object_array_get_idx(w, i)));
	if (b)
		printf("  -> backend %s (%s, health %s): %s, next hop %s via %s (XDP_%s)\n",
		       gets(b, "address"), gets(b, "forwarding_state"), gets(b, "health"),
		       gets(b, "forwarding"), gets(b, "next_hop_mac"), gets(b, "interface"),
		       strcmp(gets(b, "xdp_action"), "tx") ? "REDIRECT" : "TX");
}

/* "ADDR:PORT" or "[V6]:PORT" into the request's fields k and kport. */
static int add_endpoint(json_object *q, const char *k, const char *kport, const char *s)
{
	const char *colon = strrchr(s, ':');
	char host[64];
	size_t n;

	if (!colon || colon == s)
		return -1;
	n = (size_t)(colon - s);
	if (s[0] == '[') {
		if (n < 3 || s[n - 1] != ']')
			return -1;
		s++;
		n -= 2;
	}
	if (n >= sizeof(host))
		return -1;
	memcpy(host, s, n);
	host[n] = 0;
	add_s(q, k, host);
	return add_i(q, kport, colon + 1);
}

static int do_explain(int argc, char **argv)
{
	json_object *q = request("explain");

	/* explain CLIENT:PORT VIP | explain CLIENT:PORT VIPADDR:PORT [tcp|udp] */
	if (argc < 2 || argc > 3 || add_endpoint(q, "client", "client_port", argv[0]))
		goto usage;
	/* VIP names never hold a ':'; endpoints always do */
	if (strchr(argv[1], ':')) {
		if (add_endpoint(q, "address", "port", argv[1]))
			goto usage;
		if (argc == 3)
			add_s(q, "protocol", argv[2]);
	} else {
		if (argc == 3)
			goto usage;
		add_s(q, "vip", argv[1]);
	}
	return run(q, show_explain);
usage:
	json_object_put(q);
	return usage_err("usage: explain CLIENT:PORT VIP | explain CLIENT:PORT VIPADDR:PORT "
			 "[tcp|udp]");
}

/* ---- flows -------------------------------------------------------------------- */

static void show_flows(json_object *r)
{
	json_object *a = get(r, "flows"), *f;
	long long shown = geti(r, "shown"), matched = geti(r, "matched");
	size_t i;

	if (shown)
		printf("%-5s %-28s %-28s %-16s %-24s %s\n", "PROTO", "CLIENT", "DESTINATION", "VIP",
		       "BACKEND", "STATE");
	for (i = 0; i < json_object_array_length(a); i++) {
		f = json_object_array_get_idx(a, i);
		printf("%-5s %-28s %-28s %-16s %-24s %s", gets(f, "protocol"), gets(f, "client"),
		       gets(f, "destination"), gets(f, "vip"), gets(f, "backend"),
		       gets(f, "state"));
		if (get(f, "idle_s"))
			printf(", idle %lld s", geti(f, "idle_s"));
		else if (get(f, "closing_s"))
			printf(" for %lld s", geti(f, "closing_s"));
		printf("\n");
	}
	if (shown < matched)
		printf("%lld of %lld matching flows shown (-n COUNT shows more); %lld flows in the "
		       "table\n",
		       shown, matched, geti(r, "in_table"));
	else
		printf("%lld matching flow%s; %lld flows in the table\n", matched,
		       matched == 1 ? "" : "s", geti(r, "in_table"));
}

static int do_flows(int argc, char **argv)
{
	json_object *q = request("flows");
	int i, vip = 0;

	/* flows [-n COUNT] [--backend ADDRESS] [--client ADDRESS] [VIP] */
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			if (add_i(q, "limit", argv[++i]))
				goto usage;
		} else if (!strcmp(argv[i], "--backend") && i + 1 < argc) {
			add_s(q, "backend", argv[++i]);
		} else if (!strcmp(argv[i], "--client") && i + 1 < argc) {
			add_s(q, "client", argv[++i]);
		} else if (argv[i][0] != '-' && !vip++) {
			add_s(q, "vip", argv[i]);
		} else {
			goto usage;
		}
	}
	return run(q, show_flows);
usage:
	json_object_put(q);
	return usage_err("usage: flows [-n COUNT] [--backend ADDRESS] [--client ADDRESS] [VIP]");
}

/* ---- monitor ------------------------------------------------------------------ */

static void show_event(json_object *e)
{
	const char *ev = gets(e, "event");
	time_t t = (time_t)json_object_get_double(get(e, "time"));
	struct tm tm;
	char ts[16];

	localtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	if (!strcmp(ev, "summary")) {
		printf("%s (%lld events over the rate of %lld a second a CPU not shown, %lld "
		       "lost)\n",
		       ts, geti(e, "suppressed"), geti(e, "events_per_s"), geti(e, "lost"));
		return;
	}
	printf("%s %-11s %-4s %s -> %s (%s)", ts, ev, gets(e, "protocol"), gets(e, "client"),
	       gets(e, "destination"), get(e, "vip") ? gets(e, "vip") : "no vip");
	if (get(e, "backend"))
		printf(" backend %s", gets(e, "backend"));
	if (get(e, "reason"))
		printf(" reason %s", gets(e, "reason"));
	printf("\n");
}

static int do_monitor(int argc, char **argv)
{
	json_object *q = request("monitor"), *r;
	int rc;

	if (argc == 2 && !strcmp(argv[0], "--rate")) {
		if (add_i(q, "events_per_s", argv[1]))
			argc = -1;
	} else if (argc) {
		argc = -1;
	}
	if (argc < 0) {
		json_object_put(q);
		return usage_err("usage: monitor [--rate EVENTS_PER_S]");
	}
	rc = call_stream(q, &r);
	if (rc)
		return rc;
	if (get(r, "error")) {
		if (json_out)
			print_json(r);
		else
			fprintf(stderr, "xlbctl: %s\n", gets(get(r, "error"), "message"));
		json_object_put(r);
		return EXIT_REFUSED;
	}
	json_object_put(r);
	if (!json_out)
		fprintf(stderr, "xlbctl: monitoring (at most %s events a second a CPU); ^C ends\n",
			argc ? argv[1] : "100");
	return stream_events(json_out ? NULL : show_event);
}

/* A dry run's disruption, VIP by VIP, then what it would cut in all. */
static void show_disruption(json_object *d)
{
	json_object *vips = get(d, "vips"), *w = get(d, "routes_withdrawn");
	size_t i, j, n;

	if (!d)
		return;
	n = json_object_array_length(vips);
	printf("disruption:\n");
	for (i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(vips, i), *cut = get(v, "backends_cut"),
			    *ck = get(v, "checks");

		printf("  vip %s (%s):", gets(v, "vip"), gets(v, "change"));
		if (json_object_get_boolean(get(v, "ring_rebuilt")) ||
		    json_object_get_int64(get(v, "slots_moved")))
			printf(" %lld of %lld ring slots change owner (%s%%),",
			       (long long)json_object_get_int64(get(v, "slots_moved")),
			       (long long)json_object_get_int64(get(v, "ring_slots")),
			       gets(v, "slots_moved_pct"));
		else
			printf(" its ring stays,");
		printf(" %lld flow%s cut, %lld healthy after\n",
		       (long long)json_object_get_int64(get(v, "flows_cut")),
		       json_object_get_int64(get(v, "flows_cut")) == 1 ? "" : "s",
		       (long long)json_object_get_int64(get(v, "healthy_after")));
		for (j = 0; j < json_object_array_length(cut); j++) {
			json_object *b = json_object_array_get_idx(cut, j);

			printf("    backend %s %s: %lld flow%s cut\n", gets(b, "backend"),
			       gets(b, "why"), (long long)json_object_get_int64(get(b, "flows")),
			       json_object_get_int64(get(b, "flows")) == 1 ? "" : "s");
		}
		for (j = 0; j < json_object_array_length(ck); j++)
			printf("    check: %s\n",
			       json_object_get_string(json_object_array_get_idx(ck, j)));
	}
	for (j = 0; j < json_object_array_length(w); j++)
		printf("  route to %s withdrawn\n",
		       json_object_get_string(json_object_array_get_idx(w, j)));
	if (!json_object_get_boolean(get(d, "flows_counted")))
		printf("  (the flow table could not be read: flows are not counted)\n");
	printf("in all: %lld flow%s cut, %zu route%s withdrawn\n",
	       (long long)json_object_get_int64(get(d, "flows_cut")),
	       json_object_get_int64(get(d, "flows_cut")) == 1 ? "" : "s",
	       json_object_array_length(w), json_object_array_length(w) == 1 ? "" : "s");
}

static void show_reload(json_object *r)
{
	json_object *c = get(r, "changes"), *u = get(r, "undone");
	size_t i, j, n = json_object_array_length(c), nu = json_object_array_length(u);
	int dry = json_object_get_boolean(get(r, "dry_run"));

	printf("%s: %zu change%s%s\n", dry ? "a reload would make" : "reloaded", n,
	       n == 1 ? "" : "s", n ? ":" : "");
	for (i = 0; i < n; i++) {
		const char *line = json_object_get_string(json_object_array_get_idx(c, i));
		int undoes = 0;

		for (j = 0; j < nu && !undoes; j++)
			undoes = !strcmp(line,
					 json_object_get_string(json_object_array_get_idx(u, j)));
		printf("  %s%s\n", line, undoes ? "  (undoes a change made with xlbctl)" : "");
	}
	show_disruption(get(r, "disruption"));
	if (dry)
		printf("nothing was changed (dry run)\n");
}

static int do_reload(int argc, char **argv)
{
	json_object *q;

	if (argc > 1 || (argc == 1 && strcmp(argv[0], "--dry-run")))
		return usage_err("usage: reload [--dry-run]");
	q = request("reload");
	if (argc)
		json_object_object_add(q, "dry_run", json_object_new_boolean(1));
	return run(q, show_reload);
}

static void show_detached(json_object *r)
{
	printf("detached from %s: the program and its pins are gone, xlbd exits\n",
	       gets(r, "detached"));
}

/* Ask on a terminal; a script (no terminal) has said what it wants. */
static int confirm(const char *question)
{
	char line[16];

	if (!isatty(STDIN_FILENO))
		return 1;
	fprintf(stderr, "%s [y/N] ", question);
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	return line[0] == 'y' || line[0] == 'Y';
}

static int do_detach(int argc, char **argv)
{
	if (argc > 1 || (argc == 1 && strcmp(argv[0], "--yes")))
		return usage_err("usage: detach [--yes]");
	if (!argc && !confirm("Detach xlb: every VIP stops being served and every flow is "
			      "forgotten. Go on?")) {
		return fail(EXIT_REFUSED, "not_confirmed",
			    "detach: not confirmed; nothing changed");
	}
	return run(request("detach"), show_detached);
}

/* ---- top: a live view ----------------------------------------------------------- */

enum top_sort { SORT_NAME, SORT_PPS, SORT_BPS, SORT_FLOWS, SORT_ACTIVE, SORT_N };
static const char *const sort_names[SORT_N] = { "address", "pps", "bps", "new/s", "active" };

struct top_row {
	json_object *b, *s; /* the backend in vip.list, and in stats */
	double key;
};

static json_object *find_named(json_object *arr, const char *k, const char *v)
{
	size_t i;

	for (i = 0; i < json_object_array_length(arr); i++)
		if (!strcmp(gets(json_object_array_get_idx(arr, i), k), v))
			return json_object_array_get_idx(arr, i);
	return NULL;
}

static double getd(json_object *o, const char *k)
{
	return json_object_get_double(get(o, k));
}

static void fmt_rate(double v, const char *unit, char *buf, size_t len)
{
	if (v >= 1e9)
		snprintf(buf, len, "%.2fG%s", v / 1e9, unit);
	else if (v >= 1e6)
		snprintf(buf, len, "%.2fM%s", v / 1e6, unit);
	else if (v >= 1e4)
		snprintf(buf, len, "%.1fk%s", v / 1e3, unit);
	else
		snprintf(buf, len, "%.0f%s", v, unit);
}

static int top_cmp_sort;

static int top_cmp(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;

	if (top_cmp_sort == SORT_NAME)
		return strcmp(gets(x->b, "address"), gets(y->b, "address"));
	return x->key < y->key ? 1 : x->key > y->key ? -1 : 0;
}

/*
 * One frame, as lines into out (a terminal's window, or stdout). Every
 * figure comes from two requests made just now: stats with rates (the
 * daemon samples every second) and vip.list (state, weights, flows, checks).
 */
static int top_frame(const char *only, int sort, int pick, FILE *out, int *nvips)
{
	json_object *q, *st, *vl, *svips, *vips;
	struct top_row rows[512];
	size_t i, j, n;
	int rc, shown = 0;

	q = request("stats");
	json_object_object_add(q, "rate", json_object_new_boolean(1));
	if ((rc = call(q, &st)))
		return rc;
	if ((rc = call(request("vip.list"), &vl))) {
		json_object_put(st);
		return rc;
	}
	svips = get(st, "vips");
	vips = get(vl, "vips");
	*nvips = (int)json_object_array_length(vips);
	if (pick >= *nvips)
		pick = -1;
	fprintf(out, "xlb top: %d vips, rates over %.1f s, sorted by %s (s), vip %s (v), q quits\n",
		*nvips, getd(st, "interval_s"), sort_names[sort],
		pick >= 0 ? gets(json_object_array_get_idx(vips, (size_t)pick), "name")
		: only	  ? only
			  : "all");
	for (i = 0; i < json_object_array_length(vips); i++) {
		json_object *v = json_object_array_get_idx(vips, i), *bes = get(v, "backends");
		json_object *sv = find_named(svips, "name", gets(v, "name"));
		char pps[16], bps[16], nfs[16];

		if ((only && strcmp(only, gets(v, "name"))) || (pick >= 0 && (int)i != pick))
			continue;
		fmt_rate(sv ? getd(sv, "packets_per_s") : 0, "", pps, sizeof(pps));
		fmt_rate(sv ? getd(sv, "bytes_per_s") * 8 : 0, "b", bps, sizeof(bps));
		fmt_rate(sv ? getd(sv, "new_flows_per_s") : 0, "", nfs, sizeof(nfs));
		fprintf(out, "\nVIP %s %s:%lld/%s %s %s  %s pps %s %s new/s  %lld packets\n",
			gets(v, "name"), gets(v, "address"), geti(v, "port"), gets(v, "protocol"),
			gets(v, "scheduler"), gets(v, "forwarding"), pps, bps, nfs,
			sv ? geti(sv, "packets") : 0);
		fprintf(out, "  %-26s %-5s %-7s %6s %4s %7s %9s %10s %7s %12s  %s\n", "BACKEND",
			"STATE", "HEALTH", "WEIGHT", "EFF", "ACTIVE", "PPS", "BPS", "NEW/S",
			"PACKETS", "LAST CHECK");
		n = json_object_array_length(bes);
		if (n > sizeof(rows) / sizeof(rows[0]))
			n = sizeof(rows) / sizeof(rows[0]);
		for (j = 0; j < n; j++) {
			rows[j].b = json_object_array_get_idx(bes, j);
			rows[j].s = sv ? find_named(get(sv, "backends"), "address",
						    gets(rows[j].b, "address"))
				       : NULL;
			rows[j].key = !rows[j].s	   ? 0
				      : sort == SORT_PPS   ? getd(rows[j].s, "packets_per_s")
				      : sort == SORT_BPS   ? getd(rows[j].s, "bytes_per_s")
				      : sort == SORT_FLOWS ? getd(rows[j].s, "new_flows_per_s")
				      : sort == SORT_ACTIVE
					      ? (double)geti(rows[j].b, "active_flows")
					      : 0;
		}
		top_cmp_sort = sort;
		qsort(rows, n, sizeof(rows[0]), top_cmp);
		for (j = 0; j < n; j++) {
			json_object *b = rows[j].b, *s = rows[j].s;
			char check[48] = "-", active[16] = "-";

			if (get(b, "result"))
				snprintf(check, sizeof(check), "%s %.1fms", gets(b, "result"),
					 getd(b, "latency_ms"));
			if (get(b, "active_flows"))
				snprintf(active, sizeof(active), "%lld", geti(b, "active_flows"));
			fmt_rate(s ? getd(s, "packets_per_s") : 0, "", pps, sizeof(pps));
			fmt_rate(s ? getd(s, "bytes_per_s") * 8 : 0, "b", bps, sizeof(bps));
			fmt_rate(s ? getd(s, "new_flows_per_s") : 0, "", nfs, sizeof(nfs));
			fprintf(out, "  %-26s %-5s %-7s %6lld %4lld %7s %9s %10s %7s %12lld  %s\n",
				gets(b, "address"), gets(b, "state"), gets(b, "health"),
				geti(b, "weight"), geti(b, "effective_weight"), active, pps, bps,
				nfs, s ? geti(s, "packets") : 0, check);
		}
		shown++;
	}
	if (only && !shown)
		fprintf(out, "\nno vip %s\n", only);
	json_object_put(st);
	json_object_put(vl);
	return 0;
}

static int do_top(int argc, char **argv)
{
	int count = -1, sort = SORT_NAME, pick = -1, nvips = 0, rc, ch, i;
	double delay = 1.0;
	const char *only = NULL;
	char *buf;
	size_t len;
	FILE *mem;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			count = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-d") && i + 1 < argc)
			delay = atof(argv[++i]);
		else if (argv[i][0] != '-' && !only)
			only = argv[i];
		else
			return usage_err("usage: top [-n COUNT] [-d SECONDS] [VIP]");
	}
	if (delay < 0.1 || delay > 3600)
		return usage_err("top: -d must be 0.1 to 3600 seconds");
	/* not a terminal: plain frames, one unless -n says more */
	if (!isatty(STDOUT_FILENO)) {
		for (i = 0; count < 0 ? i < 1 : i < count; i++) {
			if (i)
				usleep((useconds_t)(delay * 1e6));
			rc = top_frame(only, sort, -1, stdout, &nvips);
			if (rc)
				return rc;
			fflush(stdout);
		}
		return 0;
	}
	initscr();
	cbreak();
	noecho();
	curs_set(0);
	keypad(stdscr, TRUE);
	timeout((int)(delay * 1000));
	for (i = 0; count < 0 || i < count; i++) {
		mem = open_memstream(&buf, &len);
		if (!mem) {
			endwin();
			return EXIT_REFUSED;
		}
		rc = top_frame(only, sort, pick, mem, &nvips);
		fclose(mem);
		if (rc) {
			free(buf);
			endwin();
			return rc;
		}
		erase();
		mvaddnstr(0, 0, buf, (int)len);
		refresh();
		free(buf);
		ch = getch();
		if (ch == 'q' || ch == 'Q')
			break;
		if (ch == 's')
			sort = (sort + 1) % SORT_N;
		if (ch == 'v' || ch == '\t')
			pick = pick + 1 >= nvips ? -1 : pick + 1;
	}
	endwin();
	return 0;
}

static int do_help(int argc, char **argv);

/* clang-format off */
static const struct cmd top_cmds[] = {
	{ "status", do_status, "status" },
	{ "vip", do_vip, NULL },
	{ "backend", do_backend, NULL },
	{ "stats", do_stats, "stats [--rate] [VIP] | stats zero [VIP]" },
	{ "top", do_top, "top [-n COUNT] [-d SECONDS] [VIP]" },
	{ "explain", do_explain, "explain CLIENT:PORT VIP | explain CLIENT:PORT VIPADDR:PORT [tcp|udp]" },
	{ "flows", do_flows, "flows [-n COUNT] [--backend ADDRESS] [--client ADDRESS] [VIP]" },
	{ "monitor", do_monitor, "monitor [--rate EVENTS_PER_S]" },
	{ "compare", do_compare, "compare SOCKET|FILE SOCKET|FILE..." },
	{ "host", do_host, NULL },
	{ "health", do_health, "health [VIP]" },
	{ "reload", do_reload, "reload [--dry-run]" },
	{ "detach", do_detach, "detach [--yes]", 1 },
	{ "help", do_help, "help" },
	{},
};
/* clang-format on */

static int do_help(int argc, char **argv)
{
	const struct cmd *tables[] = { top_cmds, vip_cmds, be_cmds, host_cmds };
	size_t t;

	(void)argc;
	(void)argv;
	printf("usage: xlbctl [-j] [-p] [-s SOCKET] OBJECT VERB ...\n"
	       "  -j  JSON output    -p  pretty JSON (implies -j)    -s  control socket (default "
	       "%s)\n"
	       "Commands (a unique prefix will do, but never for del or detach):\n",
	       CFG_SOCKET_DEFAULT);
	for (t = 0; t < 4; t++)
		list_verbs(stdout, tables[t]);
	printf("Exit status: 0 done, 1 refused by xlbd, 2 usage error, 3 xlbd unreachable, 4 not\n"
	       "permitted to use the control socket.\n");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },	    { "pretty", no_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 's' }, { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },	    {},
	};
	int c;

	if (getenv("XLB_SOCKET"))
		sock_path = getenv("XLB_SOCKET");
	while ((c = getopt_long(argc, argv, "+jps:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json_out = 1;
			break;
		case 'p':
			json_out = pretty = 1;
			break;
		case 's':
			sock_path = optarg;
			break;
		case 'h':
			return do_help(0, NULL);
		case 'V':
			printf("xlbctl %s\n", XLB_VERSION);
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return usage_err("no command");
	return dispatch(top_cmds, NULL, argc - optind, argv + optind);
}
