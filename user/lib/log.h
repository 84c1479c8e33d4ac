/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Logging, after relayd's log.c: stderr in the foreground, syslog otherwise
 * (stderr when no syslog listens).
 * log_warn appends strerror(errno); the -x variants do not.
 */
#ifndef XLB_LOG_H
#define XLB_LOG_H

#include <stdarg.h>

#define LOG_F(a, b) __attribute__((format(printf, a, b)))

/* verbose: 1 debug too, 0 info and up, -1 warnings only */
void log_init(const char *ident, int foreground, int verbose);
/*
 * A daemon's logging. log_daemon_stderr(): lines on stderr with the time (or,
 * under journald, with their priority). log_daemon_syslog(): to syslog when
 * one listens on /dev/log, 1 then; 0 and nothing changed when none does.
 */
void log_daemon_stderr(void);
int log_daemon_syslog(void);
/* While set, library warnings are logged as debug (expected failures). */
void log_bpf_quiet(int quiet);
void log_warn(const char *fmt, ...) LOG_F(1, 2);
void log_warnx(const char *fmt, ...) LOG_F(1, 2);
void log_info(const char *fmt, ...) LOG_F(1, 2);
void log_debug(const char *fmt, ...) LOG_F(1, 2);
void fatal(const char *fmt, ...) LOG_F(1, 2) __attribute__((noreturn));
void fatalx(const char *fmt, ...) LOG_F(1, 2) __attribute__((noreturn));

#endif /* XLB_LOG_H */
