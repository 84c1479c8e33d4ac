// SPDX-License-Identifier: GPL-2.0
/*
 * The data plane: loading the XDP program and writing its maps.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <limits.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <xdp/libxdp.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "dataplane.h"
#include "xdp_refusal.h"
#include "flowtab.h"
#include "log.h"
#include "version.h"
#include "xlb.skel.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#include "../bpf/hash.h" /* the program's hash_flow(), for xlb_flow_bits */

struct dp {
	struct xlb_bpf *skel;
	char *pin_path;
	int adopted;
	int ncpus;
	__u32 ring_flags;	      /* the ring template's, which every ring must share */
	struct xlb_vip_filter filter; /* as written to xlb_vip_filter */
	struct xlb_egress egress[XLB_MAX_EGRESS]; /* as written to xlb_egress */
	__u64 *flow_bits;			  /* xlb_flow_bits, mapped */
	size_t flow_bits_len;
	__u32 flow_bits_words; /* of each bitmap */
	struct flowtab ft;     /* xlb_flows, mapped */
	size_t ft_len;
	int old_flows_fd;    /* an older build's xlb_flows, copied from until attach */
	int rebuild_fd[3];   /* an older build's map of REBUILT[i], copied at load */
	int rebuild_port_be; /* its xlb_vips keys have the port in network order */
	int sweeping;	     /* a rebuild of the hint is under way */
	__u32 sweep_cursor;  /* the next set the walk reads */
	struct xlb_backend sweep_be[XLB_MAX_BACKENDS]; /* as the walk began: gen, timeout */
};

/* Does a map pinned at path have the layout of xlb_flows before xlb's own table? */
static int flows_pin_is_lru(const char *path)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path), lru;

	if (fd < 0)
		return 0;
	lru = !bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == BPF_MAP_TYPE_LRU_HASH &&
	      info.key_size == sizeof(struct xlb_flow_key) &&
	      info.value_size == sizeof(struct xlb_flow);
	close(fd);
	return lru;
}

/*
 * A map pinned by a build with another layout cannot be reused; say which
 * and what to do, rather than let libbpf fail the whole load with EINVAL.
 */
static int pin_compatible(const struct bpf_map *m, const char *path)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path), err = 0;

	if (fd < 0)
		return 0; /* not a map we can open: libbpf will say */
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
	    (info.type != bpf_map__type(m) || info.key_size != bpf_map__key_size(m) ||
	     info.value_size != bpf_map__value_size(m))) {
		log_warnx("%s was made by another xlb build (key %u, value %u bytes; this build: "
			  "%u, %u): 'xlbd --detach' removes it and the flows it holds",
			  path, info.key_size, info.value_size, bpf_map__key_size(m),
			  bpf_map__value_size(m));
		err = -EPROTO;
	}
	close(fd);
	return err;
}

/*
 * Maps only xlbd writes, whose BTF says how bpftool shows them. One pinned by
 * a build that declared other types (an address as words, a port in network
 * order) is not reused as it is: its entries are copied at load into a map
 * of this build's types, which takes its pin (the older program, until it
 * is replaced, keeps reading its own). xlb_vips' keys then change their port
 * to host order.
 */
static const char *const REBUILT[] = { "xlb_vips", "xlb_backends", "xlb_config" };
#define NREBUILT (sizeof(REBUILT) / sizeof(REBUILT[0]))

static int rebuilt_index(const struct bpf_map *m)
{
	unsigned i;

	for (i = 0; i < NREBUILT; i++)
		if (!strcmp(bpf_map__name(m), REBUILT[i]))
			return (int)i;
	return -1;
}

/* The name of BTF type id, typedefs and modifiers kept ("__be16"), or "". */
static const char *btf_name(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf ? btf__type_by_id(btf, id) : NULL;

	return t ? btf__name_by_offset(btf, t->name_off) : "";
}

/* The type name of member of struct type id ("" when there is none). */
static const char *btf_member_type(const struct btf *btf, __u32 id, const char *member)
{
	const struct btf_type *t = btf ? btf__type_by_id(btf, id) : NULL;
	const struct btf_member *m;
	unsigned i;

	if (!t || !btf_is_struct(t))
		return "";
	for (i = 0, m = btf_members(t); i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), member))
			return btf_name(btf, m->type);
	return "";
}

/*
 * Does the map pinned at path declare other key or value types than m (this
 * build's)? *port_be: its key's port is __be16 (xlb_vips before the port was
 * kept in host order).
 */
static int pin_types_differ(const struct bpf_object *obj, const struct bpf_map *m, const char *path,
			    int *port_be)
{
	const struct btf *ours = bpf_object__btf(obj);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct btf *theirs = NULL;
	int fd = bpf_obj_get(path), differ = 0;

	*port_be = 0;
	if (fd < 0)
		return 0;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.btf_id &&
	    (theirs = btf__load_from_kernel_by_id(info.btf_id))) {
		differ = strcmp(btf_name(theirs, info.btf_key_type_id),
				btf_name(ours, bpf_map__btf_key_type_id(m))) ||
			 strcmp(btf_name(theirs, info.btf_value_type_id),
				btf_name(ours, bpf_map__btf_value_type_id(m)));
		*port_be = !strcmp(btf_member_type(theirs, info.btf_key_type_id, "port"), "__be16");
	}
	btf__free(theirs);
	close(fd);
	return differ;
}

/*
 * Pin m where an older build's map of its name is pinned, in one step: the
 * pin never names nothing (a restart would make an empty map there).
 */
static int pin_in_place(struct dp *dp, const struct bpf_map *m)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];

	/* bpffs refuses names with a dot */
	snprintf(path, sizeof(path), "%s/%s", dp->pin_path, bpf_map__name(m));
	snprintf(tmp, sizeof(tmp), "%s_next", path);
	if (unlink(tmp) && errno != ENOENT)
		return -errno;
	if (bpf_obj_pin(bpf_map__fd(m), tmp))
		return -errno;
	if (rename(tmp, path)) {
		int err = -errno;

		unlink(tmp);
		return err;
	}
	return 0;
}

