// SPDX-License-Identifier: GPL-2.0
/*
 * The control protocol codec: valid requests parse into their fields; every
 * kind of bad request gets its error code and a message naming the field.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "api.h"

static int parse(const char *s, struct api_req *r, const char **code, char *msg)
{
	return api_parse_request(s, strlen(s), r, code, msg, 256);
}

static void test_backend_set_parses_every_field(void **state)
{
	struct api_req r;
	const char *code = NULL;
	char msg[256];

	(void)state;
	assert_int_equal(parse("{\"cmd\":\"backend.set\",\"vip\":\"web\",\"address\":\"10.0.0.11\","
			       "\"weight\":50,\"state\":\"drain\"}\n",
			       &r, &code, msg),
			 0);
	assert_int_equal(r.cmd, API_BACKEND_SET);
	assert_string_equal(r.vip, "web");
	assert_int_equal(r.addr.family, XLB_AF_INET);
	assert_int_equal(r.weight, 50);
	assert_int_equal(r.state, CFG_STATE_DRAIN);
	assert_int_equal(r.port, -1);
	api_req_free(&r);
}

static void test_vip_add_takes_a_forwarding_mode(void **state)
{
	struct api_req r;
	const char *code = NULL;
	char msg[256];

	(void)state;
	assert_int_equal(parse("{\"cmd\":\"vip.add\",\"vip\":\"t\",\"address\":\"10.0.0.1\","
			       "\"port\":80,\"forwarding\":\"gue\"}",
			       &r, &code, msg),
			 0);
	assert_int_equal(r.fwd, XLB_FWD_GUE);
	api_req_free(&r);
}

static void test_vip_add_parses_ipv6_and_defaults_the_rest(void **state)
{
	struct api_req r;
	const char *code = NULL;
	char msg[256];

	(void)state;
	assert_int_equal(parse("{\"cmd\":\"vip.add\",\"vip\":\"v6\",\"address\":\"fd00::1\","
			       "\"port\":0,\"scheduler\":\"source-ip\"}",
			       &r, &code, msg),
			 0);
	assert_int_equal(r.cmd, API_VIP_ADD);
	assert_int_equal(r.addr.family, XLB_AF_INET6);
	assert_int_equal(r.port, 0);
	assert_int_equal(r.sched, XLB_SCHED_SOURCE_IP);
	assert_int_equal(r.proto, -1);
	assert_int_equal(r.fwd, -1);
	api_req_free(&r);
}

static void test_flows_parses_its_filters_and_leaves_the_limit_unset(void **state)
{
	struct api_req r;
	const char *code = NULL;
	char msg[256];

	(void)state;
	assert_int_equal(parse("{\"cmd\":\"flows\",\"vip\":\"web\",\"backend\":\"fd00::11\","
			       "\"client\":\"10.0.0.2\"}",
			       &r, &code, msg),
			 0);
	assert_int_equal(r.cmd, API_FLOWS);
	assert_string_equal(r.vip, "web");
	assert_true(r.has_backend);
	assert_int_equal(r.backend.family, XLB_AF_INET6);
	assert_true(r.has_client);
	assert_int_equal(r.client.family, XLB_AF_INET);
	assert_int_equal(r.limit, -1);
	api_req_free(&r);
	assert_int_equal(parse("{\"cmd\":\"flows\",\"limit\":10000}", &r, &code, msg), 0);
	assert_int_equal(r.limit, 10000);
	assert_false(r.has_backend);
	assert_false(r.has_client);
	api_req_free(&r);
}

struct bad {
	const char *name, *req, *code, *msg;
};

static const struct bad bads[] = {
	{ "not_json", "{cmd: status}", API_E_BAD_REQUEST,
	  "not JSON: quoted object property name expected at byte 1" },
	{ "incomplete_json", "{\"cmd\":\"status\"", API_E_BAD_REQUEST, "incomplete JSON" },
	{ "trailing_data", "{\"cmd\":\"status\"} x", API_E_BAD_REQUEST,
	  "trailing data after the JSON object at byte 17" },
	{ "not_an_object", "[\"status\"]", API_E_BAD_REQUEST, "a request is a JSON object" },
	{ "no_cmd", "{\"vip\":\"web\"}", API_E_BAD_REQUEST, "cmd: missing, or not a string" },
	{ "cmd_not_a_string", "{\"cmd\":7}", API_E_BAD_REQUEST, "cmd: missing, or not a string" },
	{ "unknown_cmd", "{\"cmd\":\"vip.explode\"}", API_E_UNKNOWN_CMD,
	  "no command \"vip.explode\"" },
	{ "unknown_field", "{\"cmd\":\"status\",\"verbose\":true}", API_E_BAD_REQUEST,
	  "status: no field \"verbose\"" },
	{ "field_of_another_command", "{\"cmd\":\"vip.del\",\"vip\":\"w\",\"weight\":1}",
	  API_E_BAD_REQUEST, "vip.del: no field \"weight\"" },
	{ "missing_required_field", "{\"cmd\":\"backend.del\",\"vip\":\"web\"}", API_E_BAD_REQUEST,
	  "backend.del: address is required" },
	{ "wrong_type",
	  "{\"cmd\":\"backend.set\",\"vip\":\"w\",\"address\":\"1.2.3.4\","
	  "\"weight\":\"50\"}",
	  API_E_BAD_REQUEST, "backend.set: weight must be an integer" },
	{ "bad_address", "{\"cmd\":\"backend.del\",\"vip\":\"w\",\"address\":\"1.2.3\"}",
	  API_E_INVALID, "address: not an IP address: \"1.2.3\"" },
	{ "weight_out_of_range",
	  "{\"cmd\":\"backend.add\",\"vip\":\"w\",\"address\":\"1.2.3.4\","
	  "\"weight\":70000}",
	  API_E_INVALID, "weight: must be 0..65535, got 70000" },
	{ "port_out_of_range",
	  "{\"cmd\":\"vip.add\",\"vip\":\"w\",\"address\":\"1.2.3.4\","
	  "\"port\":-1}",
	  API_E_INVALID, "port: must be 0..65535, got -1" },
	{ "bad_state",
	  "{\"cmd\":\"backend.set\",\"vip\":\"w\",\"address\":\"1.2.3.4\","
	  "\"state\":\"off\"}",
	  API_E_INVALID, "state: one of up, drain, down, got \"off\"" },
	{ "bad_scheduler",
	  "{\"cmd\":\"vip.add\",\"vip\":\"w\",\"address\":\"1.2.3.4\",\"port\":1,"
	  "\"scheduler\":\"rr\"}",
	  API_E_INVALID, "scheduler: one of maglev, source-ip, wrr, random, got \"rr\"" },
	{ "bad_forwarding",
	  "{\"cmd\":\"vip.add\",\"vip\":\"w\",\"address\":\"1.2.3.4\",\"port\":1,"
	  "\"forwarding\":\"nat\"}",
	  API_E_INVALID, "forwarding: one of dsr, ipip, gue, got \"nat\"" },
	{ "bad_mac",
	  "{\"cmd\":\"backend.add\",\"vip\":\"w\",\"address\":\"1.2.3.4\","
	  "\"mac\":\"zz\"}",
	  API_E_INVALID, "mac: not a MAC address: \"zz\"" },
	{ "set_without_weight_or_state",
	  "{\"cmd\":\"backend.set\",\"vip\":\"w\",\"address\":\"1.2.3.4\"}", API_E_BAD_REQUEST,
	  "backend.set: give weight or state" },
	{ "empty_vip_name", "{\"cmd\":\"vip.show\",\"vip\":\"\"}", API_E_INVALID,
	  "vip: 1 to 31 letters, digits, '_', '.' or '-'" },
	{ "vip_name_with_a_newline_is_refused",
	  "{\"cmd\":\"vip.add\",\"vip\":\"a\\nxlbd: forged\",\"address\":\"1.2.3.4\","
	  "\"port\":1}",
	  API_E_INVALID, "vip: 1 to 31 letters, digits, '_', '.' or '-'" },
	{ "vip_name_with_an_escape_sequence_is_refused",
	  "{\"cmd\":\"vip.del\",\"vip\":\"\\u001b[2Jx\"}", API_E_INVALID,
	  "vip: 1 to 31 letters, digits, '_', '.' or '-'" },
	{ "explain_needs_a_client_port",
	  "{\"cmd\":\"explain\",\"client\":\"1.2.3.4\",\"vip\":\"w\"}", API_E_BAD_REQUEST,
	  "explain: client_port is required" },
	{ "explain_needs_a_vip_or_its_address_and_port",
	  "{\"cmd\":\"explain\",\"client\":\"1.2.3.4\",\"client_port\":5,"
	  "\"address\":\"10.0.0.1\"}",
	  API_E_BAD_REQUEST, "explain: give the VIP's name (vip), or its address and port" },
	{ "explain_takes_a_vip_or_an_address_not_both",
	  "{\"cmd\":\"explain\",\"client\":\"1.2.3.4\",\"client_port\":5,\"vip\":\"w\","
	  "\"address\":\"10.0.0.1\",\"port\":80}",
	  API_E_BAD_REQUEST, "explain: give the VIP's name (vip), or its address and port" },
	{ "explain_client_port_0",
	  "{\"cmd\":\"explain\",\"client\":\"1.2.3.4\",\"client_port\":0,\"vip\":\"w\"}",
	  API_E_INVALID, "client_port: must be 1..65535, got 0" },
	{ "explain_bad_client",
	  "{\"cmd\":\"explain\",\"client\":\"me\",\"client_port\":1,\"vip\":\"w\"}", API_E_INVALID,
	  "client: not an IP address: \"me\"" },
	{ "flows_limit_0", "{\"cmd\":\"flows\",\"limit\":0}", API_E_INVALID,
	  "limit: must be 1..10000, got 0" },
	{ "flows_limit_past_the_most", "{\"cmd\":\"flows\",\"limit\":10001}", API_E_INVALID,
	  "limit: must be 1..10000, got 10001" },
	{ "flows_bad_backend", "{\"cmd\":\"flows\",\"backend\":\"10.0.0\"}", API_E_INVALID,
	  "backend: not an IP address: \"10.0.0\"" },
	{ "flows_bad_client", "{\"cmd\":\"flows\",\"client\":\"::g\"}", API_E_INVALID,
	  "client: not an IP address: \"::g\"" },
	{ "flows_takes_no_port", "{\"cmd\":\"flows\",\"port\":80}", API_E_BAD_REQUEST,
	  "flows: no field \"port\"" },
	{ "limit_is_only_for_flows", "{\"cmd\":\"status\",\"limit\":5}", API_E_BAD_REQUEST,
	  "status: no field \"limit\"" },
	{ "monitor_rate_out_of_range", "{\"cmd\":\"monitor\",\"events_per_s\":70000}",
	  API_E_INVALID, "events_per_s: must be 1..65535, got 70000" },
	{ "rate_is_a_boolean", "{\"cmd\":\"stats\",\"rate\":1}", API_E_BAD_REQUEST,
	  "stats: rate must be true or false" },
	{ "stats_zero_takes_no_rate", "{\"cmd\":\"stats.zero\",\"rate\":true}", API_E_BAD_REQUEST,
	  "stats.zero: no field \"rate\"" },
	{ "dry_run_is_only_for_changes_it_can_preview", "{\"cmd\":\"status\",\"dry_run\":true}",
	  API_E_BAD_REQUEST, "status: no field \"dry_run\"" },
	{ "backend_add_has_no_dry_run",
	  "{\"cmd\":\"backend.add\",\"vip\":\"web\",\"address\":\"10.0.0.1\",\"dry_run\":true}",
	  API_E_BAD_REQUEST, "backend.add: no field \"dry_run\"" },
	{ "dry_run_must_be_a_boolean", "{\"cmd\":\"reload\",\"dry_run\":1}", API_E_BAD_REQUEST,
	  "reload: dry_run must be true or false" },
};

static void test_bad_request(void **state)
{
	const struct bad *b = *state;
	struct api_req r;
	const char *code = NULL;
	char msg[256];

	assert_int_equal(parse(b->req, &r, &code, msg), -EINVAL);
	assert_string_equal(code, b->code);
	assert_string_equal(msg, b->msg);
	assert_null(r.obj);
}

static void test_oversized_request_is_refused_unread(void **state)
{
	size_t n = API_MAX_REQUEST + 1;
	char *big = malloc(n);
	struct api_req r;
	const char *code = NULL;
	char msg[256];

	(void)state;
	assert_non_null(big);
	memset(big, ' ', n);
	assert_int_equal(api_parse_request(big, n, &r, &code, msg, sizeof(msg)), -EINVAL);
	assert_string_equal(code, API_E_TOO_LARGE);
	free(big);
}

static void test_replies_have_their_shape(void **state)
{
	json_object *ok = api_ok(), *e = api_error(API_E_NOT_FOUND, "no vip %s", "web");

	(void)state;
	assert_string_equal(json_object_to_json_string_ext(ok, JSON_C_TO_STRING_PLAIN),
			    "{\"ok\":true}");
	assert_string_equal(json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN),
			    "{\"error\":{\"code\":\"not_found\",\"message\":\"no vip web\"}}");
	json_object_put(ok);
	json_object_put(e);
}

#define NBADS (sizeof(bads) / sizeof(bads[0]))

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_backend_set_parses_every_field),
		cmocka_unit_test(test_vip_add_parses_ipv6_and_defaults_the_rest),
		cmocka_unit_test(test_vip_add_takes_a_forwarding_mode),
		cmocka_unit_test(test_flows_parses_its_filters_and_leaves_the_limit_unset),
		cmocka_unit_test(test_oversized_request_is_refused_unread),
		cmocka_unit_test(test_replies_have_their_shape),
	};
	struct CMUnitTest tests[NBADS + sizeof(fixed) / sizeof(fixed[0])];
	size_t i, n = 0;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		tests[n++] = fixed[i];
	for (i = 0; i < NBADS; i++) {
		memset(&tests[n], 0, sizeof(tests[n]));
		tests[n].name = bads[i].name;
		tests[n].test_func = test_bad_request;
		tests[n].initial_state = (void *)&bads[i];
		n++;
	}
	return _cmocka_run_group_tests("api", tests, n, NULL, NULL);
}
