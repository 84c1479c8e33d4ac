// SPDX-License-Identifier: GPL-2.0
/*
 * The data plane: loading the XDP program and writing its maps.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dataplane.h"
#include "xlb.skel.h"

struct dp {
	struct xlb_bpf *skel;
	int ncpus;
	__u32 ring_flags; /* the ring template's, which every ring must share */
};

int dp_load(struct dp **dpp, const struct dp_opts *opts)
{
	struct dp *dp;
	int err;

	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return -ENOMEM;
	dp->ncpus = libbpf_num_possible_cpus();
	if (dp->ncpus < 0) {
		err = dp->ncpus;
		goto err_free;
	}

	/* open: parse the object, maps not created yet */
	dp->skel = xlb_bpf__open();
	if (!dp->skel) {
		err = -errno;
		goto err_free;
	}

	/* size the flow tables before they are created */
	if (opts && opts->max_flows)
		bpf_map__set_max_entries(dp->skel->maps.xlb_flows, opts->max_flows);
	if (opts && opts->max_syn_flows)
		bpf_map__set_max_entries(dp->skel->maps.xlb_syn_flows, opts->max_syn_flows);

	/* libbpf drops the ring template at load: keep its flags for new rings */
	dp->ring_flags = bpf_map__map_flags(bpf_map__inner_map(dp->skel->maps.xlb_rings));

	/* load: create the maps, verify the program */
	err = xlb_bpf__load(dp->skel);
	if (err)
		goto err_destroy;

	*dpp = dp;
	return 0;

err_destroy:
	xlb_bpf__destroy(dp->skel);
err_free:
	free(dp);
	return err;
}

void dp_close(struct dp *dp)
{
	if (!dp)
		return;
	xlb_bpf__destroy(dp->skel);
	free(dp);
}

int dp_prog_fd(const struct dp *dp)
{
	return bpf_program__fd(dp->skel->progs.xlb_xdp);
}

static int map_fd(const struct bpf_map *m)
{
	return bpf_map__fd(m);
}

static int update(const struct bpf_map *m, const void *key, const void *val)
{
	return bpf_map_update_elem(map_fd(m), key, val, BPF_ANY) ? -errno : 0;
}

int dp_config_set(struct dp *dp, const struct xlb_config *cfg)
{
	__u32 zero = 0;

	return update(dp->skel->maps.xlb_config, &zero, cfg);
}

static int vip_key_same_addr(const struct xlb_vip_key *a, const struct xlb_vip_key *b)
{
	return a->family == b->family && a->proto == b->proto &&
	       !memcmp(a->addr, b->addr, sizeof(a->addr));
}

/*
 * Non-first fragments carry no ports, so the program finds their VIP by
 * (address, protocol) alone, through an entry flagged XLB_VIPK_F_FRAG. Point
 * it at the any-port VIP of that address if there is one (it would own the
 * datagram anyway), else at the VIP with the lowest port; remove it when the
 * address has no VIP left. Every fragment of a datagram, the first included,
 * then reaches the same VIP and, hashed on addresses, the same backend.
 */
static int dp_frag_sync(struct dp *dp, const struct xlb_vip_key *ref)
{
	int fd = map_fd(dp->skel->maps.xlb_vips);
	struct xlb_vip_key k, next, fk = {}, best = {};
	struct xlb_vip v, bestv;
	void *prev = NULL;
	int found = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		if (k.flags & XLB_VIPK_F_FRAG || !vip_key_same_addr(&k, ref))
			continue;
		if (bpf_map_lookup_elem(fd, &k, &v))
			continue;
		if (!found || ntohs(k.port) < ntohs(best.port)) {
			best = k;
			bestv = v;
			found = 1;
		}
	}

	memcpy(fk.addr, ref->addr, sizeof(fk.addr));
	fk.proto = ref->proto;
	fk.family = ref->family;
	fk.flags = XLB_VIPK_F_FRAG;
	if (!found) {
		if (bpf_map_delete_elem(fd, &fk) && errno != ENOENT)
			return -errno;
		return 0;
	}
	return bpf_map_update_elem(fd, &fk, &bestv, BPF_ANY) ? -errno : 0;
}