/* Copy an older build's map (old_fd) into ours (m), then pin ours in its place. */
static long rebuilt_copy(struct dp *dp, const struct bpf_map *m, int old_fd, int port_be)
{
	__u32 ks = bpf_map__key_size(m), vs = bpf_map__value_size(m);
	char key[64], next[64], val[64];
	int fd = bpf_map__fd(m), err;
	void *prev = NULL;
	long n = 0;

	if (ks > sizeof(key) || vs > sizeof(val))
		return -E2BIG;
	while (!bpf_map_get_next_key(old_fd, prev, next)) {
		memcpy(key, next, ks);
		prev = key;
		if (bpf_map_lookup_elem(old_fd, key, val))
			continue;
		if (port_be) {
			struct xlb_vip_key k;

			memcpy(&k, key, sizeof(k));
			k.port = ntohs(k.port);
			if (bpf_map_update_elem(fd, &k, val, BPF_ANY))
				return -errno;
		} else if (bpf_map_update_elem(fd, key, val, BPF_ANY)) {
			return -errno;
		}
		n++;
	}
	err = pin_in_place(dp, m);
	return err ? err : n;
}

static int pin_maps(struct dp *dp, const char *pin_path)
{
	struct bpf_map *m;
	char path[PATH_MAX];
	struct stat st;
	int n, err = 0, idx, port_be;

	bpf_object__for_each_map(m, dp->skel->obj)
	{
		if (bpf_map__is_internal(m))
			continue;
		n = snprintf(path, sizeof(path), "%s/%s", pin_path, bpf_map__name(m));
		if (n < 0 || (size_t)n >= sizeof(path))
			return -ENAMETOOLONG;
		if (!lstat(path, &st)) {
			if (!S_ISREG(st.st_mode)) {
				/* a link planted to make us adopt maps that are not ours */
				log_warnx("%s is not a pin of its own (a link?): refused", path);
				return -ELOOP;
			}
			dp->adopted = 1;
			if (m == dp->skel->maps.xlb_flows && flows_pin_is_lru(path)) {
				/* an older build's table: copied into a new one, see dp_load */
				dp->old_flows_fd = bpf_obj_get(path);
				if (dp->old_flows_fd < 0)
					return -errno;
				continue;
			}
			/* check them all: the operator sees every one at once */
			err = pin_compatible(m, path) ?: err;
			idx = rebuilt_index(m);
			if (!err && idx >= 0 &&
			    pin_types_differ(dp->skel->obj, m, path, &port_be)) {
				/* an older build's types: copied into ours at load */
				dp->rebuild_fd[idx] = bpf_obj_get(path);
				dp->rebuild_port_be |= port_be && idx == 0;
				if (dp->rebuild_fd[idx] < 0)
					return -errno;
				continue;
			}
		}
		if (bpf_map__set_pin_path(m, path))
			return -errno;
	}
	return err;
}

/*
 * A pinned map keeps its size: take it, or libbpf refuses to reuse the map.
 * Return 1 when there was one to take it from.
 */
static int adopt_size(struct bpf_map *m)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd, found = 0;

	if (!bpf_map__pin_path(m))
		return 0;
	fd = bpf_obj_get(bpf_map__pin_path(m));
	if (fd < 0)
		return 0;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
		bpf_map__set_max_entries(m, info.max_entries);
		found = 1;
	}
	close(fd);
	return found;
}

/* Two bitmaps of XLB_FLOW_BITS_PER_FLOW bits per flow, in 64-bit words, a power of 2. */
static __u32 flow_bits_words_for(__u32 max_flows)
{
	__u64 bits = (__u64)max_flows * XLB_FLOW_BITS_PER_FLOW, words = 1;

	while (words * 64 < bits)
		words <<= 1;
	return (__u32)words;
}

/* xlb_flows' sets for max_flows: twice as many lines, a power of 2 of sets. */
static __u32 flow_sets_for(__u32 max_flows)
{
	__u64 want = (2ULL * max_flows + XLB_FLOW_WAYS - 1) / XLB_FLOW_WAYS, sets = 1;

	while (sets < want)
		sets <<= 1;
	return (__u32)sets;
}

/*
 * The seed of a pinned xlb_flows, from its head: 1, or 0 if it has none
 * (made by a build that stopped before writing it: no flow was recorded).
 */
static int flows_head_read(const char *path, struct flowtab *ft)
{
	struct xlb_flow_head head;
	__u32 zero = 0;
	int fd = bpf_obj_get(path), ok;

	if (fd < 0)
		return 0;
	ok = !bpf_map_lookup_elem(fd, &zero, &head) && head.magic == XLB_FLOW_HEAD_MAGIC &&
	     head.sets == ft->nsets;
	if (ok)
		memcpy(ft->seed, head.seed, sizeof(ft->seed));
	close(fd);
	return ok;
}

/*
 * Copy the flows of an older build's table (an LRU hash) into ours, keeping
 * any ours already holds: before the new program is attached, and again
 * after, for flows the old one recorded in between. How many were copied.
 */
/*
 * The older build's flows into ours. Before the attach only what ours lacks;
 * after it, the older build's record wins: between the attach and this
 * copy our program may have placed a packet of a wrr or random flow the
 * older one recorded anew, on another backend, and the connection would
 * be reset there.
 */
static long flows_copy_old(struct dp *dp, int overwrite)
{
	static struct xlb_flow_key keys[4096];
	static struct xlb_flow vals[4096];
	__u32 cursor = 0, count, i;
	long copied = 0;
	int err, started = 0;

	do {
		count = 4096;
		err = bpf_map_lookup_batch(dp->old_flows_fd, started ? &cursor : NULL, &cursor,
					   keys, vals, &count, NULL);
		if (err && err != -ENOENT)
			return err;
		started = 1;
		for (i = 0; i < count; i++)
			copied += !flowtab_put(&dp->ft, &keys[i], &vals[i], !overwrite);
	} while (!err);
	return copied;
}

/*
 * The new table in place of the old one's pin, in one rename: a reader of
 * the pin (xlbctl, bpftool, a restarted xlbd) sees one table or the other.
 */

