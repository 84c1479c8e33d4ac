/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One health check in flight: started by the engine (health.c), run on the
 * daemon's event loop without blocking, finished exactly once through its
 * done callback with a verdict, a named reason and its duration. One file
 * per kind: check_tcp.c (tcp), check_http.c (http, https), check_udp.c,
 * check_exec.c.
 */
#ifndef XLB_CHECK_H
#define XLB_CHECK_H

#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <event2/event.h>
#include <openssl/ssl.h>
#include "config.h"
#include "names.h"

struct http_reply;

/* enum check_reason, why a check ended: names.h (its words are the API's) */

/* ok is reason == CHECK_OK; detail says more, for people. */
typedef void (*check_done_fn)(void *arg, enum check_reason reason, const char *detail, double ms);

struct check {
	struct event_base *base;
	const struct cfg_check *k; /* the engine's, alive while the check runs */
	struct xlb_addr addr;
	const char *vip;
	check_done_fn done;
	void *arg;
	struct timespec t0;
	struct event *timeout;
	/* by kind */
	struct bufferevent *bev; /* tcp, http, https */
	SSL_CTX *ssl_ctx;
	int fd;			 /* udp socket, exec pidfd */
	struct event *ev;	 /* udp reply, exec exit */
	pid_t pid;		 /* exec */
	struct http_reply *http; /* http, https: the reply so far */
};

/*
 * Start a check; *out is freed when it finishes or is cancelled. 0, or
 * -errno when xlbd itself lacks what a check needs (descriptors, memory,
 * processes): then there is no result, since the backend did not fail.
 */
int check_start(struct event_base *base, SSL_CTX *ssl, const struct cfg_check *k,
		const struct xlb_addr *addr, const char *vip, check_done_fn done, void *arg,
		struct check **out);
void check_cancel(struct check *c);

/* For the kinds: finish with a verdict (calls done, frees c). */
void check_finish(struct check *c, enum check_reason reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The reason for a socket error, and its words for the detail. */
enum check_reason check_errno_reason(int err);
const char *check_errno_text(int err);
/* Fill a sockaddr for the check's address and port. */
socklen_t check_sockaddr(const struct check *c, struct sockaddr_storage *ss);

int check_tcp_start(struct check *c);
int check_http_start(struct check *c);
int check_udp_start(struct check *c);
/* Does a UDP reply of n bytes pass: contains expect (any reply when unset)? */
static inline int check_udp_reply_ok(const char *expect, const void *buf, size_t n)
{
	return !expect || !*expect || memmem(buf, n, expect, strlen(expect)) != NULL;
}
int check_exec_start(struct check *c);

/* Is HTTP status st in the check's expected set? */
int check_status_ok(const struct cfg_check *k, int st);

#endif /* XLB_CHECK_H */