int dp_vip_set(struct dp *dp, const struct xlb_vip_key *key, const struct xlb_vip *vip)
{
	int err;

	if (key->flags || vip->id >= XLB_MAX_VIPS || !vip->ring_size ||
	    vip->scheduler >= XLB_SCHED_MAX || vip->fwd_mode >= XLB_FWD_MAX)
		return -EINVAL;
	err = update(dp->skel->maps.xlb_vips, key, vip);
	if (err)
		return err;
	return dp_frag_sync(dp, key);
}

int dp_vip_del(struct dp *dp, const struct xlb_vip_key *key)
{
	if (bpf_map_delete_elem(map_fd(dp->skel->maps.xlb_vips), key))
		return -errno;
	return dp_frag_sync(dp, key);
}

int dp_ring_swap(struct dp *dp, __u32 vip_id, const __u32 *ring, __u32 size)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = dp->ring_flags);
	__u32 *keys, count = size, i;
	int fd, err;

	if (vip_id >= XLB_MAX_VIPS || !size || size > XLB_RING_SIZE_MAX)
		return -EINVAL;
	keys = malloc((size_t)size * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (i = 0; i < size; i++)
		keys[i] = i;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xlb_ring", sizeof(__u32), sizeof(__u32), size, &o);
	if (fd < 0) {
		err = -errno;
		goto out_keys;
	}
	/* fill the new ring in one syscall, not one a slot */
	if (bpf_map_update_batch(fd, keys, ring, &count, NULL)) {
		err = -errno;
		goto out;
	}
	/* the swap: packets see the old ring or this one, never a mix */
	err = bpf_map_update_elem(map_fd(dp->skel->maps.xlb_rings), &vip_id, &fd, BPF_ANY) ? -errno
											   : 0;
out:
	close(fd); /* the outer map holds the ring now */
out_keys:
	free(keys);
	return err;
}

int dp_ring_del(struct dp *dp, __u32 vip_id)
{
	if (bpf_map_delete_elem(map_fd(dp->skel->maps.xlb_rings), &vip_id) && errno != ENOENT)
		return -errno;
	return 0;
}

int dp_backend_set(struct dp *dp, __u32 id, const struct xlb_backend *be)
{
	if (id >= XLB_MAX_BACKENDS)
		return -EINVAL;
	return update(dp->skel->maps.xlb_backends, &id, be);
}

/* Read one per-CPU entry of n_u64 counters and sum it over the CPUs. */
static int percpu_sum(struct dp *dp, const struct bpf_map *m, __u32 key, __u64 *out, size_t n_u64)
{
	__u64 *vals;
	size_t i;
	int c, err = 0;

	vals = calloc((size_t)dp->ncpus, n_u64 * sizeof(__u64));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(map_fd(m), &key, vals)) {
		err = -errno;
		goto out;
	}
	memset(out, 0, n_u64 * sizeof(__u64));
	for (c = 0; c < dp->ncpus; c++)
		for (i = 0; i < n_u64; i++)
			out[i] += vals[(size_t)c * n_u64 + i];
out:
	free(vals);
	return err;
}

int dp_stats_global(struct dp *dp, struct xlb_global_stats *out)
{
	return percpu_sum(dp, dp->skel->maps.xlb_stats, 0, (__u64 *)out,
			  sizeof(*out) / sizeof(__u64));
}

int dp_stats_vip(struct dp *dp, __u32 vip_id, struct xlb_vip_stats *out)
{
	return percpu_sum(dp, dp->skel->maps.xlb_vip_stats, vip_id, (__u64 *)out,
			  sizeof(*out) / sizeof(__u64));
}

int dp_stats_backend(struct dp *dp, __u32 be_id, struct xlb_be_stats *out)
{
	return percpu_sum(dp, dp->skel->maps.xlb_be_stats, be_id, (__u64 *)out,
			  sizeof(*out) / sizeof(__u64));
}

int dp_flow_get(struct dp *dp, const struct xlb_flow_key *key, int syn, struct xlb_flow *out)
{
	const struct bpf_map *m = syn ? dp->skel->maps.xlb_syn_flows : dp->skel->maps.xlb_flows;

	return bpf_map_lookup_elem(map_fd(m), key, out) ? -errno : 0;
}