int dp_load(struct dp **dpp, const struct dp_opts *opts, int *adopted)
{
	struct dp *dp;
	int err, bits_adopted = 0, flows_adopted = 0, seeded = 0;
	unsigned i;

	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return -ENOMEM;
	dp->old_flows_fd = -1;
	for (i = 0; i < NREBUILT; i++)
		dp->rebuild_fd[i] = -1;
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
	bpf_map__set_max_entries(
		dp->skel->maps.xlb_flows,
		1 + flow_sets_for(opts && opts->max_flows ? opts->max_flows : XLB_MAX_FLOWS));
	if (opts && opts->max_syn_flows)
		bpf_map__set_max_entries(dp->skel->maps.xlb_syn_flows, opts->max_syn_flows);

	/* pinned maps are reused as they are: their flows outlive any daemon */
	if (opts && opts->pin_path) {
		dp->pin_path = strdup(opts->pin_path);
		if (!dp->pin_path) {
			err = -ENOMEM;
			goto err_destroy;
		}
		err = pin_maps(dp, opts->pin_path);
		if (err)
			goto err_destroy;
		flows_adopted = dp->old_flows_fd < 0 && adopt_size(dp->skel->maps.xlb_flows);
		adopt_size(dp->skel->maps.xlb_syn_flows);
		bits_adopted = adopt_size(dp->skel->maps.xlb_flow_bits);
	}
	dp->ft.nsets = bpf_map__max_entries(dp->skel->maps.xlb_flows) - 1;
	if (!dp->ft.nsets || dp->ft.nsets & (dp->ft.nsets - 1)) {
		log_warnx("%s/xlb_flows has %u sets, not a power of 2: not made by this build",
			  dp->pin_path, dp->ft.nsets);
		err = -EPROTO;
		goto err_destroy;
	}
	/* a pinned table keeps its seed, or its flows would be looked for elsewhere */
	if (flows_adopted)
		seeded = flows_head_read(bpf_map__pin_path(dp->skel->maps.xlb_flows), &dp->ft);
	if (!seeded && getrandom(dp->ft.seed, sizeof(dp->ft.seed), 0) != sizeof(dp->ft.seed)) {
		err = -errno;
		goto err_destroy;
	}
	dp->skel->rodata->flow_sets_mask = dp->ft.nsets - 1;
	memcpy((void *)dp->skel->rodata->flow_seed, dp->ft.seed, sizeof(dp->ft.seed));

	/* the SYN hint's bitmaps follow the flow table's size, or the pinned ones' */
	if (bits_adopted)
		dp->flow_bits_words = (bpf_map__max_entries(dp->skel->maps.xlb_flow_bits) - 1) / 2;
	else
		dp->flow_bits_words = flow_bits_words_for(dp->ft.nsets * XLB_FLOW_WAYS / 2);
	bpf_map__set_max_entries(dp->skel->maps.xlb_flow_bits, 1 + 2 * dp->flow_bits_words);
	dp->skel->rodata->flow_bits_words = dp->flow_bits_words;
	snprintf((char *)dp->skel->rodata->xlb_build, sizeof(dp->skel->rodata->xlb_build), "%s",
		 XLB_VERSION);

	/* libbpf drops the ring template at load: keep its flags for new rings */
	dp->ring_flags = bpf_map__map_flags(bpf_map__inner_map(dp->skel->maps.xlb_rings));

	/* load: create (or reuse) the maps, verify the program */
	err = xlb_bpf__load(dp->skel);
	if (err)
		goto err_destroy;

	/* an older build's maps of other types: copied into ours, which take their pins */
	for (i = 0; i < NREBUILT; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(dp->skel->obj, REBUILT[i]);
		long n;

		if (dp->rebuild_fd[i] < 0)
			continue;
		n = rebuilt_copy(dp, m, dp->rebuild_fd[i], i == 0 && dp->rebuild_port_be);
		close(dp->rebuild_fd[i]);
		dp->rebuild_fd[i] = -1;
		if (n < 0) {
			err = (int)n;
			log_warnx("%s/%s: copying the older build's entries into this build's map: "
				  "%s",
				  dp->pin_path, REBUILT[i], strerror(-err));
			goto err_destroy;
		}
		log_info("%s/%s: %ld entries of the older build's map copied into this build's "
			 "(its types%s)",
			 dp->pin_path, REBUILT[i], n,
			 i == 0 && dp->rebuild_port_be ? "; ports now in host order" : "");
	}

	/* adopted maps come with their filter and egress slots */
	{
		__u32 zero = 0, slot;

		bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.xlb_vip_filter), &zero, &dp->filter);
		for (slot = 1; slot < XLB_MAX_EGRESS; slot++)
			bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.xlb_egress), &slot,
					    &dp->egress[slot]);
	}
	dp->ft_len = (1 + (size_t)dp->ft.nsets) * sizeof(struct xlb_flow_set);
	dp->ft.sets = mmap(NULL, dp->ft_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			   bpf_map__fd(dp->skel->maps.xlb_flows), 0);
	if (dp->ft.sets == MAP_FAILED) {
		err = -errno;
		dp->ft.sets = NULL;
		goto err_destroy;
	}
	if (seeded) {
		/* a killed xlbd may have held a set: given back before we write */
		int n = flowtab_recover(&dp->ft);

		if (n)
			log_warnx("%s/xlb_flows: %d set%s a killed xlbd held given back",
				  dp->pin_path, n, n == 1 ? "" : "s");
	} else {
		struct xlb_flow_head *head = (struct xlb_flow_head *)&dp->ft.sets[0];

		memcpy(head->seed, dp->ft.seed, sizeof(head->seed));
		head->sets = dp->ft.nsets;
		__atomic_store_n(&head->magic, XLB_FLOW_HEAD_MAGIC, __ATOMIC_RELEASE);
	}
	if (dp->old_flows_fd >= 0) {
		long n = flows_copy_old(dp, 0);

		if (n < 0 || (err = pin_in_place(dp, dp->skel->maps.xlb_flows))) {
			err = n < 0 ? (int)n : err;
			log_warnx("%s/xlb_flows: the flows of the older build's table could not be "
				  "copied into this build's: %s",
				  dp->pin_path, strerror(-err));
			goto err_destroy;
		}
		log_info(
			"%s/xlb_flows: %ld flows copied from the older build's table (an LRU hash) "
			"into this build's own",
			dp->pin_path, n);
		flows_adopted = 1;
	}
	dp->flow_bits_len = (1 + 2 * (size_t)dp->flow_bits_words) * sizeof(__u64);
	dp->flow_bits = mmap(NULL, dp->flow_bits_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			     bpf_map__fd(dp->skel->maps.xlb_flow_bits), 0);
	if (dp->flow_bits == MAP_FAILED) {
		err = -errno;
		dp->flow_bits = NULL;
		goto err_destroy;
	}
	/*
	 * New bitmaps beside a flow table that already holds flows know none
	 * of them, and bitmaps of one bit a flow lack the second: every bit
	 * set (every SYN looks up) until the first sweep.
	 */
	if ((flows_adopted && !bits_adopted) ||
	    (bits_adopted &&
	     !(__atomic_load_n(&dp->flow_bits[0], __ATOMIC_ACQUIRE) & XLB_FLOW_BITS_F_PAIR)))
		dp_flow_bits_saturate(dp);
	__atomic_fetch_or(&dp->flow_bits[0], XLB_FLOW_BITS_F_PAIR, __ATOMIC_RELEASE);
	if (adopted)
		*adopted = dp->adopted;
	*dpp = dp;
	return 0;

