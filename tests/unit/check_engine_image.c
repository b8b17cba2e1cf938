// SPDX-License-Identifier: GPL-2.0
/*
 * The image validator: a valid image passes; every kind of bad offset,
 * index, count or length is refused with a message naming it (the CRC is
 * recomputed after each corruption, as a hostile loader would); random
 * corruption and truncation never get past it into an engine that then
 * reads out of bounds.
 */
#include "engine_harness.h"

static struct et T;
static uint8_t *img;
static size_t len;
static char err[512];

static const char *rules =
	"alert tcp $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS (msg:\"a\"; flow:to_server; content:\"abcdef\"; "
	"content:\"xyz\"; distance:0; within:10; flowbits:set,fb1; sid:1;)\n"
	"alert http any any -> any any (msg:\"b\"; flow:to_server; flowbits:isset,fb1; http.uri; content:\"/evil\"; "
	"byte_test:1,>,10,0,relative; isdataat:2,relative; sid:2;)\n"
	"drop http any any -> any any (msg:\"c\"; http.stat_code; content:\"500\"; file.data; content:!\"ok\"; sid:3;)\n"
	"alert tcp any any -> any !22 (msg:\"d\"; dsize:>5; content:!\"zz\"; sid:4;)\n"
	"alert tls any any -> any any (msg:\"e\"; tls.sni; content:\"bad.example\"; sid:5;)\n"
	"alert http any any -> any any (msg:\"f\"; app-layer-event:http.invalid_transfer_encoding_value_in_request; "
	"content:\"L\"; byte_extract:2,0,n,relative; byte_test:2,>,n,0,relative; sid:6;)\n";

static void setup(void)
{
	et_load(&T, rules);
	len = T.len;
	img = aligned_alloc(8, (len + 7) & ~(size_t)7);
	memcpy(img, T.img, len);
}

static void teardown(void)
{
	free(img);
	et_free(&T);
}

static struct tlsi_img_hdr *H(void)
{
	return (struct tlsi_img_hdr *)img;
}

static void *sect(enum tlsi_img_sect s)
{
	return img + H()->sect[s].off;
}

static void fix_crc(void)
{
	H()->crc32 = 0;
	H()->crc32 = tlsi_img_crc32(0, img, len);
}

static void restore(void)
{
	memcpy(img, T.img, len);
}

/* Corrupt (then restore); the validator must refuse, mentioning `want'. */
#define REFUSED(want) do {							\
		fix_crc();							\
		ck_assert_msg(tlsi_img_validate(img, len, err, sizeof(err)) == -1, \
			      "corruption accepted (expected `%s')", (want)); \
		ck_assert_msg(strstr(err, (want)) != NULL, "error `%s' lacks `%s'", \
			      err, (want));					\
		restore();							\
	} while (0)

