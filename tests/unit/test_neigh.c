// SPDX-License-Identifier: GPL-2.0
/*
 * neigh.c's reading of rtnetlink (included whole for its static parsers):
 * a dump ends with its own NLMSG_DONE, not with a late answer to another
 * request; events after an error in one datagram are still read; replies
 * are matched by sequence number; attributes shorter than what is read
 * from them are not read; a message whose length runs past the datagram
 * ends it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "../../user/xlbd/neigh.c"

static int events, resolved;

static void on_neigh(void *ctx, int ifindex, const struct xlb_addr *addr, const uint8_t *mac,
		     enum neigh_event ev)
{
	(void)ctx;
	(void)ifindex;
	(void)addr;
	(void)mac;
	events++;
	resolved += ev == NEIGH_RESOLVED;
}

struct dgram {
	char buf[1024] __attribute__((aligned(4)));
	int len;
};

/* Append a message: type, seq, the fixed header (hl bytes), then attributes. */
static void msg(struct dgram *d, int type, __u32 seq, const void *hdr, size_t hl, const void *attrs,
		size_t al)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(d->buf + d->len);

	memset(h, 0, NLMSG_SPACE(hl + al));
	h->nlmsg_type = (__u16)type;
	h->nlmsg_seq = seq;
	h->nlmsg_len = (__u32)NLMSG_LENGTH(hl + al);
	memcpy(NLMSG_DATA(h), hdr, hl);
	if (al)
		memcpy((char *)NLMSG_DATA(h) + hl, attrs, al);
	d->len += (int)NLMSG_ALIGN(h->nlmsg_len);
}

static size_t rta(void *out, int type, const void *p, size_t n)
{
	struct rtattr *a = out;

	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(n);
	memcpy(RTA_DATA(a), p, n);
	return RTA_ALIGN(a->rta_len);
}

static void neigh4(struct dgram *d, int type, __u32 seq)
{
	struct ndmsg nd = { .ndm_family = AF_INET, .ndm_ifindex = 2, .ndm_state = NUD_REACHABLE };
	static const __u8 dst[4] = { 10, 111, 0, 11 }, mac[6] = { 2, 0, 0, 0, 0, 0x11 };
	char attrs[64];
	size_t al = rta(attrs, NDA_DST, dst, 4);

	al += rta(attrs + al, NDA_LLADDR, mac, 6);
	msg(d, type, seq, &nd, sizeof(nd), attrs, al);
}

static void error_msg(struct dgram *d, __u32 seq, int err)
{
	struct nlmsgerr e = { .error = err };

	msg(d, NLMSG_ERROR, seq, &e, sizeof(e), NULL, 0);
}

static struct neigh n = { .seq = 7, .cb = on_neigh };

static void test_a_late_error_of_another_request_does_not_end_a_dump(void **state)
{
	struct dgram d = {};
	int routes = 0;

	(void)state;
	events = resolved = 0;
	neigh4(&d, RTM_NEWNEIGH, 7);
	error_msg(&d, 6, -ENODEV); /* the answer to an earlier request, late */
	neigh4(&d, RTM_NEWNEIGH, 7);
	assert_int_equal(nl_events(&n, d.buf, d.len, 1, &routes), 0);
	assert_int_equal(resolved, 2);

	memset(&d, 0, sizeof(d));
	msg(&d, NLMSG_DONE, 7, &(int){ 0 }, sizeof(int), NULL, 0);
	assert_int_equal(nl_events(&n, d.buf, d.len, 1, &routes), 1);
}

static void test_events_after_an_error_in_a_datagram_are_still_read(void **state)
{
	struct dgram d = {};
	int routes = 0;

	(void)state;
	events = resolved = 0;
	error_msg(&d, 0, -ENOBUFS);
	neigh4(&d, RTM_NEWNEIGH, 0);
	msg(&d, RTM_NEWROUTE, 0, &(struct rtmsg){ .rtm_family = AF_INET }, sizeof(struct rtmsg),
	    NULL, 0);
	nl_events(&n, d.buf, d.len, 0, &routes);
	assert_int_equal(resolved, 1);
	assert_int_equal(routes, 1);
}