err_destroy:
	if (dp->ft.sets)
		munmap(dp->ft.sets, dp->ft_len);
	if (dp->old_flows_fd >= 0)
		close(dp->old_flows_fd);
	for (i = 0; i < NREBUILT; i++)
		if (dp->rebuild_fd[i] >= 0)
			close(dp->rebuild_fd[i]);
	xlb_bpf__destroy(dp->skel);
err_free:
	free(dp->pin_path);
	free(dp);
	return err;
}

void dp_close(struct dp *dp)
{
	if (!dp)
		return;
	if (dp->flow_bits)
		munmap(dp->flow_bits, dp->flow_bits_len);
	if (dp->ft.sets)
		munmap(dp->ft.sets, dp->ft_len);
	if (dp->old_flows_fd >= 0)
		close(dp->old_flows_fd);
	xlb_bpf__destroy(dp->skel);
	free(dp->pin_path);
	free(dp);
}

int dp_prog_fd(const struct dp *dp)
{
	return bpf_program__fd(dp->skel->progs.xlb_xdp);
}

static int prog_path(const char *pin_path, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", pin_path, XLB_PROG_NAME);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int prog_info(int fd, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

/*
 * The version a loaded program was loaded with: xlb_build in the .rodata of
 * program prog_id, found through the map's BTF. -ENOENT where it has none
 * (a program of a build before the stamp).
 */
int dp_prog_build(__u32 prog_id, char *buf, size_t len)
{
	__u32 map_ids[64], i, n;
	struct bpf_prog_info pi;
	int pfd, err = -ENOENT;

	pfd = bpf_prog_get_fd_by_id(prog_id);
	if (pfd < 0)
		return -errno;
	memset(&pi, 0, sizeof(pi));
	pi.nr_map_ids = 64;
	pi.map_ids = (__u64)(unsigned long)map_ids;
	{
		__u32 l = sizeof(pi);

		if (bpf_obj_get_info_by_fd(pfd, &pi, &l)) {
			err = -errno;
			goto out;
		}
	}
	n = pi.nr_map_ids < 64 ? pi.nr_map_ids : 64;
	for (i = 0; i < n && err == -ENOENT; i++) {
		struct bpf_map_info mi;
		__u32 l = sizeof(mi), k = 0;
		const struct btf_type *t;
		const struct btf_var_secinfo *v;
		struct btf *btf;
		char *val;
		int mfd, j;
		size_t nl;

		mfd = bpf_map_get_fd_by_id(map_ids[i]);
		if (mfd < 0)
			continue;
		memset(&mi, 0, sizeof(mi));
		nl = 0;
		if (bpf_obj_get_info_by_fd(mfd, &mi, &l) || !mi.btf_id ||
		    (nl = strlen(mi.name)) < 7 || strcmp(mi.name + nl - 7, ".rodata")) {
			close(mfd);
			continue;
		}
		btf = btf__load_from_kernel_by_id(mi.btf_id);
		t = btf ? btf__type_by_id(btf, mi.btf_value_type_id) : NULL;
		val = calloc(1, mi.value_size + 1);
		if (t && val && btf_is_datasec(t) && !bpf_map_lookup_elem(mfd, &k, val)) {
			v = btf_var_secinfos(t);
			for (j = 0; j < btf_vlen(t); j++, v++) {
				const struct btf_type *var = btf__type_by_id(btf, v->type);

				if (strcmp(btf__name_by_offset(btf, var->name_off), "xlb_build") ||
				    v->offset + v->size > mi.value_size)
					continue;
				snprintf(buf, len, "%.*s", (int)v->size, val + v->offset);
				err = buf[0] ? 0 : -ENOENT;
				break;
			}
		}
		free(val);
		btf__free(btf);
		close(mfd);
	}
out:
	close(pfd);
	return err;
}

/* The program attached to ifindex and how, from libxdp's view of it. */
static __u32 attached_id(int ifindex, int *mode)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *main;
	__u32 id = 0;

	if (libxdp_get_error(mp))
		return 0;
	main = xdp_multiprog__main_prog(mp);
	if (main)
		id = xdp_program__id(main);
	if (mode)
		*mode = xdp_multiprog__attach_mode(mp) == XDP_MODE_SKB ? DP_MODE_GENERIC
								       : DP_MODE_NATIVE;
	/* behind a libxdp dispatcher, look for ours among its programs */
	if (!xdp_multiprog__is_legacy(mp)) {
		struct xdp_program *p = NULL;

		id = 0;
		while ((p = xdp_multiprog__next_prog(p, mp)))
			if (!strcmp(xdp_program__name(p), XLB_PROG_NAME))
				id = xdp_program__id(p);
	}
	xdp_multiprog__close(mp);
	return id;
}

__u32 dp_attached_id(const char *pin_path, int ifindex, int *mode)
{
	struct bpf_prog_info info;
	char path[PATH_MAX];
	__u32 id;
	int fd;

	if (prog_path(pin_path, path, sizeof(path)))
		return 0;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	id = prog_info(fd, &info) ? 0 : info.id;
	close(fd);
	return id && attached_id(ifindex, mode) == id ? id : 0;
}

static enum xdp_attach_mode xdp_mode(enum dp_mode m)
{
	return m == DP_MODE_NATIVE    ? XDP_MODE_NATIVE
	       : m == DP_MODE_GENERIC ? XDP_MODE_SKB
				      : XDP_MODE_UNSPEC;
}

static int repin(const char *path, int fd)
{
	if (unlink(path) && errno != ENOENT)
		return -errno;
	return bpf_obj_pin(fd, path) ? -errno : 0;
}

