// SPDX-License-Identifier: GPL-2.0
/*
 * jitlines: where each source line of a loaded BPF program lies in its JIT
 * image, for mapping a profile's sample addresses back to the source. perf
 * and bpftool annotate BPF only when built with libbfd, which Debian's are
 * not; the kernel hands out the same table itself (jited_line_info beside
 * line_info, with the BTF that holds the file names and source text).
 *
 *   jitlines PROG_ID
 *
 * prints where each of the program's functions lies, then one line per
 * entry of the line table, in the program's instruction order:
 *
 *   func ADDRESS LENGTH
 *   ADDRESS FILE:LINE SOURCE-TEXT
 *
 * addresses in hex as perf prints them; FILE without its directory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

static int fail(const char *what)
{
	fprintf(stderr, "jitlines: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), n, nf, i, rec, *flen;
	struct bpf_line_info *li;
	__u64 *ksym;
	struct btf *btf;
	char *end;
	__u64 *jli;
	long id;
	int fd;

	if (argc != 2 || (id = strtol(argv[1], &end, 10)) <= 0 || *end) {
		fprintf(stderr, "usage: jitlines PROG_ID\n");
		return 2;
	}
	fd = bpf_prog_get_fd_by_id((__u32)id);
	if (fd < 0)
		return fail("program");
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return fail("program info");
	n = info.nr_jited_line_info;
	nf = info.nr_jited_ksyms;
	rec = info.line_info_rec_size;
	if (!n || n != info.nr_line_info || !nf || nf != info.nr_jited_func_lens || !info.btf_id) {
		fprintf(stderr, "jitlines: program %ld has no line info (not JITed, or no BTF)\n",
			id);
		return 1;
	}
	li = calloc(n, rec);
	jli = calloc(n, sizeof(*jli));
	ksym = calloc(nf, sizeof(*ksym));
	flen = calloc(nf, sizeof(*flen));
	if (!li || !jli || !ksym || !flen)
		return fail("memory");
	memset(&info, 0, sizeof(info));
	info.nr_line_info = n;
	info.line_info_rec_size = rec;
	info.line_info = (__u64)(unsigned long)li;
	info.nr_jited_line_info = n;
	info.jited_line_info_rec_size = sizeof(*jli);
	info.jited_line_info = (__u64)(unsigned long)jli;
	info.nr_jited_ksyms = nf;
	info.jited_ksyms = (__u64)(unsigned long)ksym;
	info.nr_jited_func_lens = nf;
	info.jited_func_lens = (__u64)(unsigned long)flen;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return fail("line info");
	btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!btf)
		return fail("program BTF");

	for (i = 0; i < nf; i++)
		printf("func %llx %u\n", (unsigned long long)ksym[i], flen[i]);
	for (i = 0; i < n; i++) {
		const struct bpf_line_info *l = (const void *)((const char *)li + (size_t)i * rec);
		const char *file = btf__name_by_offset(btf, l->file_name_off);
		const char *src = btf__name_by_offset(btf, l->line_off);
		const char *base = file ? strrchr(file, '/') : NULL;

		printf("%llx %s:%u %s\n", (unsigned long long)jli[i],
		       base ? base + 1 : (file ? file : "?"), BPF_LINE_INFO_LINE_NUM(l->line_col),
		       src ? src : "");
	}
	btf__free(btf);
	return 0;
}