static void test_replies_are_matched_by_sequence_number(void **state)
{
	struct dgram d = {};
	__u8 mac[6] = {};
	struct neigh_entry ne = { .mac = mac };
	int ret = 0;

	(void)state;
	error_msg(&d, 6, -ENOENT); /* late, of another request: skipped */
	neigh4(&d, RTM_NEWNEIGH, 7);
	assert_int_equal(nl_reply(&n, d.buf, d.len, RTM_NEWNEIGH, parse_neigh_entry, &ne, &ret), 1);
	assert_int_equal(ret, NUD_REACHABLE);
	assert_true(ne.have_mac && mac[5] == 0x11);

	memset(&d, 0, sizeof(d));
	neigh4(&d, RTM_NEWNEIGH, 6);
	assert_int_equal(nl_reply(&n, d.buf, d.len, RTM_NEWNEIGH, parse_neigh_entry, &ne, &ret), 0);

	memset(&d, 0, sizeof(d));
	error_msg(&d, 7, -EHOSTUNREACH);
	assert_int_equal(nl_reply(&n, d.buf, d.len, RTM_NEWNEIGH, parse_neigh_entry, &ne, &ret), 1);
	assert_int_equal(ret, -EHOSTUNREACH);
}

static void test_an_error_reply_too_short_for_its_error_is_a_protocol_error(void **state)
{
	struct dgram d = {};
	int ret = 0;
	__u8 mac[6];
	struct neigh_entry ne = { .mac = mac };

	(void)state;
	msg(&d, NLMSG_ERROR, 7, &(int){ -EPERM }, 2, NULL, 0); /* half an int */
	assert_int_equal(nl_reply(&n, d.buf, d.len, RTM_NEWNEIGH, parse_neigh_entry, &ne, &ret), 1);
	assert_int_equal(ret, -EPROTO);
}

static void test_a_link_kind_shorter_than_veth_is_not_read_past(void **state)
{
	struct ifinfomsg ifi = { .ifi_index = 2 };
	struct link_info li = {};
	char inner[16], attrs[64];
	struct dgram d = {};
	size_t il, al;
	int ret = -1;

	(void)state;
	il = rta(inner, IFLA_INFO_KIND, "veth", 5);
	al = rta(attrs, IFLA_LINKINFO, inner, il);
	msg(&d, RTM_NEWLINK, 7, &ifi, sizeof(ifi), attrs, al);
	assert_int_equal(nl_reply(&n, d.buf, d.len, RTM_NEWLINK, parse_link, &li, &ret), 1);
	assert_int_equal(li.veth, 1);

	memset(&d, 0, sizeof(d));
	memset(&li, 0, sizeof(li));
	il = rta(inner, IFLA_INFO_KIND, "ve", 2);
	al = rta(attrs, IFLA_LINKINFO, inner, il);
	msg(&d, RTM_NEWLINK, 7, &ifi, sizeof(ifi), attrs, al);
	assert_int_equal(nl_reply(&n, d.buf, d.len, RTM_NEWLINK, parse_link, &li, &ret), 1);
	assert_int_equal(li.veth, 0);
}

/* libmnl 1.0.4 takes a length past 2 GiB for a negative one, and walks off the datagram. */
static void test_a_message_longer_than_2_gib_ends_the_datagram(void **state)
{
	struct dgram d = {};
	struct nlmsghdr *h;
	int routes = 0, ret = 0;
	__u8 mac[6];
	struct neigh_entry ne = { .mac = mac };

	(void)state;
	events = resolved = 0;
	neigh4(&d, RTM_NEWNEIGH, 0);
	h = (struct nlmsghdr *)(d.buf + d.len);
	neigh4(&d, RTM_NEWNEIGH, 0);
	h->nlmsg_len = 0xfe000010u;
	neigh4(&d, RTM_NEWNEIGH, 0);
	assert_int_equal(nl_events(&n, d.buf, d.len, 0, &routes), 0);
	assert_int_equal(events, 1); /* the one before it */
	h->nlmsg_seq = 7;
	assert_int_equal(nl_reply(&n, d.buf, d.len, RTM_NEWNEIGH, parse_neigh_entry, &ne, &ret), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_late_error_of_another_request_does_not_end_a_dump),
		cmocka_unit_test(test_events_after_an_error_in_a_datagram_are_still_read),
		cmocka_unit_test(test_replies_are_matched_by_sequence_number),
		cmocka_unit_test(test_an_error_reply_too_short_for_its_error_is_a_protocol_error),
		cmocka_unit_test(test_a_link_kind_shorter_than_veth_is_not_read_past),
		cmocka_unit_test(test_a_message_longer_than_2_gib_ends_the_datagram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