int dp_attach(struct dp *dp, int ifindex, enum dp_mode mode, struct dp_attach_info *ai)
{
	int new_fd = dp_prog_fd(dp), old_fd = -1, cur_mode = 0, err;
	struct bpf_prog_info new_info, old_info;
	struct xdp_program *xp;
	char path[PATH_MAX];
	__u32 cur;

	memset(ai, 0, sizeof(*ai));
	err = prog_info(new_fd, &new_info);
	if (err)
		return err;
	cur = attached_id(ifindex, &cur_mode);

	if (dp->pin_path) {
		err = prog_path(dp->pin_path, path, sizeof(path));
		if (err)
			return err;
		old_fd = bpf_obj_get(path);
	}
	if (old_fd >= 0 && (err = prog_info(old_fd, &old_info)))
		goto out;

	if (cur && old_fd >= 0 && cur == old_info.id) {
		ai->mode = cur_mode;
		if (!memcmp(old_info.tag, new_info.tag, sizeof(old_info.tag))) {
			/* the same build is serving: leave it, not a packet missed */
			ai->kept = 1;
			ai->prog_id = old_info.id;
			goto out;
		}
		/* an older build: swap it for ours in one netlink call */
		LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = old_fd);
		if (bpf_xdp_attach(ifindex, new_fd,
				   XDP_FLAGS_REPLACE |
					   (cur_mode == DP_MODE_GENERIC ? XDP_FLAGS_SKB_MODE
									: XDP_FLAGS_DRV_MODE),
				   &o)) {
			err = -errno;
			goto out;
		}
		ai->replaced = 1;
	} else if (cur) {
		err = -EBUSY; /* somebody else's program */
		goto out;
	} else {
		xp = xdp_program__from_fd(new_fd);
		err = (int)libxdp_get_error(xp);
		if (err)
			goto out;
		/* libxdp tries its multi-program dispatcher first and falls back
		 * to attaching the program alone where the kernel refuses it: the
		 * library's warnings about that are expected, not ours to show */
		log_bpf_quiet(1);
		err = xdp_program__attach(xp, ifindex, xdp_mode(mode), 0);
		/* auto: a driver that refuses native mode (an MTU past a page) gets generic */
		if (err && mode == DP_MODE_AUTO && xdp_native_refused(err)) {
			ai->native_err = err;
			err = xdp_program__attach(xp, ifindex, XDP_MODE_SKB, 0);
		}
		log_bpf_quiet(0);
		xdp_program__close(xp);
		if (err)
			goto out;
		attached_id(ifindex, &ai->mode);
	}
	ai->prog_id = new_info.id;
	if (dp->pin_path)
		err = repin(path, new_fd);
	if (dp->old_flows_fd >= 0) {
		/* the old program is off: what it recorded since the first copy, its word first */
		long n = flows_copy_old(dp, 1);

		if (n < 0)
			log_warnx("the older build's flows recorded during the upgrade were not "
				  "copied: %s",
				  strerror((int)-n));
		else
			log_info("%ld flows the older build recorded during the upgrade copied", n);
		close(dp->old_flows_fd);
		dp->old_flows_fd = -1;
	}
out:
	if (old_fd >= 0)
		close(old_fd);
	return err;
}

/* Detach program id from ifindex, in the mode it is attached in. */
static int detach_id(__u32 id, int ifindex, int mode)
{
	struct xdp_program *xp = xdp_program__from_id(id);
	int err = (int)libxdp_get_error(xp);

	if (err)
		return err;
	err = xdp_program__detach(xp, ifindex,
				  mode == DP_MODE_GENERIC ? XDP_MODE_SKB : XDP_MODE_NATIVE, 0);
	xdp_program__close(xp);
	if (!err && attached_id(ifindex, NULL) == id)
		err = -EBUSY; /* the kernel said yes, and it is still there */
	return err;
}

/* Is program id one of ours by its name (for when its pin is gone)? */
static int prog_is_xlb(__u32 id)
{
	struct bpf_prog_info info;
	int fd = bpf_prog_get_fd_by_id(id), ours;

	if (fd < 0)
		return 0;
	ours = !prog_info(fd, &info) && !strcmp(info.name, XLB_PROG_NAME);
	close(fd);
	return ours;
}

int dp_unpin(const char *pin_path)
{
	struct xlb_bpf *skel = xlb_bpf__open();
	char path[PATH_MAX];
	struct bpf_map *m;
	int err = 0;

	if (!skel)
		return -errno;
	/* ours only: the program and the maps this build names */
	snprintf(path, sizeof(path), "%s/%s", pin_path, XLB_PROG_NAME);
	if (unlink(path) && errno != ENOENT)
		err = -errno;
	bpf_object__for_each_map(m, skel->obj)
	{
		if (bpf_map__is_internal(m))
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_path, bpf_map__name(m));
		if (unlink(path) && errno != ENOENT && !err)
			err = -errno;
	}
	/* what an upgrade that stopped half-way may have left (see pin_in_place) */
	snprintf(path, sizeof(path), "%s/xlb_flows_next", pin_path);
	if (unlink(path) && errno != ENOENT && !err)
		err = -errno;
	xlb_bpf__destroy(skel);
	if (rmdir(pin_path) && errno != ENOENT) {
		if (errno == ENOTEMPTY)
			log_info("%s: kept, it holds pins that are not xlb's", pin_path);
		else if (!err)
			err = -errno;
	}
	return err;
}

int dp_detach(const char *pin_path, int ifindex, char *detached, size_t len)
{
	struct bpf_prog_info info;
	struct if_nameindex *ifs, *i;
	char path[PATH_MAX];
	__u32 pinned = 0, id;
	int fd, mode = 0, err = 0;
	size_t n = 0;

	detached[0] = '\0';
	if (!prog_path(pin_path, path, sizeof(path)) && (fd = bpf_obj_get(path)) >= 0) {
		pinned = prog_info(fd, &info) ? 0 : info.id;
		close(fd);
	}
	if (pinned) {
		/* wherever the pinned program serves, whatever the config names */
		ifs = if_nameindex();
		if (!ifs)
			return -errno;
		for (i = ifs; i->if_index && !err; i++) {
			if (attached_id((int)i->if_index, &mode) != pinned)
				continue;
			err = detach_id(pinned, (int)i->if_index, mode);
			if (!err && n < len)
				n += (size_t)snprintf(detached + n, len - n, "%s%s", n ? " " : "",
						      i->if_name);
		}
		if_freenameindex(ifs);
		/* attached where this namespace does not see: the pins must stay */
		if (!err && !n)
			return -ENODEV;
	} else if (ifindex > 0 && (id = attached_id(ifindex, &mode)) && prog_is_xlb(id)) {
		/* its pin is gone: an xlb program on the named interface is still ours */
		err = detach_id(id, ifindex, mode);
		if (!err)
			if_indextoname((unsigned)ifindex, detached);
	}
	if (err)
		return err;
	return dp_unpin(pin_path);
}

static int map_fd(const struct bpf_map *m)
{
	return bpf_map__fd(m);
}

static int update(const struct bpf_map *m, const void *key, const void *val)
{
	return bpf_map_update_elem(map_fd(m), key, val, BPF_ANY) ? -errno : 0;
}