START_TEST(test_valid)
{
	ck_assert_msg(tlsi_img_validate(img, len, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(H()->nrules, 6);
	ck_assert_uint_eq(H()->nflowbits, 1);
	/* unaligned buffers are refused outright */
	{
		uint8_t *u = malloc(len + 1);

		memcpy(u + 1, img, len);
		ck_assert_int_eq(tlsi_img_validate(u + 1, len, err, sizeof(err)), -1);
		ck_assert_ptr_nonnull(strstr(err, "aligned"));
		free(u);
	}
}
END_TEST

START_TEST(test_header)
{
	H()->magic ^= 1;
	REFUSED("magic");
	H()->version = TLSI_IMG_VERSION + 1;
	REFUSED("version");
	H()->hdr_size = 40;
	REFUSED("header size");
	H()->total_size += 8;
	REFUSED("truncated");
	H()->flags = 0x80;
	REFUSED("flags");
	H()->reserved[2] = 1;
	REFUSED("reserved");
	H()->nrules = 4;
	REFUSED("rules");
	H()->nflowbits = 9;
	REFUSED("flowbits");
	/* a flipped byte without fixing the CRC */
	img[len / 2] ^= 0x40;
	ck_assert_int_eq(tlsi_img_validate(img, len, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "checksum"));
	restore();
	ck_assert_int_eq(tlsi_img_validate(img, 10, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "shorter than its header"));
}
END_TEST

START_TEST(test_sections)
{
	H()->sect[TLSI_IMG_S_RULES].off += 4;
	REFUSED("aligned");
	H()->sect[TLSI_IMG_S_BYTES].size = (uint32_t)len;
	REFUSED("outside the image");
	H()->sect[TLSI_IMG_S_RULES].size -= 8;
	REFUSED("whole number");
	H()->sect[TLSI_IMG_S_INSNS].off = H()->sect[TLSI_IMG_S_RULES].off;
	REFUSED("overlap");
	H()->sect[TLSI_IMG_S_STRTAB].off = 0;
	REFUSED("outside the image");
	H()->sect[TLSI_IMG_S_TRIGGERS].size -= 16;
	REFUSED("TRIGGERS");
	H()->sect[TLSI_IMG_S_MPMDATA].off = 0xfffffff8u;
	REFUSED("outside the image");
}
END_TEST

START_TEST(test_rules)
{
	struct tlsi_img_rule *r = sect(TLSI_IMG_S_RULES);
	uint32_t ninsn = H()->sect[TLSI_IMG_S_INSNS].size / sizeof(struct tlsi_img_insn);

	r[1].insn_first = ninsn;
	REFUSED("beyond INSNS");
	r[1].insn_count = 0xffffffffu;
	REFUSED("beyond INSNS");
	r[0].msg.off = 0xfffffff0u;
	REFUSED("STRTAB");
	r[0].msg.len = 0x7fffffffu;
	REFUSED("STRTAB");
	r[2].action = 9;
	REFUSED("bad action");
	r[2].app = 77;
	REFUSED("bad action");
	r[0].flow = 0x80;
	REFUSED("flow");
	r[0].thresh_type = TLSI_THRESH_LIMIT;
	REFUSED("threshold");
	r[0].src_first = 1000000;
	REFUSED("ADDRS");
	r[0].dst_count = 0xffffffffu;
	REFUSED("ADDRS");
	r[3].dport_first = 60000;
	REFUSED("PORTS");
}
END_TEST

static struct tlsi_img_insn *find_op(uint8_t op)
{
	struct tlsi_img_insn *in = sect(TLSI_IMG_S_INSNS);
	uint32_t n = H()->sect[TLSI_IMG_S_INSNS].size / sizeof(*in), i;

	for (i = 0; i < n; i++)
		if (in[i].op == op)
			return &in[i];
	ck_abort_msg("no op %u", op);
	return NULL;
}

START_TEST(test_insns)
{
	find_op(TLSI_OP_CONTENT)->a = 0xfffffff0u;
	REFUSED("beyond BYTES");
	find_op(TLSI_OP_CONTENT)->b = 0;
	REFUSED("content length");
	find_op(TLSI_OP_CONTENT)->b = 70000;
	REFUSED("content length");
	find_op(TLSI_OP_CONTENT)->flags = 0xffff;
	REFUSED("content flags");
	find_op(TLSI_OP_CONTENT)->op = 99;
	REFUSED("unknown opcode");
	find_op(TLSI_OP_BUFFER)->buf = TLSI_BUF_MAX;
	REFUSED("unknown buffer");
	find_op(TLSI_OP_BUFFER)->a = 1;
	REFUSED("operands");
	find_op(TLSI_OP_BYTE_TEST)->nbytes = 9;
	REFUSED("bytes to convert");
	find_op(TLSI_OP_BYTE_TEST)->cmp = TLSI_CMP_MAX;
	REFUSED("operator");
	find_op(TLSI_OP_FLOWBITS)->a = 1;
	REFUSED("flowbit 1 of 1");
	find_op(TLSI_OP_FLOWBITS)->nbytes = 6;
	REFUSED("flowbits in one");
	find_op(TLSI_OP_DSIZE)->cmp = TLSI_CMP_AND;
	REFUSED("size operator");
	find_op(TLSI_OP_ISDATAAT)->flags = TLSI_IF_NOCASE;
	REFUSED("isdataat flags");
	find_op(TLSI_OP_CONTENT)->vars = TLSI_IV(0);
	REFUSED("variable operands");
	/* byte_extract variables: used only after they are stored */
	find_op(TLSI_OP_BYTE_TEST)->vars = TLSI_IV(1);
	REFUSED("variable operands");
	{
		struct tlsi_img_insn *bx = find_op(TLSI_OP_BYTE_EXTRACT), *bt;

		/* the byte_test of sid 6 reads variable 0 */
		bt = bx + 1;
		ck_assert_uint_eq(bt->op, TLSI_OP_BYTE_TEST);
		ck_assert_uint_eq(bt->vars, TLSI_IV(0));
		bt->a = 1;
		REFUSED("variable 1 not set before");
		bt = bx + 1;
		bt->a = 200;
		REFUSED("variable 200 not set before");
		bt = bx + 1;
		bt->b = 1;
		REFUSED("with high bits");
		/* the byte_test before the byte_extract */
		bt = bx + 1;
		{
			struct tlsi_img_insn tmp = *bx;

			*bx = *bt;
			*bt = tmp;
		}
		REFUSED("not set before");
		find_op(TLSI_OP_BYTE_EXTRACT)->b = TLSI_IMG_BYTE_VARS;
		REFUSED("byte_extract variable 8");
		find_op(TLSI_OP_BYTE_EXTRACT)->nbytes = 9;
		REFUSED("byte_extract of 9 bytes");
		find_op(TLSI_OP_BYTE_EXTRACT)->d = 3;
		REFUSED("align 3");
		find_op(TLSI_OP_BYTE_EXTRACT)->a = 0;
		REFUSED("multiplier 0");
		find_op(TLSI_OP_BYTE_EXTRACT)->flags = TLSI_IF_STRING;
		REFUSED("base 0");
		find_op(TLSI_OP_APP_EVENT)->nbytes = TLSI_AEV_MAX;
		REFUSED("bad app-layer-event");
	}
	/* a payload instruction before any buffer */
	{
		struct tlsi_img_insn *in = sect(TLSI_IMG_S_INSNS);

		in[0].op = TLSI_OP_CONTENT;
		in[0].b = 1;
		REFUSED("outside a buffer");
	}
}
END_TEST

START_TEST(test_addrs_vars)
{
	struct tlsi_img_addr *a = sect(TLSI_IMG_S_ADDRS);
	struct tlsi_img_var *v = sect(TLSI_IMG_S_VARS);
	struct tlsi_img_port *p = sect(TLSI_IMG_S_PORTS);
	uint32_t nv = H()->sect[TLSI_IMG_S_VARS].size / sizeof(*v), i;

	a[0].plen = 129;
	REFUSED("prefix length");
	a[0].flags = 0x10;
	REFUSED("bad flags");
	/* variables: find HOME_NET's list and put a variable into it */
	for (i = 0; i < nv; i++)
		if (v[i].kind == TLSI_VAR_ADDR && v[i].count)
			break;
	ck_assert_uint_lt(i, nv);
	a[v[i].first].flags |= TLSI_ADDR_F_VAR;
	REFUSED("inside a variable");
	v[i].kind = 7;
	REFUSED("unknown kind");
	v[i].count = 0x7fffffff;
	REFUSED("ADDRS");
	v[0].name.off = 0xffffff00u;
	REFUSED("bad name");
	p[0].lo = 100;
	p[0].hi = 10;
	REFUSED("reversed");
	/* a rule's variable item pointing at a port variable */
	{
		struct tlsi_img_rule *r = sect(TLSI_IMG_S_RULES);
		uint32_t k;

		for (k = 0; k < H()->nrules; k++)
			if (r[k].src_count)
				break;
		ck_assert_uint_lt(k, H()->nrules);
		for (i = 0; i < nv; i++)
			if (v[i].kind == TLSI_VAR_PORT)
				break;
		a[r[k].src_first].flags = TLSI_ADDR_F_VAR;
		a[r[k].src_first].var = i;
		REFUSED("not an address variable");
		a[r[k].src_first].flags = TLSI_ADDR_F_VAR;
		a[r[k].src_first].var = 100000;
		REFUSED("not an address variable");
	}
}
END_TEST

START_TEST(test_mpm)
{
	struct tlsi_img_mpm *m = sect(TLSI_IMG_S_MPMS);
	struct tlsi_img_pattern *p = sect(TLSI_IMG_S_PATTERNS);
	struct tlsi_img_trigger *t = sect(TLSI_IMG_S_TRIGGERS);
	uint32_t *ri = sect(TLSI_IMG_S_RULEIDX);
	uint8_t *d = sect(TLSI_IMG_S_MPMDATA);
	uint32_t nm = H()->sect[TLSI_IMG_S_MPMS].size / sizeof(*m), i;

	ck_assert_uint_gt(nm, 0);
	/* pick an automaton with sparse states */
	for (i = 0; i < nm && m[i].nstates == m[i].ndense; i++)
		;
	if (i == nm)
		i = 0;
	m[i].nclass = 0;
	REFUSED("classes");
	m[i].ndense = m[i].nstates + 1;
	REFUSED("dense");
	m[i].cmap_off += 2;
	REFUSED("misaligned");
	m[i].dense_off = 0xfffffff0u;
	REFUSED("beyond MPMDATA");
	m[i].pat_count += 100;
	REFUSED("PATTERNS");
	m[i].reserved = 3;
	REFUSED("reserved");
	d[m[i].cmap_off + 'a'] = (uint8_t)m[i].nclass;
	REFUSED("maps to class");
	((uint32_t *)(d + m[i].dense_off))[1] = m[i].nstates;
	REFUSED("dense transition");
	((uint32_t *)(d + m[i].outidx_off))[0] = 1;
	REFUSED("output index");
	((uint32_t *)(d + m[i].outidx_off))[m[i].nstates] = m[i].nouts + 1;
	REFUSED("output index");
	if (m[i].nouts) {
		((uint32_t *)(d + m[i].outs_off))[0] = m[i].pat_count;
		REFUSED("is pattern");
	}
	if (m[i].nstates > m[i].ndense) {
		struct tlsi_img_mpm_sparse *sp = (void *)(d + m[i].sparse_off);

		sp[0].def = m[i].ndense;
		REFUSED("non-dense");
		sp[0].count = (uint16_t)(m[i].nclass + 1);
		REFUSED("edges for");
		sp[0].count = TLSI_MPM_INLINE + 1;
		sp[0].first = m[i].nedges;
		REFUSED("beyond");
		sp[0].reserved[1] = 1;
		REFUSED("edges for");
		sp[0].first = 1;
		if (sp[0].count <= TLSI_MPM_INLINE)
			REFUSED("beyond");
		else
			restore();
		if (sp[0].count >= 1) {
			sp[0].next[0] = m[i].nstates;
			REFUSED("edge to state");
			sp[0].cls[0] = (uint8_t)m[i].nclass;
			if (m[i].nclass < 256)
				REFUSED("class beyond");
			else
				restore();
		}
		if (sp[0].count >= 2) {
			uint8_t x = sp[0].cls[0];

			sp[0].cls[0] = sp[0].cls[1];
			sp[0].cls[1] = x;
			REFUSED("not sorted");
		}
		if (sp[0].count < TLSI_MPM_INLINE) {
			sp[0].next[TLSI_MPM_INLINE - 1] = 1;
			REFUSED("unused edge slot");
		}
	}
	if (m[i].nedges) {
		((uint32_t *)(d + m[i].enext_off))[0] = m[i].nstates | 0x80000000u;
		REFUSED("edge 0 to state");
		d[m[i].ecls_off] = 255;
		if (m[i].nclass < 256)
			REFUSED("has class");
		else
			restore();
	}
	p[0].bytes_off = 0xfffffff0u;
	REFUSED("beyond BYTES");
	p[0].len = 0;
	REFUSED("bad length");
	p[0].rules_count = 0xffffffffu;
	REFUSED("RULEIDX");
	ri[0] = 6;
	REFUSED("rule 6 of 6");
	for (i = 0; i < TLSI_DIRS * TLSI_BUF_MAX && t[i].mpm == TLSI_IMG_NO_MPM; i++)
		;
	t[i].mpm = nm;
	REFUSED("automaton");
	t[0].rules_first = 0xffffff00u;
	REFUSED("RULEIDX");
}
END_TEST

/* Random corruption: whatever the validator accepts must be safe to run. */
START_TEST(test_random_corruption)
{
	static const char *req = "GET /evil HTTP/1.1\r\nHost: a\r\n\r\nabcdefxyz zz";
	struct tlsi_eng e;
	struct tlsi_eng_scratch *s;
	struct tlsi_eng_flow *f = calloc(1, sizeof(*f));
	uint32_t seed = 99, accepted = 0, round;
	uint8_t z[16] = { 0 };

	for (round = 0; round < 20000; round++) {
		unsigned int k, nflip = 1 + round % 4;

		restore();
		for (k = 0; k < nflip; k++) {
			seed = seed * 1103515245 + 12345;
			img[(seed >> 8) % len] ^= (uint8_t)(1u << ((seed >> 4) & 7));
		}
		fix_crc();
		if (tlsi_eng_init(&e, img, len, err, sizeof(err)))
			continue;
		accepted++;
		s = calloc(1, tlsi_eng_scratch_size(&e));
		tlsi_eng_flow_init(f, z, 1, z, 80);
		{
			struct tlsi_eng_ctx c = { .eng = &e, .s = s };

			tlsi_eng_inspect(&c, f, 0, (const uint8_t *)req, strlen(req));
			tlsi_eng_inspect(&c, f, 1, (const uint8_t *)"HTTP/1.1 500 x\r\n\r\nok", 20);
			tlsi_eng_eof(&c, f, 0);
		}
		free(s);
	}
	/* many corruptions hit bytes the engine never reads (messages,
	 * patterns), so some must be accepted: the run above exercised them */
	ck_assert_uint_gt(accepted, 100);
	free(f);
	/* every truncation is refused */
	for (round = 0; round < len; round += 1 + round / 64) {
		restore();
		ck_assert_int_eq(tlsi_img_validate(img, round, err, sizeof(err)), -1);
	}
}
END_TEST

Suite *engine_image_suite(void)
{
	Suite *s = suite_create("engine-image");
	TCase *tc = tcase_create("validator");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_valid);
	tcase_add_test(tc, test_header);
	tcase_add_test(tc, test_sections);
	tcase_add_test(tc, test_rules);
	tcase_add_test(tc, test_insns);
	tcase_add_test(tc, test_addrs_vars);
	tcase_add_test(tc, test_mpm);
	tcase_add_test(tc, test_random_corruption);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(engine_image_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
