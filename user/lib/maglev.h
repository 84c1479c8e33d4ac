/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Weighted Maglev table population (Eisenbud et al., NSDI 2016), as pure
 * functions: no I/O, no global state.
 */
#ifndef XLB_MAGLEV_H
#define XLB_MAGLEV_H

#include <stddef.h>
#include <stdint.h>

struct maglev_backend {
	const void *key; /* identity: the same bytes on every host */
	size_t key_len;
	uint32_t weight; /* 0: not in the table */
	uint32_t id;	 /* what the table's slots hold */
};

/*
 * Fill ring[0..m-1] with backend ids. Each backend with weight w gets
 * w / sum(weights) of the slots, to one slot. The table depends only on the
 * set of (key, weight), never on the order of be[], so every host builds the
 * same one. Slots get fill_id when no backend has a weight.
 * Return 0, or -EINVAL (m not prime, duplicate key), -ENOMEM.
 */
int maglev_build(const struct maglev_backend *be, size_t n, uint32_t m, uint32_t *ring,
		 uint32_t fill_id);

int maglev_is_prime(uint32_t n);
/* A backend's permutation of the m slots: offset, offset + skip, ... mod m. */
void maglev_permutation(const void *key, size_t len, uint32_t m, uint64_t *offset, uint64_t *skip);

#endif /* XLB_MAGLEV_H */