__u32 dp_flow_capacity(const struct dp *dp)
{
	/* (max_flows as flow_sets_for sized it: twice as many lines) */
	return dp->ft.nsets * XLB_FLOW_WAYS / 2;
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
		if (!found || k.port < best.port) {
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

static int filter_write(struct dp *dp, const struct xlb_vip_filter *f)
{
	__u32 zero = 0;
	int err;

	if (!memcmp(f, &dp->filter, sizeof(*f)))
		return 0;
	err = update(dp->skel->maps.xlb_vip_filter, &zero, f);
	if (!err)
		dp->filter = *f;
	return err;
}

static void filter_set(struct xlb_vip_filter *f, const struct xlb_vip_key *k)
{
	__u32 bit = xlb_filter_bit(k->addr, k->family);

	f->bits[bit / 64] |= 1ULL << (bit % 64);
}

/*
 * The filter is written in two kinds of steps only: bits added before a VIP
 * appears, bits removed after one is gone. A reader that catches a write
 * half done sees the old bits or the new ones for each word, and with either
 * it misses no VIP that exists.
 */
static int filter_add(struct dp *dp, const struct xlb_vip_key *k)
{
	struct xlb_vip_filter f = dp->filter;

	filter_set(&f, k);
	return filter_write(dp, &f);
}

static int filter_rebuild(struct dp *dp)
{
	int fd = map_fd(dp->skel->maps.xlb_vips);
	struct xlb_vip_key k, next;
	struct xlb_vip_filter f = {};
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		filter_set(&f, &k);
	}
	return filter_write(dp, &f);
}

int dp_vip_set(struct dp *dp, const struct xlb_vip_key *key, const struct xlb_vip *vip)
{
	int err;

	if (key->flags || vip->id >= XLB_MAX_VIPS || !vip->ring_size ||
	    vip->scheduler >= XLB_SCHED_MAX || vip->fwd_mode >= XLB_FWD_MAX)
		return -EINVAL;
	err = filter_add(dp, key);
	if (err)
		return err;
	err = update(dp->skel->maps.xlb_vips, key, vip);
	if (err)
		return err;
	return dp_frag_sync(dp, key);
}

int dp_vip_del(struct dp *dp, const struct xlb_vip_key *key)
{
	int err;

	if (bpf_map_delete_elem(map_fd(dp->skel->maps.xlb_vips), key))
		return -errno;
	err = dp_frag_sync(dp, key);
	return err ? err : filter_rebuild(dp);
}

int dp_ring_swap(struct dp *dp, __u32 vip_id, const __u32 *ring, __u32 size)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = dp->ring_flags);
	__u32 nelem = XLB_RING_ELEMS(size), i;
	size_t len = (size_t)nelem * sizeof(__u64);
	__u64 *mem;
	int fd, err;

	if (vip_id >= XLB_MAX_VIPS || !size || size > XLB_RING_SIZE_MAX)
		return -EINVAL;
	for (i = 0; i < size; i++)
		if (ring[i] >= XLB_MAX_BACKENDS && ring[i] != XLB_BACKEND_NONE)
			return -EINVAL;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xlb_ring", sizeof(__u32), sizeof(__u64), nelem,
			    &o);
	if (fd < 0)
		return -errno;

	/* the ring is mmapable: write it as memory, not a syscall a slot */
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		err = -errno;
		goto out;
	}
	for (i = 0; i < nelem * XLB_RING_PER_ELEM; i++) {
		__u64 id = i < size && ring[i] != XLB_BACKEND_NONE ? ring[i] : XLB_RING_NONE;

		if (i % XLB_RING_PER_ELEM == 0)
			mem[i / XLB_RING_PER_ELEM] = 0;
		mem[i / XLB_RING_PER_ELEM] |= id << (16 * (i % XLB_RING_PER_ELEM));
	}
	munmap(mem, len);

	/* the swap: packets see the old ring or this one, never a mix */
	err = bpf_map_update_elem(map_fd(dp->skel->maps.xlb_rings), &vip_id, &fd, BPF_ANY) ? -errno
											   : 0;
out:
	close(fd); /* the outer map holds the ring now */
	return err;
}

int dp_ring_sig_set(struct dp *dp, __u32 vip_id, __u64 sig)
{
	return bpf_map_update_elem(map_fd(dp->skel->maps.xlb_ring_sigs), &vip_id, &sig, BPF_ANY)
		       ? -errno
		       : 0;
}

__u64 dp_ring_sig_get(struct dp *dp, __u32 vip_id)
{
	__u64 sig = 0;

	bpf_map_lookup_elem(map_fd(dp->skel->maps.xlb_ring_sigs), &vip_id, &sig);
	return sig;
}

int dp_ring_del(struct dp *dp, __u32 vip_id)
{
	if (bpf_map_delete_elem(map_fd(dp->skel->maps.xlb_rings), &vip_id) && errno != ENOENT)
		return -errno;
	return dp_ring_base_del(dp, vip_id);
}

int dp_ring_read(struct dp *dp, __u32 vip_id, int base, __u32 *ring, __u32 max, __u32 *size)
{
	const struct bpf_map *outer = base ? dp->skel->maps.xlb_rings_prev
					   : dp->skel->maps.xlb_rings;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), id, i, n;
	__u64 elem = 0, *mem;
	int fd, err = 0;

	/* userspace reads an outer map's entry as the inner map's id */
	if (bpf_map_lookup_elem(map_fd(outer), &vip_id, &id))
		return -errno;
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		goto out;
	}
	n = info.max_entries * XLB_RING_PER_ELEM;
	/* rings are mmapable: one mapping, not a syscall an element */
	mem = info.map_flags & BPF_F_MMAPABLE
		      ? mmap(NULL, (size_t)info.max_entries * 8, PROT_READ, MAP_SHARED, fd, 0)
		      : MAP_FAILED;
	for (i = 0; i < n && i < max; i++) {
		__u32 k = i / XLB_RING_PER_ELEM;

		if (mem != MAP_FAILED)
			elem = mem[k];
		else if (i % XLB_RING_PER_ELEM == 0 && bpf_map_lookup_elem(fd, &k, &elem)) {
			err = -errno;
			break;
		}
		ring[i] = (__u32)(elem >> (16 * (i % XLB_RING_PER_ELEM))) & 0xffff;
	}
	if (mem != MAP_FAILED)
		munmap(mem, (size_t)info.max_entries * 8);
	*size = i;
out:
	close(fd);
	return err;
}

__u32 dp_flow_hash(const struct xlb_flow_key *k, int sched)
{
	return sched == XLB_SCHED_SOURCE_IP ? hash_source(k) : hash_flow(k);
}

__u32 dp_ring_slot(__u32 h, __u32 size)
{
	return hash_reduce(h, size);
}

int dp_vip_get(struct dp *dp, const struct xlb_vip_key *key, struct xlb_vip *out)
{
	return bpf_map_lookup_elem(map_fd(dp->skel->maps.xlb_vips), key, out) ? -errno : 0;
}

