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
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "log.h"

static int log_fg = 1;	/* to stderr; else to syslog */
static int log_stamp;	/* stderr lines start with the time */
static int log_journal; /* stderr is journald's: lines start with <priority> */
static int log_verbose;
static int bpf_quiet;
static const char *log_ident = "xlb";

static void vlog(int pri, const char *fmt, va_list ap, int err)
{
	char msg[1024], stamp[40] = "";

	if ((pri == LOG_DEBUG && log_verbose < 1) || (pri == LOG_INFO && log_verbose < 0))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (!log_fg) {
		if (err)
			syslog(pri, "%s: %s", msg, strerror(err));
		else
			syslog(pri, "%s", msg);
		return;
	}
	if (log_journal) {
		snprintf(stamp, sizeof(stamp), "<%d>", pri);
	} else if (log_stamp) {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(stamp + strlen(stamp), sizeof(stamp) - strlen(stamp), ".%03ld ",
			 ts.tv_nsec / 1000000);
	}
	if (err)
		fprintf(stderr, "%s%s: %s: %s\n", stamp, log_ident, msg, strerror(err));
	else
		fprintf(stderr, "%s%s: %s\n", stamp, log_ident, msg);
	fflush(stderr);
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

void log_daemon_stderr(void)
{
	log_fg = 1;
	/* journald marks its streams so; it stamps lines itself */
	log_journal = getenv("JOURNAL_STREAM") != NULL;
	log_stamp = !log_journal;
}

int log_daemon_syslog(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), up;

	/* a syslog (or journald) that listens: else stderr keeps the lines */
	if (fd < 0)
		return 0;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", _PATH_LOG);
	up = !connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (!up)
		return 0;
	openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_fg = 0;
	return 1;
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
