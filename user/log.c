// SPDX-License-Identifier: GPL-2.0
/*
 * Logging. libbpf's own messages are routed here one level down: its warnings
 * become debug lines unless -v was given, so operators see our messages, which
 * name the thing that failed, and not the library's chatter.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "log.h"

static int log_fg = 1;
static int log_verbose;
static int bpf_quiet;
static const char *log_ident = "xlb";

static void vlog(int pri, const char *fmt, va_list ap, int err)
{
	char msg[1024];

	if ((pri == LOG_DEBUG && log_verbose < 1) || (pri == LOG_INFO && log_verbose < 0))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_fg) {
		if (err)
			fprintf(stderr, "%s: %s: %s\n", log_ident, msg, strerror(err));
		else
			fprintf(stderr, "%s: %s\n", log_ident, msg);
		fflush(stderr);
	} else if (err) {
		syslog(pri, "%s: %s", msg, strerror(err));
	} else {
		syslog(pri, "%s", msg);
	}
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char msg[1024];
	size_t n;

	if (log_verbose < 1 && level != LIBBPF_WARN)
		return 0;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	if (n && msg[n - 1] == '\n')
		msg[n - 1] = '\0';
	/* libbpf's lines carry their own "libbpf: " */
	if (level == LIBBPF_WARN && !bpf_quiet)
		log_warnx("%s", msg);
	else
		log_debug("%s", msg);
	return 0;
}

/* libxdp reports its dispatcher fallback as a warning; it is expected here */
static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	return libbpf_print(level == LIBXDP_WARN ? LIBBPF_INFO : LIBBPF_DEBUG, fmt, ap);
}

void log_bpf_quiet(int quiet)
{
	bpf_quiet = quiet;
}

void log_init(const char *ident, int foreground, int verbose)
{
	log_ident = ident;
	log_fg = foreground;
	log_verbose = verbose;
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
}

#define LOG_FN(name, pri, with_errno)             \
	void name(const char *fmt, ...)           \
	{                                         \
		int err = with_errno ? errno : 0; \
		va_list ap;                       \
                                                  \
		va_start(ap, fmt);                \
		vlog(pri, fmt, ap, err);          \
		va_end(ap);                       \
	}

LOG_FN(log_warn, LOG_WARNING, 1)
LOG_FN(log_warnx, LOG_WARNING, 0)
LOG_FN(log_info, LOG_INFO, 0)
LOG_FN(log_debug, LOG_DEBUG, 0)

void fatal(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, err);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, 0);
	va_end(ap);
	exit(1);
}