int dp_ring_keep_base(struct dp *dp, __u32 vip_id)
{
	__u32 id;
	int fd, err;

	/* userspace reads an outer map's entry as the inner map's id */
	if (bpf_map_lookup_elem(map_fd(dp->skel->maps.xlb_rings), &vip_id, &id))
		return -errno;
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	err = bpf_map_update_elem(map_fd(dp->skel->maps.xlb_rings_prev), &vip_id, &fd, BPF_ANY)
		      ? -errno
		      : 0;
	close(fd);
	return err;
}

int dp_vip_young_get(struct dp *dp, __u32 vip_id, struct xlb_vip_young *out)
{
	return bpf_map_lookup_elem(map_fd(dp->skel->maps.xlb_vip_young), &vip_id, out) ? -errno : 0;
}

int dp_ring_base_del(struct dp *dp, __u32 vip_id)
{
	if (bpf_map_delete_elem(map_fd(dp->skel->maps.xlb_rings_prev), &vip_id) && errno != ENOENT)
		return -errno;
	return 0;
}

int dp_vip_young_set(struct dp *dp, __u32 vip_id, __u64 since_ns, __u64 until_ns, __u32 base_size)
{
	struct xlb_vip_young y = { .since_ns = since_ns,
				   .until_ns = until_ns,
				   .ring_size = base_size };

	return update(dp->skel->maps.xlb_vip_young, &vip_id, &y);
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

/* Zero every CPU's copy of an entry of a per-CPU array. */
static int percpu_zero(struct dp *dp, const struct bpf_map *m, __u32 key)
{
	size_t per = ((size_t)bpf_map__value_size(m) + 7) / 8 * 8;
	void *vals = calloc((size_t)dp->ncpus, per);
	int err;

	if (!vals)
		return -ENOMEM;
	err = bpf_map_update_elem(map_fd(m), &key, vals, BPF_ANY) ? -errno : 0;
	free(vals);
	return err;
}

int dp_stats_reset_vip(struct dp *dp, __u32 vip_id)
{
	return percpu_zero(dp, dp->skel->maps.xlb_vip_stats, vip_id);
}

int dp_stats_reset_backend(struct dp *dp, __u32 be_id)
{
	return percpu_zero(dp, dp->skel->maps.xlb_be_stats, be_id);
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

int dp_events_fd(struct dp *dp)
{
	return map_fd(dp->skel->maps.xlb_events);
}

int dp_monitor_counts(struct dp *dp, __u64 *suppressed, __u64 *lost)
{
	struct xlb_mon m;
	int err = percpu_sum(dp, dp->skel->maps.xlb_mon, 0, (__u64 *)&m, sizeof(m) / sizeof(__u64));

	if (err)
		return err;
	*suppressed = m.suppressed;
	*lost = m.lost;
	return 0;
}

int dp_flow_get(struct dp *dp, const struct xlb_flow_key *key, int syn, struct xlb_flow *out)
{
	if (!syn)
		return flowtab_get(&dp->ft, key, out, NULL);
	return bpf_map_lookup_elem(map_fd(dp->skel->maps.xlb_syn_flows), key, out) ? -errno : 0;
}

int dp_flow_where(struct dp *dp, const struct xlb_flow_key *key, struct xlb_flow *out, __u32 *set,
		  __u32 *line)
{
	__u32 w;
	int err = flowtab_get(&dp->ft, key, out, &w);

	if (!err) {
		*set = w / XLB_FLOW_WAYS;
		*line = w % XLB_FLOW_WAYS;
	}
	return err;
}

int dp_flow_walk(struct dp *dp, dp_flow_fn fn, void *arg)
{
	struct xlb_flow_key keys[XLB_FLOW_WAYS];
	struct xlb_flow vals[XLB_FLOW_WAYS];
	__u32 idx;
	int n, j, r;

	for (idx = 1; idx <= dp->ft.nsets; idx++) {
		n = flowtab_read_set(&dp->ft, idx, keys, vals);
		for (j = 0; j < n; j++)
			if ((r = fn(&keys[j], &vals[j], arg)))
				return r;
	}
	return 0;
}

int dp_flow_put(struct dp *dp, const struct xlb_flow_key *key, const struct xlb_flow *f)
{
	return flowtab_put(&dp->ft, key, f, 0);
}

int dp_egress_slot(struct dp *dp, int ifindex, const __u8 mac[6])
{
	struct xlb_egress e = { .ifindex = (__u32)ifindex };
	__u32 slot, free_slot = 0;

	memcpy(e.mac, mac, 6);
	for (slot = 1; slot < XLB_MAX_EGRESS; slot++) {
		if (dp->egress[slot].ifindex == (__u32)ifindex)
			break;
		if (!dp->egress[slot].ifindex && !free_slot)
			free_slot = slot;
	}
	if (slot == XLB_MAX_EGRESS) {
		if (!free_slot)
			return -ENOSPC;
		slot = free_slot;
	} else if (!memcmp(dp->egress[slot].mac, mac, 6)) {
		return (int)slot;
	}
	/* written before any backend names it; a new MAC for the same interface in place */
	if (bpf_map_update_elem(map_fd(dp->skel->maps.xlb_egress), &slot, &e, BPF_ANY))
		return -errno;
	dp->egress[slot] = e;
	return (int)slot;
}

int dp_egress_get(struct dp *dp, __u32 slot, struct xlb_egress *out)
{
	if (!slot || slot >= XLB_MAX_EGRESS || !dp->egress[slot].ifindex)
		return -ENOENT;
	*out = dp->egress[slot];
	return 0;
}

int dp_flow_del(struct dp *dp, const struct xlb_flow_key *key)
{
	return flowtab_del(&dp->ft, key);
}

int dp_vip_foreach(struct dp *dp,
		   int (*cb)(const struct xlb_vip_key *, const struct xlb_vip *, void *), void *arg)
{
	int fd = map_fd(dp->skel->maps.xlb_vips), err;
	struct xlb_vip_key k, next;
	struct xlb_vip v;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		if (k.flags & XLB_VIPK_F_FRAG || bpf_map_lookup_elem(fd, &k, &v))
			continue;
		err = cb(&k, &v, arg);
		if (err)
			return err;
	}
	return 0;
}

int dp_backend_get(struct dp *dp, __u32 id, struct xlb_backend *out)
{
	return bpf_map_lookup_elem(map_fd(dp->skel->maps.xlb_backends), &id, out) ? -errno : 0;
}

static __u64 fd_memlock(int fd)
{
	char path[64], line[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

int dp_memory(struct dp *dp, __u64 *maps_bytes, __u64 *rings_bytes, __u32 *nrings)
{
	int outer = map_fd(dp->skel->maps.xlb_rings), fd;
	struct bpf_map *m;
	__u32 id, inner;

	*maps_bytes = *rings_bytes = 0;
	*nrings = 0;
	bpf_object__for_each_map(m, dp->skel->obj)
	{
		if (!bpf_map__is_internal(m))
			*maps_bytes += fd_memlock(bpf_map__fd(m));
	}
	/* from userspace an array of maps holds the ids of its inner maps */
	for (id = 0; id < XLB_MAX_VIPS; id++) {
		if (bpf_map_lookup_elem(outer, &id, &inner))
			continue;
		fd = bpf_map_get_fd_by_id(inner);
		if (fd < 0)
			continue;
		*rings_bytes += fd_memlock(fd);
		(*nrings)++;
		close(fd);
	}
	return 0;
}

/*
 * Rebuild the SYN hint (xlb_flow_bits, see xlb_abi.h): clear the bitmap SYNs
 * do not read, set the bits of every TCP flow xlb_flows holds (read through
 * the mapping, set by set), and make it the one they read. The walk also
 * clears every line's touched mark: a full set gives up first a flow with
 * no packet since. The program sets bits in both bitmaps after it records a
 * flow, so a bit cleared here while the program set it belongs to a flow
 * already in the table, which the walk below finds again. That holds however
 * long the walk takes, so it goes in steps between other work.
 */
static __u64 mono_coarse_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &t); /* the program's clock */
	return (__u64)t.tv_sec * 1000000000ULL + (__u64)t.tv_nsec;
}

/* The backends as the walk begins: a flow counts for the generation it names. */
static int sweep_read_backends(struct dp *dp)
{
	int fd = map_fd(dp->skel->maps.xlb_backends);
	__u32 id;

	for (id = 0; id < XLB_MAX_BACKENDS; id++)
		if (bpf_map_lookup_elem(fd, &id, &dp->sweep_be[id]))
			return -errno;
	return 0;
}

/* A flow of the table, counted for its backend: open, closing, or past its time. */
static void sweep_count(struct dp *dp, const struct xlb_flow_key *k, const struct xlb_flow *f,
			struct dp_sweep *out)
{
	const struct xlb_backend *be;

	if (f->backend_id >= XLB_MAX_BACKENDS)
		return;
	be = &dp->sweep_be[f->backend_id];
	if (!be->gen || be->gen != f->backend_gen)
		return; /* its backend is gone: the next packet places it anew */
	if (k->proto == IPPROTO_TCP) {
		if (f->last_seen)
			out->closing[f->backend_id]++;
		else
			out->active[f->backend_id]++;
	} else if (out->started_ns - f->last_seen <= (__u64)be->udp_timeout * 1000000000ULL ||
		   f->last_seen > out->started_ns) {
		out->active[f->backend_id]++;
	}
}

int dp_flow_bits_sweep_step(struct dp *dp, __u32 budget, struct dp_sweep *out)
{
	struct xlb_flow_key keys[XLB_FLOW_WAYS];
	struct xlb_flow vals[XLB_FLOW_WAYS];
	__u32 words = dp->flow_bits_words, next, i, done = 0;
	__u64 *bm, set = 0;
	int n, j;

	next = !(__atomic_load_n(&dp->flow_bits[0], __ATOMIC_ACQUIRE) & 1);
	bm = dp->flow_bits + 1 + (size_t)next * words;
	if (!dp->sweeping) {
		int err;

		memset(out, 0, sizeof(*out));
		memset(bm, 0, (size_t)words * sizeof(*bm));
		err = sweep_read_backends(dp);
		if (err)
			return err;
		out->started_ns = mono_coarse_ns();
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		dp->sweeping = 1;
		dp->sweep_cursor = 1;
	}
	/* budget: in lines, as the kernel table's walk counted entries */
	for (; dp->sweep_cursor <= dp->ft.nsets && done < budget; dp->sweep_cursor++) {
		n = flowtab_read_set(&dp->ft, dp->sweep_cursor, keys, vals);
		flowtab_age_set(&dp->ft, dp->sweep_cursor);
		for (j = 0; j < n; j++) {
			__u32 h;

			sweep_count(dp, &keys[j], &vals[j], out);
			if (keys[j].proto != IPPROTO_TCP)
				continue;
			h = hash_flow(&keys[j]);
			__atomic_fetch_or(&bm[XLB_FLOW_BITS_WORD(h, words)], XLB_FLOW_BITS_MASK(h),
					  __ATOMIC_RELAXED);
			out->tcp_flows++;
		}
		out->flows += (__u64)n;
		done += XLB_FLOW_WAYS;
	}
	if (dp->sweep_cursor <= dp->ft.nsets)
		return 0; /* more to walk */
	__atomic_store_n(&dp->flow_bits[0],
			 next | XLB_FLOW_BITS_F_PAIR |
				 (out->flows * 8 >= (__u64)dp->ft.nsets * XLB_FLOW_WAYS * 7
					  ? XLB_FLOW_BITS_F_FULL
					  : 0),
			 __ATOMIC_RELEASE);
	dp->sweeping = 0;
	for (i = 0; i < words; i++)
		set += (__u64)__builtin_popcountll(__atomic_load_n(&bm[i], __ATOMIC_RELAXED));
	out->bits = (__u64)words * 64;
	out->bits_set = set;
	return 1;
}

int dp_flow_bits_sweep(struct dp *dp, struct dp_sweep *out)
{
	int r;

	while (!(r = dp_flow_bits_sweep_step(dp, UINT32_MAX, out)))
		;
	return r < 0 ? r : 0;
}

void dp_flow_bits_saturate(struct dp *dp)
{
	memset(dp->flow_bits + 1, 0xff, 2 * (size_t)dp->flow_bits_words * sizeof(__u64));
}

int dp_flow_bits_test(struct dp *dp, const struct xlb_flow_key *key)
{
	__u32 h = hash_flow(key), words = dp->flow_bits_words;
	__u64 phase = __atomic_load_n(&dp->flow_bits[0], __ATOMIC_ACQUIRE) & 1;
	__u64 w = __atomic_load_n(&dp->flow_bits[1 + phase * words + XLB_FLOW_BITS_WORD(h, words)],
				  __ATOMIC_RELAXED);

	return (w & XLB_FLOW_BITS_MASK(h)) == XLB_FLOW_BITS_MASK(h);
}
