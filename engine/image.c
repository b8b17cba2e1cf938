// SPDX-License-Identifier: GPL-2.0
/*
 * The rule image validator: nothing else in the engine reads an image that
 * has not passed tlsi_img_validate(). Every offset, index, count and length
 * is checked here against the section it refers to, with 64-bit arithmetic
 * so that no sum or product can wrap.
 */
#include "compat.h"
#include "image.h"
#include "regex.h"

static const uint32_t crc_table[256] = {
	0x00000000, 0x77073096, 0xee0e612c, 0x990951ba, 0x076dc419, 0x706af48f,
	0xe963a535, 0x9e6495a3, 0x0edb8832, 0x79dcb8a4, 0xe0d5e91e, 0x97d2d988,
	0x09b64c2b, 0x7eb17cbd, 0xe7b82d07, 0x90bf1d91, 0x1db71064, 0x6ab020f2,
	0xf3b97148, 0x84be41de, 0x1adad47d, 0x6ddde4eb, 0xf4d4b551, 0x83d385c7,
	0x136c9856, 0x646ba8c0, 0xfd62f97a, 0x8a65c9ec, 0x14015c4f, 0x63066cd9,
	0xfa0f3d63, 0x8d080df5, 0x3b6e20c8, 0x4c69105e, 0xd56041e4, 0xa2677172,
	0x3c03e4d1, 0x4b04d447, 0xd20d85fd, 0xa50ab56b, 0x35b5a8fa, 0x42b2986c,
	0xdbbbc9d6, 0xacbcf940, 0x32d86ce3, 0x45df5c75, 0xdcd60dcf, 0xabd13d59,
	0x26d930ac, 0x51de003a, 0xc8d75180, 0xbfd06116, 0x21b4f4b5, 0x56b3c423,
	0xcfba9599, 0xb8bda50f, 0x2802b89e, 0x5f058808, 0xc60cd9b2, 0xb10be924,
	0x2f6f7c87, 0x58684c11, 0xc1611dab, 0xb6662d3d, 0x76dc4190, 0x01db7106,
	0x98d220bc, 0xefd5102a, 0x71b18589, 0x06b6b51f, 0x9fbfe4a5, 0xe8b8d433,
	0x7807c9a2, 0x0f00f934, 0x9609a88e, 0xe10e9818, 0x7f6a0dbb, 0x086d3d2d,
	0x91646c97, 0xe6635c01, 0x6b6b51f4, 0x1c6c6162, 0x856530d8, 0xf262004e,
	0x6c0695ed, 0x1b01a57b, 0x8208f4c1, 0xf50fc457, 0x65b0d9c6, 0x12b7e950,
	0x8bbeb8ea, 0xfcb9887c, 0x62dd1ddf, 0x15da2d49, 0x8cd37cf3, 0xfbd44c65,
	0x4db26158, 0x3ab551ce, 0xa3bc0074, 0xd4bb30e2, 0x4adfa541, 0x3dd895d7,
	0xa4d1c46d, 0xd3d6f4fb, 0x4369e96a, 0x346ed9fc, 0xad678846, 0xda60b8d0,
	0x44042d73, 0x33031de5, 0xaa0a4c5f, 0xdd0d7cc9, 0x5005713c, 0x270241aa,
	0xbe0b1010, 0xc90c2086, 0x5768b525, 0x206f85b3, 0xb966d409, 0xce61e49f,
	0x5edef90e, 0x29d9c998, 0xb0d09822, 0xc7d7a8b4, 0x59b33d17, 0x2eb40d81,
	0xb7bd5c3b, 0xc0ba6cad, 0xedb88320, 0x9abfb3b6, 0x03b6e20c, 0x74b1d29a,
	0xead54739, 0x9dd277af, 0x04db2615, 0x73dc1683, 0xe3630b12, 0x94643b84,
	0x0d6d6a3e, 0x7a6a5aa8, 0xe40ecf0b, 0x9309ff9d, 0x0a00ae27, 0x7d079eb1,
	0xf00f9344, 0x8708a3d2, 0x1e01f268, 0x6906c2fe, 0xf762575d, 0x806567cb,
	0x196c3671, 0x6e6b06e7, 0xfed41b76, 0x89d32be0, 0x10da7a5a, 0x67dd4acc,
	0xf9b9df6f, 0x8ebeeff9, 0x17b7be43, 0x60b08ed5, 0xd6d6a3e8, 0xa1d1937e,
	0x38d8c2c4, 0x4fdff252, 0xd1bb67f1, 0xa6bc5767, 0x3fb506dd, 0x48b2364b,
	0xd80d2bda, 0xaf0a1b4c, 0x36034af6, 0x41047a60, 0xdf60efc3, 0xa867df55,
	0x316e8eef, 0x4669be79, 0xcb61b38c, 0xbc66831a, 0x256fd2a0, 0x5268e236,
	0xcc0c7795, 0xbb0b4703, 0x220216b9, 0x5505262f, 0xc5ba3bbe, 0xb2bd0b28,
	0x2bb45a92, 0x5cb36a04, 0xc2d7ffa7, 0xb5d0cf31, 0x2cd99e8b, 0x5bdeae1d,
	0x9b64c2b0, 0xec63f226, 0x756aa39c, 0x026d930a, 0x9c0906a9, 0xeb0e363f,
	0x72076785, 0x05005713, 0x95bf4a82, 0xe2b87a14, 0x7bb12bae, 0x0cb61b38,
	0x92d28e9b, 0xe5d5be0d, 0x7cdcefb7, 0x0bdbdf21, 0x86d3d2d4, 0xf1d4e242,
	0x68ddb3f8, 0x1fda836e, 0x81be16cd, 0xf6b9265b, 0x6fb077e1, 0x18b74777,
	0x88085ae6, 0xff0f6a70, 0x66063bca, 0x11010b5c, 0x8f659eff, 0xf862ae69,
	0x616bffd3, 0x166ccf45, 0xa00ae278, 0xd70dd2ee, 0x4e048354, 0x3903b3c2,
	0xa7672661, 0xd06016f7, 0x4969474d, 0x3e6e77db, 0xaed16a4a, 0xd9d65adc,
	0x40df0b66, 0x37d83bf0, 0xa9bcae53, 0xdebb9ec5, 0x47b2cf7f, 0x30b5ffe9,
	0xbdbdf21c, 0xcabac28a, 0x53b39330, 0x24b4a3a6, 0xbad03605, 0xcdd70693,
	0x54de5729, 0x23d967bf, 0xb3667a2e, 0xc4614ab8, 0x5d681b02, 0x2a6f2b94,
	0xb40bbe37, 0xc30c8ea1, 0x5a05df1b, 0x2d02ef8d,
};

uint32_t tlsi_img_crc32(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

struct vctx {
	const uint8_t *img;
	size_t len;
	char *err;
	size_t errlen;
	const struct tlsi_img_hdr *h;
	uint32_t n[TLSI_IMG_NSECT];	/* elements per section */
	const void *s[TLSI_IMG_NSECT];
};

#define FAIL(v, ...) do {						\
		if ((v)->errlen)					\
			snprintf((v)->err, (v)->errlen, __VA_ARGS__);	\
		return -1;						\
	} while (0)

static const char *const sect_names[TLSI_IMG_NSECT] = {
	"STRTAB", "BYTES", "RULES", "INSNS", "ADDRS", "PORTS", "VARS",
	"FLOWBITS", "TRIGGERS", "RULEIDX", "MPMS", "PATTERNS", "MPMDATA",
	"REGEXES", "REGEXDATA",
};

static int range_ok(uint64_t first, uint64_t count, uint64_t n)
{
	return first <= n && count <= n - first;
}

static int check_str(struct vctx *v, const struct tlsi_img_str *s)
{
	return range_ok(le32v(s->off), le32v(s->len), v->n[TLSI_IMG_S_STRTAB]);
}

static int check_header(struct vctx *v)
{
	static const uint32_t esz[TLSI_IMG_NSECT] = TLSI_IMG_SECT_ELEM_SIZES;
	const struct tlsi_img_hdr *h = v->h;
	uint32_t crc, zero = 0;
	unsigned int i, j;

	if (v->len < sizeof(*h))
		FAIL(v, "image of %zu bytes is shorter than its header (%zu)",
		     v->len, sizeof(*h));
	if (le32v(h->magic) != TLSI_IMG_MAGIC)
		FAIL(v, "not a tlsi rule image (bad magic 0x%08x)",
		     le32v(h->magic));
	if (le16v(h->version) != TLSI_IMG_VERSION)
		FAIL(v, "image version %u, this engine reads version %u",
		     le16v(h->version), TLSI_IMG_VERSION);
	if (le16v(h->hdr_size) != sizeof(*h))
		FAIL(v, "header size %u, expected %zu", le16v(h->hdr_size),
		     sizeof(*h));
	if (v->len > TLSI_IMG_SIZE_MAX)
		FAIL(v, "image of %zu bytes exceeds the limit of %u", v->len,
		     TLSI_IMG_SIZE_MAX);
	if (le32v(h->total_size) != v->len)
		FAIL(v, "header says %u bytes, image has %zu (truncated?)",
		     le32v(h->total_size), v->len);
	if (le32v(h->flags) & ~TLSI_IMG_F_ALL)
		FAIL(v, "unknown header flags 0x%x", le32v(h->flags));
	for (i = 0; i < TLSI_ENG_ARRAY_SIZE(h->reserved); i++)
		if (h->reserved[i])
			FAIL(v, "reserved header field %u is not zero", i);
	crc = tlsi_img_crc32(0, v->img, 12);
	crc = tlsi_img_crc32(crc, &zero, 4);
	crc = tlsi_img_crc32(crc, v->img + 16, v->len - 16);
	if (crc != le32v(h->crc32))
		FAIL(v, "checksum mismatch (image corrupt): 0x%08x, header says 0x%08x",
		     crc, le32v(h->crc32));

	for (i = 0; i < TLSI_IMG_NSECT; i++) {
		uint64_t off = le32v(h->sect[i].off), size = le32v(h->sect[i].size);

		if (off % TLSI_IMG_ALIGN)
			FAIL(v, "section %s at %llu is not %u-byte aligned",
			     sect_names[i], (unsigned long long)off, TLSI_IMG_ALIGN);
		if (off < sizeof(*h) || off + size > v->len)
			FAIL(v, "section %s (%llu bytes at %llu) lies outside the image",
			     sect_names[i], (unsigned long long)size,
			     (unsigned long long)off);
		if (size % esz[i])
			FAIL(v, "section %s: %llu bytes is not a whole number of %u-byte entries",
			     sect_names[i], (unsigned long long)size, esz[i]);
		v->n[i] = (uint32_t)(size / esz[i]);
		v->s[i] = v->img + off;
	}
	for (i = 0; i < TLSI_IMG_NSECT; i++) {
		uint64_t a0 = le32v(h->sect[i].off), a1 = a0 + le32v(h->sect[i].size);

		for (j = i + 1; j < TLSI_IMG_NSECT; j++) {
			uint64_t b0 = le32v(h->sect[j].off);
			uint64_t b1 = b0 + le32v(h->sect[j].size);

			if (a0 < b1 && b0 < a1)
				FAIL(v, "sections %s and %s overlap", sect_names[i],
				     sect_names[j]);
		}
	}
	if (le32v(h->nrules) != v->n[TLSI_IMG_S_RULES])
		FAIL(v, "header says %u rules, RULES holds %u", le32v(h->nrules),
		     v->n[TLSI_IMG_S_RULES]);
	if (v->n[TLSI_IMG_S_RULES] > TLSI_IMG_RULES_MAX)
		FAIL(v, "%u rules exceed the limit of %u", v->n[TLSI_IMG_S_RULES],
		     TLSI_IMG_RULES_MAX);
	if (le32v(h->nflowbits) != v->n[TLSI_IMG_S_FLOWBITS])
		FAIL(v, "header says %u flowbits, FLOWBITS holds %u",
		     le32v(h->nflowbits), v->n[TLSI_IMG_S_FLOWBITS]);
	if (v->n[TLSI_IMG_S_FLOWBITS] > TLSI_IMG_FLOWBITS_MAX)
		FAIL(v, "%u flowbits exceed the limit of %u",
		     v->n[TLSI_IMG_S_FLOWBITS], TLSI_IMG_FLOWBITS_MAX);
	if (v->n[TLSI_IMG_S_TRIGGERS] != TLSI_DIRS * TLSI_BUF_MAX)
		FAIL(v, "TRIGGERS holds %u entries, expected %u",
		     v->n[TLSI_IMG_S_TRIGGERS], TLSI_DIRS * TLSI_BUF_MAX);
	return 0;
}

static int check_addr_list(struct vctx *v, uint32_t first, uint32_t count,
			   int allow_var, const char *what, uint32_t owner)
{
	const struct tlsi_img_addr *a = v->s[TLSI_IMG_S_ADDRS];
	const struct tlsi_img_var *vars = v->s[TLSI_IMG_S_VARS];
	uint32_t i;

	if (!range_ok(first, count, v->n[TLSI_IMG_S_ADDRS]))
		FAIL(v, "%s %u: address list %u+%u beyond ADDRS (%u)", what, owner,
		     first, count, v->n[TLSI_IMG_S_ADDRS]);
	for (i = first; i < first + count; i++) {
		if (a[i].flags & ~TLSI_ADDR_F_ALL || a[i].reserved)
			FAIL(v, "%s %u: address item %u: bad flags 0x%x", what,
			     owner, i, a[i].flags);
		if (a[i].plen > 128)
			FAIL(v, "%s %u: address item %u: prefix length %u > 128",
			     what, owner, i, a[i].plen);
		if (a[i].flags & TLSI_ADDR_F_VAR) {
			uint32_t var = le32v(a[i].var);

			if (!allow_var)
				FAIL(v, "%s %u: address item %u refers to a variable inside a variable",
				     what, owner, i);
			if (var >= v->n[TLSI_IMG_S_VARS] ||
			    vars[var].kind != TLSI_VAR_ADDR)
				FAIL(v, "%s %u: address item %u: variable %u is not an address variable",
				     what, owner, i, var);
		}
	}
	return 0;
}

static int check_port_list(struct vctx *v, uint32_t first, uint32_t count,
			   int allow_var, const char *what, uint32_t owner)
{
	const struct tlsi_img_port *p = v->s[TLSI_IMG_S_PORTS];
	const struct tlsi_img_var *vars = v->s[TLSI_IMG_S_VARS];
	uint32_t i;

	if (!range_ok(first, count, v->n[TLSI_IMG_S_PORTS]))
		FAIL(v, "%s %u: port list %u+%u beyond PORTS (%u)", what, owner,
		     first, count, v->n[TLSI_IMG_S_PORTS]);
	for (i = first; i < first + count; i++) {
		if (p[i].flags & ~TLSI_ADDR_F_ALL || p[i].reserved ||
		    p[i].reserved2)
			FAIL(v, "%s %u: port item %u: bad flags 0x%x", what, owner,
			     i, p[i].flags);
		if (le16v(p[i].lo) > le16v(p[i].hi))
			FAIL(v, "%s %u: port item %u: range %u-%u is reversed",
			     what, owner, i, le16v(p[i].lo), le16v(p[i].hi));
		if (p[i].flags & TLSI_ADDR_F_VAR) {
			uint32_t var = le32v(p[i].var);

			if (!allow_var)
				FAIL(v, "%s %u: port item %u refers to a variable inside a variable",
				     what, owner, i);
			if (var >= v->n[TLSI_IMG_S_VARS] ||
			    vars[var].kind != TLSI_VAR_PORT)
				FAIL(v, "%s %u: port item %u: variable %u is not a port variable",
				     what, owner, i, var);
		}
	}
	return 0;
}

static int check_vars(struct vctx *v)
{
	const struct tlsi_img_var *vars = v->s[TLSI_IMG_S_VARS];
	uint32_t i;

	for (i = 0; i < v->n[TLSI_IMG_S_VARS]; i++) {
		const struct tlsi_img_var *x = &vars[i];

		if (!check_str(v, &x->name) || !le32v(x->name.len))
			FAIL(v, "variable %u: bad name", i);
		if (x->reserved[0] || x->reserved[1] || x->reserved[2])
			FAIL(v, "variable %u: reserved bytes not zero", i);
		if (x->kind == TLSI_VAR_ADDR) {
			if (check_addr_list(v, le32v(x->first), le32v(x->count), 0,
					    "variable", i))
				return -1;
		} else if (x->kind == TLSI_VAR_PORT) {
			if (check_port_list(v, le32v(x->first), le32v(x->count), 0,
					    "variable", i))
				return -1;
		} else {
			FAIL(v, "variable %u: unknown kind %u", i, x->kind);
		}
	}
	return 0;
}

#define IF_CONTENT (TLSI_IF_NOCASE | TLSI_IF_NEGATE | TLSI_IF_OFFSET |	\
		    TLSI_IF_DEPTH | TLSI_IF_DISTANCE | TLSI_IF_WITHIN |	\
		    TLSI_IF_ENDSWITH | TLSI_IF_RETRY | TLSI_IF_FAST)
#define IF_BYTE (TLSI_IF_RELATIVE | TLSI_IF_LITTLE | TLSI_IF_STRING |	\
		 TLSI_IF_ALIGN | TLSI_IF_BEGIN | TLSI_IF_END | TLSI_IF_BITMASK)

/* The operands of each op that may name a byte_extract variable. */
static uint16_t var_operands(uint8_t op)
{
	switch (op) {
	case TLSI_OP_BYTE_TEST:
		return TLSI_IV(0) | TLSI_IV(2);
	case TLSI_OP_BYTE_JUMP:
		return TLSI_IV(2);
	case TLSI_OP_ISDATAAT:
		return TLSI_IV(0);
	case TLSI_OP_CONTENT:
		return TLSI_IV(2) | TLSI_IV(3) | TLSI_IV(4) | TLSI_IV(5);
	default:
		return 0;
	}
}

/*
 * *defined: the variables a BYTE_EXTRACT of the current group stored so
 * far (the caller clears it at each buffer instruction).
 */
static int check_insn(struct vctx *v, uint32_t r, uint32_t k,
		      const struct tlsi_img_insn *in, unsigned int group,
		      uint32_t *defined)
{
	uint16_t fl = le16v(in->flags), vars = le16v(in->vars);
	uint32_t sid = le32v(((const struct tlsi_img_rule *)v->s[TLSI_IMG_S_RULES])[r].sid);
	unsigned int i;

#define IFAIL(...) do {							\
		char m_[96];						\
		snprintf(m_, sizeof(m_), __VA_ARGS__);			\
		FAIL(v, "rule %u (sid %u): instruction %u: %s", r, sid, k, m_); \
	} while (0)

	if (vars & ~var_operands(in->op))
		IFAIL("variable operands 0x%x on opcode %u", vars, in->op);
	for (i = 0; i < 6; i++) {
		uint32_t var = tlsi_insn_arg(in, i);

		if (!(vars & TLSI_IV(i)))
			continue;
		if (var >= TLSI_IMG_BYTE_VARS || !(*defined & (1u << var)))
			IFAIL("operand %u: byte_extract variable %u not set before", i, var);
	}
	if (in->op == TLSI_OP_BYTE_TEST && (vars & TLSI_IV(0)) && in->b)
		IFAIL("byte_test value from a variable with high bits");
	switch (in->op) {
	case TLSI_OP_BUFFER:
		if (in->buf >= TLSI_BUF_MAX && in->buf != TLSI_BUF_NONE)
			IFAIL("unknown buffer %u", in->buf);
		if (fl || in->cmp || in->nbytes || in->a || in->b || in->c ||
		    in->d || in->e || in->f)
			IFAIL("buffer instruction with operands");
		return 0;
	case TLSI_OP_DSIZE:
	case TLSI_OP_FLOWBITS:
	case TLSI_OP_PKT:
	case TLSI_OP_STREAM_SIZE:
	case TLSI_OP_XBITS:
	case TLSI_OP_FLOWINT:
	case TLSI_OP_TLS_VERSION:
	case TLSI_OP_APP_EVENT:
		if (group != TLSI_BUF_NONE)
			IFAIL("dsize, flowbits, stream_size or header test after a buffer instruction");
		break;
	default:
		if (group == TLSI_BUF_NONE)
			IFAIL("payload instruction %u outside a buffer", in->op);
	}
	switch (in->op) {
	case TLSI_OP_CONTENT:
		if (fl & ~IF_CONTENT)
			IFAIL("bad content flags 0x%x", fl);
		if (!le32v(in->b) || le32v(in->b) > TLSI_IMG_PATTERN_MAX)
			IFAIL("content length %u", le32v(in->b));
		if (!range_ok(le32v(in->a), le32v(in->b), v->n[TLSI_IMG_S_BYTES]))
			IFAIL("content %u+%u beyond BYTES (%u)", le32v(in->a),
			      le32v(in->b), v->n[TLSI_IMG_S_BYTES]);
		break;
	case TLSI_OP_PCRE:
		if (fl & ~(TLSI_IF_RELATIVE | TLSI_IF_NEGATE | TLSI_IF_RETRY))
			IFAIL("bad pcre flags 0x%x", fl);
		if (le32v(in->a) >= v->n[TLSI_IMG_S_REGEXES])
			IFAIL("regex %u of %u", le32v(in->a), v->n[TLSI_IMG_S_REGEXES]);
		if (in->cmp || in->nbytes || in->b || in->c || in->d || in->e || in->f)
			IFAIL("pcre with unused operands");
		break;
	case TLSI_OP_ISDATAAT:
		if (fl & ~(TLSI_IF_RELATIVE | TLSI_IF_NEGATE))
			IFAIL("bad isdataat flags 0x%x", fl);
		break;
	case TLSI_OP_BYTE_TEST:
	case TLSI_OP_BYTE_JUMP:
		if (fl & ~(IF_BYTE | TLSI_IF_NEGATE))
			IFAIL("bad byte_test/byte_jump flags 0x%x", fl);
		/* a string of 0 bytes: up to the first non-digit */
		if ((fl & TLSI_IF_STRING) ? in->nbytes > 23 : (!in->nbytes || in->nbytes > 8))
			IFAIL("%u bytes to convert", in->nbytes);
		if ((fl & TLSI_IF_STRING) && le32v(in->e) != 0 && le32v(in->e) != 8 &&
		    le32v(in->e) != 10 && le32v(in->e) != 16)
			IFAIL("string base %u", le32v(in->e));
		if (in->op == TLSI_OP_BYTE_TEST && le32v(in->f))
			IFAIL("byte_test with unused operands");
		if (in->op == TLSI_OP_BYTE_TEST && in->cmp >= TLSI_CMP_RANGE)
			IFAIL("byte_test operator %u", in->cmp);
		break;
	case TLSI_OP_BYTE_EXTRACT:
		if (fl & ~(TLSI_IF_RELATIVE | TLSI_IF_LITTLE | TLSI_IF_STRING))
			IFAIL("bad byte_extract flags 0x%x", fl);
		if ((fl & TLSI_IF_STRING) ? (!in->nbytes || in->nbytes > 23 ||
					     (le32v(in->e) != 8 && le32v(in->e) != 10 &&
					      le32v(in->e) != 16))
					  : (!in->nbytes || in->nbytes > 8 || in->e))
			IFAIL("byte_extract of %u bytes, base %u", in->nbytes, le32v(in->e));
		if (le32v(in->b) >= TLSI_IMG_BYTE_VARS)
			IFAIL("byte_extract variable %u", le32v(in->b));
		if (!le32v(in->a) || le32v(in->a) > 65535)
			IFAIL("byte_extract multiplier %u", le32v(in->a));
		if (le32v(in->d) != 0 && le32v(in->d) != 2 && le32v(in->d) != 4)
			IFAIL("byte_extract align %u", le32v(in->d));
		if (in->cmp || in->f)
			IFAIL("byte_extract with unused operands");
		*defined |= 1u << le32v(in->b);
		break;
	case TLSI_OP_APP_EVENT:
		if (fl || in->cmp || in->nbytes >= TLSI_AEV_MAX || in->a || in->b ||
		    in->c || in->d || in->e || in->f)
			IFAIL("bad app-layer-event");
		break;
	case TLSI_OP_BASE64:
		if (fl & ~TLSI_IF_RELATIVE)
			IFAIL("bad base64_decode flags 0x%x", fl);
		if (le32v(in->a) > 65535)
			IFAIL("base64_decode of %u bytes", le32v(in->a));
		if (in->cmp || in->nbytes || in->b || in->d || in->e || in->f)
			IFAIL("base64_decode with unused operands");
		break;
	case TLSI_OP_BSIZE:
	case TLSI_OP_DSIZE:
		if (fl)
			IFAIL("flags on a size test");
		if (in->cmp >= TLSI_CMP_MAX || in->cmp == TLSI_CMP_AND ||
		    in->cmp == TLSI_CMP_XOR)
			IFAIL("size operator %u", in->cmp);
		break;
	case TLSI_OP_PKT:
		if (fl & ~TLSI_IF_NEGATE)
			IFAIL("bad header test flags 0x%x", fl);
		if (in->nbytes >= TLSI_PKT_FIELD_MAX)
			IFAIL("header field %u", in->nbytes);
		if (in->nbytes == TLSI_PKT_TCP_FLAGS) {
			if (in->cmp >= TLSI_TCPFL_MAX || fl || le32v(in->a) > 0xff ||
			    le32v(in->b) > 0xff)
				IFAIL("flags test %u 0x%x 0x%x", in->cmp, le32v(in->a),
				      le32v(in->b));
		} else if (in->cmp >= TLSI_CMP_MAX || in->cmp == TLSI_CMP_AND ||
			   in->cmp == TLSI_CMP_XOR) {
			IFAIL("header test operator %u", in->cmp);
		}
		if (in->c || in->d || in->e || in->f)
			IFAIL("header test with unused operands");
		break;
	case TLSI_OP_XBITS:
		if (fl)
			IFAIL("flags on xbits");
		if (in->cmp != TLSI_FB_ISSET && in->cmp != TLSI_FB_ISNOTSET &&
		    in->cmp != TLSI_FB_SET && in->cmp != TLSI_FB_UNSET &&
		    in->cmp != TLSI_FB_TOGGLE)
			IFAIL("xbits operation %u", in->cmp);
		if (in->nbytes >= TLSI_XT_MAX)
			IFAIL("xbits track %u", in->nbytes);
		if (le32v(in->a) >= TLSI_IMG_FLOWBITS_MAX)
			IFAIL("xbit %u", le32v(in->a));
		if (le32v(in->b) > TLSI_XBITS_EXPIRE_MAX)
			IFAIL("xbits expire %u", le32v(in->b));
		if (in->c || in->d || in->e || in->f)
			IFAIL("xbits with unused operands");
		break;
	case TLSI_OP_TLS_VERSION:
		if (fl || in->cmp || in->nbytes > 1 || le32v(in->a) > 0xffff || in->b ||
		    in->c || in->d || in->e || in->f)
			IFAIL("bad tls.version");
		break;
	case TLSI_OP_FLOWINT:
		if (fl)
			IFAIL("flags on flowint");
		if (in->cmp >= TLSI_FI_MAX)
			IFAIL("flowint operation %u", in->cmp);
		if (le32v(in->a) >= v->n[TLSI_IMG_S_FLOWBITS])
			IFAIL("flowint variable %u of %u", le32v(in->a),
			      v->n[TLSI_IMG_S_FLOWBITS]);
		if (in->nbytes || in->c || in->d || in->e || in->f)
			IFAIL("flowint with unused operands");
		break;
	case TLSI_OP_STREAM_SIZE:
		if (fl)
			IFAIL("flags on stream_size");
		if (in->nbytes >= TLSI_SS_MAX)
			IFAIL("stream_size side %u", in->nbytes);
		if (in->cmp > TLSI_CMP_GE)
			IFAIL("stream_size operator %u", in->cmp);
		if (in->b || in->c || in->d || in->e || in->f)
			IFAIL("stream_size with unused operands");
		break;
	case TLSI_OP_FLOWBITS:
		if (fl)
			IFAIL("flags on flowbits");
		if (in->cmp >= TLSI_FB_MAX)
			IFAIL("flowbits operation %u", in->cmp);
		if (!in->nbytes || in->nbytes > TLSI_FB_BITS_MAX)
			IFAIL("%u flowbits in one instruction", in->nbytes);
		for (i = 0; i < in->nbytes; i++) {
			uint32_t bit = tlsi_insn_arg(in, i);

			if (bit >= v->n[TLSI_IMG_S_FLOWBITS])
				IFAIL("flowbit %u of %u", bit,
				      v->n[TLSI_IMG_S_FLOWBITS]);
		}
		break;
	default:
		IFAIL("unknown opcode %u", in->op);
	}
	return 0;
#undef IFAIL
}

/* How many of the protocol flags (udp, icmp, ip, tcp packets) a rule has. */
static unsigned int hweight_protos(uint16_t flags)
{
	return !!(flags & TLSI_RULE_F_UDP) + !!(flags & TLSI_RULE_F_ICMP) +
	       !!(flags & TLSI_RULE_F_IP) + !!(flags & TLSI_RULE_F_TCP_PKT);
}

static int check_rules(struct vctx *v)
{
	const struct tlsi_img_rule *rules = v->s[TLSI_IMG_S_RULES];
	const struct tlsi_img_insn *insns = v->s[TLSI_IMG_S_INSNS];
	uint32_t r;

	for (r = 0; r < v->n[TLSI_IMG_S_RULES]; r++) {
		const struct tlsi_img_rule *x = &rules[r];
		uint32_t first = le32v(x->insn_first), count = le32v(x->insn_count);
		unsigned int group = TLSI_BUF_NONE, glen = 0, b64 = 0;
		uint32_t k, defined = 0;

		if (x->action >= TLSI_ACT_MAX || x->app >= TLSI_APP_MAX ||
		    x->flow & ~TLSI_FLOW_ALL || le16v(x->flags) & ~TLSI_RULE_F_ALL ||
		    hweight_protos(le16v(x->flags)) > 1 ||
		    ((le16v(x->flags) & TLSI_RULE_F_PROTOS) && x->app != TLSI_APP_ANY))
			FAIL(v, "rule %u (sid %u): bad action, protocol, flow or flags",
			     r, le32v(x->sid));
		if (x->thresh_type >= TLSI_THRESH_MAX ||
		    x->thresh_track >= TLSI_TRACK_MAX ||
		    (x->thresh_type != TLSI_THRESH_NONE &&
		     (!le32v(x->thresh_count) || !le32v(x->thresh_seconds))))
			FAIL(v, "rule %u (sid %u): bad threshold", r, le32v(x->sid));
		if (!check_str(v, &x->msg) || !check_str(v, &x->classtype) ||
		    !check_str(v, &x->meta) || !check_str(v, &x->file))
			FAIL(v, "rule %u (sid %u): string beyond STRTAB", r,
			     le32v(x->sid));
		if (count > TLSI_IMG_INSNS_MAX ||
		    !range_ok(first, count, v->n[TLSI_IMG_S_INSNS]))
			FAIL(v, "rule %u (sid %u): program %u+%u beyond INSNS (%u)",
			     r, le32v(x->sid), first, count, v->n[TLSI_IMG_S_INSNS]);
		if (check_addr_list(v, le32v(x->src_first), le32v(x->src_count), 1,
				    "rule", r) ||
		    check_addr_list(v, le32v(x->dst_first), le32v(x->dst_count), 1,
				    "rule", r) ||
		    check_port_list(v, le16v(x->sport_first), le16v(x->sport_count),
				    1, "rule", r) ||
		    check_port_list(v, le16v(x->dport_first), le16v(x->dport_count),
				    1, "rule", r))
			return -1;
		for (k = 0; k < count; k++) {
			const struct tlsi_img_insn *in = &insns[first + k];

			if (in->op == TLSI_OP_BUFFER)
				defined = 0;
			if (check_insn(v, r, k, in, group, &defined))
				return -1;
			if (in->op == TLSI_OP_BASE64 && b64++)
				FAIL(v, "rule %u (sid %u): two base64_decode on one buffer",
				     r, le32v(x->sid));
			if (in->op == TLSI_OP_BUFFER) {
				group = in->buf;
				glen = 0;
				b64 = 0;
			} else if (++glen > TLSI_IMG_GROUP_MAX) {
				FAIL(v, "rule %u (sid %u): more than %u instructions on one buffer",
				     r, le32v(x->sid), TLSI_IMG_GROUP_MAX);
			}
		}
	}
	return 0;
}

static int check_ruleidx(struct vctx *v)
{
	const uint32_t *ri = v->s[TLSI_IMG_S_RULEIDX];
	uint32_t i;

	for (i = 0; i < v->n[TLSI_IMG_S_RULEIDX]; i++)
		if (le32v(ri[i]) >= v->n[TLSI_IMG_S_RULES])
			FAIL(v, "RULEIDX entry %u: rule %u of %u", i, le32v(ri[i]),
			     v->n[TLSI_IMG_S_RULES]);
	return 0;
}

static int check_patterns(struct vctx *v)
{
	const struct tlsi_img_pattern *p = v->s[TLSI_IMG_S_PATTERNS];
	uint32_t i;

	for (i = 0; i < v->n[TLSI_IMG_S_PATTERNS]; i++) {
		if (!le16v(p[i].len) || le16v(p[i].flags) & ~TLSI_PAT_F_NOCASE)
			FAIL(v, "pattern %u: bad length or flags", i);
		if (!range_ok(le32v(p[i].bytes_off), le16v(p[i].len),
			      v->n[TLSI_IMG_S_BYTES]))
			FAIL(v, "pattern %u: bytes %u+%u beyond BYTES (%u)", i,
			     le32v(p[i].bytes_off), le16v(p[i].len),
			     v->n[TLSI_IMG_S_BYTES]);
		if (!range_ok(le32v(p[i].rules_first), le32v(p[i].rules_count),
			      v->n[TLSI_IMG_S_RULEIDX]))
			FAIL(v, "pattern %u: rule list beyond RULEIDX", i);
	}
	return 0;
}

/* A 4-byte aligned array of n elements of size sz at off in MPMDATA. */
static int mpm_part(struct vctx *v, uint32_t m, const char *what, uint32_t off,
		    uint64_t n, uint32_t sz, const void **out)
{
	uint64_t bytes = n * sz;

	if (off % 4 || !range_ok(off, bytes, v->n[TLSI_IMG_S_MPMDATA]))
		FAIL(v, "automaton %u: %s (%llu bytes at %u) beyond MPMDATA (%u) or misaligned",
		     m, what, (unsigned long long)bytes, off,
		     v->n[TLSI_IMG_S_MPMDATA]);
	*out = (const uint8_t *)v->s[TLSI_IMG_S_MPMDATA] + off;
	return 0;
}

static int check_mpm(struct vctx *v, uint32_t m)
{
	const struct tlsi_img_mpm *a = &((const struct tlsi_img_mpm *)v->s[TLSI_IMG_S_MPMS])[m];
	uint32_t nstates = le32v(a->nstates), ndense = le32v(a->ndense);
	uint32_t nclass = le32v(a->nclass), nedges = le32v(a->nedges);
	uint32_t nouts = le32v(a->nouts), pat_count = le32v(a->pat_count);
	const uint8_t *cmap, *ecls;
	const uint32_t *dense, *enext, *outidx, *outs;
	const struct tlsi_img_mpm_sparse *sp;
	uint64_t i;
	uint32_t k;

	if (a->reserved)
		FAIL(v, "automaton %u: reserved field not zero", m);
	if (!nstates || nstates > TLSI_IMG_MPM_STATES_MAX || !ndense ||
	    ndense > nstates || !nclass || nclass > 256)
		FAIL(v, "automaton %u: %u states, %u dense, %u classes", m, nstates,
		     ndense, nclass);
	if (!range_ok(le32v(a->pat_first), pat_count, v->n[TLSI_IMG_S_PATTERNS]))
		FAIL(v, "automaton %u: patterns beyond PATTERNS", m);
	if (mpm_part(v, m, "class map", le32v(a->cmap_off), 256, 1, (const void **)&cmap) ||
	    mpm_part(v, m, "dense table", le32v(a->dense_off), (uint64_t)ndense * nclass, 4,
		     (const void **)&dense) ||
	    mpm_part(v, m, "sparse states", le32v(a->sparse_off), nstates - ndense,
		     sizeof(*sp), (const void **)&sp) ||
	    mpm_part(v, m, "edge classes", le32v(a->ecls_off), nedges, 1,
		     (const void **)&ecls) ||
	    mpm_part(v, m, "edge targets", le32v(a->enext_off), nedges, 4,
		     (const void **)&enext) ||
	    mpm_part(v, m, "output index", le32v(a->outidx_off), (uint64_t)nstates + 1, 4,
		     (const void **)&outidx) ||
	    mpm_part(v, m, "outputs", le32v(a->outs_off), nouts, 4, (const void **)&outs))
		return -1;
	for (i = 0; i < 256; i++)
		if (cmap[i] >= nclass)
			FAIL(v, "automaton %u: byte %llu maps to class %u of %u", m,
			     (unsigned long long)i, cmap[i], nclass);
	for (i = 0; i < (uint64_t)ndense * nclass; i++)
		if ((le32v(dense[i]) & ~TLSI_IMG_MPM_MATCH) >= nstates)
			FAIL(v, "automaton %u: dense transition %llu to state %u of %u",
			     m, (unsigned long long)i,
			     le32v(dense[i]) & ~TLSI_IMG_MPM_MATCH, nstates);
	for (i = 0; i < nedges; i++) {
		if (ecls[i] >= nclass)
			FAIL(v, "automaton %u: edge %llu has class %u of %u", m,
			     (unsigned long long)i, ecls[i], nclass);
		if ((le32v(enext[i]) & ~TLSI_IMG_MPM_MATCH) >= nstates)
			FAIL(v, "automaton %u: edge %llu to state %u of %u", m,
			     (unsigned long long)i,
			     le32v(enext[i]) & ~TLSI_IMG_MPM_MATCH, nstates);
	}
	for (i = 0; i < nstates - ndense; i++) {
		const struct tlsi_img_mpm_sparse *x = &sp[i];
		uint32_t count = le16v(x->count), first = le32v(x->first);
		uint32_t inl = TLSI_ENG_MIN(count, (uint32_t)TLSI_MPM_INLINE), over;
		int prev = -1;

		if (le32v(x->def) >= ndense)
			FAIL(v, "automaton %u: state %llu defaults to non-dense state %u",
			     m, (unsigned long long)(i + ndense), le32v(x->def));
		if (count > nclass || x->reserved[0] || x->reserved[1])
			FAIL(v, "automaton %u: state %llu has %u edges for %u classes", m,
			     (unsigned long long)(i + ndense), count, nclass);
		over = count - inl;
		if (over ? !range_ok(first, over, nedges) : first != 0)
			FAIL(v, "automaton %u: state %llu edges %u+%u beyond %u", m,
			     (unsigned long long)(i + ndense), first, over, nedges);
		/* strictly ascending classes, targets in range, unused slots 0 */
		for (k = 0; k < TLSI_MPM_INLINE; k++) {
			if (k >= inl) {
				if (x->cls[k] || x->next[k])
					FAIL(v, "automaton %u: state %llu: unused edge slot not zero",
					     m, (unsigned long long)(i + ndense));
				continue;
			}
			if ((int)x->cls[k] <= prev || x->cls[k] >= nclass)
				FAIL(v, "automaton %u: state %llu edges not sorted or class beyond %u",
				     m, (unsigned long long)(i + ndense), nclass);
			prev = x->cls[k];
			if ((le32v(x->next[k]) & ~TLSI_IMG_MPM_MATCH) >= nstates)
				FAIL(v, "automaton %u: state %llu edge to state %u of %u", m,
				     (unsigned long long)(i + ndense),
				     le32v(x->next[k]) & ~TLSI_IMG_MPM_MATCH, nstates);
		}
		for (k = 0; k < over; k++) {
			if ((int)ecls[first + k] <= prev)
				FAIL(v, "automaton %u: state %llu edges not sorted",
				     m, (unsigned long long)(i + ndense));
			prev = ecls[first + k];
		}
	}
	if (le32v(outidx[0]) != 0)
		FAIL(v, "automaton %u: output index does not start at 0", m);
	for (i = 0; i < nstates; i++)
		if (le32v(outidx[i + 1]) < le32v(outidx[i]) ||
		    le32v(outidx[i + 1]) > nouts)
			FAIL(v, "automaton %u: output index of state %llu out of order or beyond %u",
			     m, (unsigned long long)i, nouts);
	for (i = 0; i < nouts; i++)
		if (le32v(outs[i]) >= pat_count)
			FAIL(v, "automaton %u: output %llu is pattern %u of %u", m,
			     (unsigned long long)i, le32v(outs[i]), pat_count);
	return 0;
}

/* Each program once, in order: linear in REGEXDATA. */
static int check_regexes(struct vctx *v)
{
	const struct tlsi_img_regex *r = v->s[TLSI_IMG_S_REGEXES];
	const uint8_t *data = v->s[TLSI_IMG_S_REGEXDATA];
	uint64_t prev_end = 0;
	uint32_t i;
	char why[96];

	for (i = 0; i < v->n[TLSI_IMG_S_REGEXES]; i++) {
		uint32_t off = le32v(r[i].off);
		uint32_t litlen = le16v(r[i].litlen);
		uint64_t size = (uint64_t)le16v(r[i].ninsns) * sizeof(struct tlsi_img_re_insn) +
				(uint64_t)le16v(r[i].nclasses) * sizeof(struct tlsi_img_re_class) +
				((litlen + 7) & ~7u);
		struct tlsi_re_prog g;

		if (!(le16v(r[i].flags) & TLSI_RE_F_LIT) != !litlen ||
		    (litlen && (litlen < 2 || litlen > TLSI_RE_LIT_MAX)))
			FAIL(v, "regex %u: required string of %u bytes", i, litlen);
		g.dfa = NULL;
		g.dfalen = 0;
		if ((le16v(r[i].flags) & TLSI_RE_F_DFA) && off % 8 == 0 &&
		    range_ok(off, size + TLSI_RE_DFA_HDR, v->n[TLSI_IMG_S_REGEXDATA])) {
			const struct tlsi_img_re_dfa *h =
				(const struct tlsi_img_re_dfa *)(data + off + size);
			uint64_t dsize = tlsi_re_dfa_bytes(le16v(h->nstates), le16v(h->ncols));

			g.dfa = data + off + size;
			g.dfalen = (uint32_t)TLSI_ENG_MIN(dsize, (uint64_t)1 << 31);
			size += dsize;
		}
		if (off % 8 || off < prev_end || !range_ok(off, size, v->n[TLSI_IMG_S_REGEXDATA]))
			FAIL(v, "regex %u: program (%llu bytes at %u) misaligned, out of order or beyond REGEXDATA (%u)",
			     i, (unsigned long long)size, off, v->n[TLSI_IMG_S_REGEXDATA]);
		prev_end = off + size;
		g.insns = (const struct tlsi_img_re_insn *)(data + off);
		g.ninsns = le16v(r[i].ninsns);
		g.classes = (const struct tlsi_img_re_class *)(data + off +
			     (uint64_t)g.ninsns * sizeof(struct tlsi_img_re_insn));
		g.nclasses = le16v(r[i].nclasses);
		g.flags = le16v(r[i].flags);
		g.first = le16v(r[i].first);
		g.req[0] = r[i].req[0];
		g.req[1] = r[i].req[1];
		g.litlen = litlen;
		g.lit = (const uint8_t *)(g.classes + g.nclasses);
		if (!(g.flags & TLSI_RE_F_REQ) && (g.req[0] || g.req[1]))
			FAIL(v, "regex %u: required bytes without their flag", i);
		if (tlsi_re_validate(&g, why, sizeof(why)))
			FAIL(v, "regex %u: %s", i, why);
	}
	return 0;
}

static int check_triggers(struct vctx *v)
{
	const struct tlsi_img_trigger *t = v->s[TLSI_IMG_S_TRIGGERS];
	uint32_t i;

	for (i = 0; i < v->n[TLSI_IMG_S_TRIGGERS]; i++) {
		uint32_t mpm = le32v(t[i].mpm);

		uint64_t count = (uint64_t)le32v(t[i].rules_count) + le32v(t[i].once_count);

		if (le32v(t[i].once_count) && i % TLSI_BUF_MAX != TLSI_BUF_RAW)
			FAIL(v, "trigger %u: first-chunk rules on a buffer other than the stream", i);
		if (mpm != TLSI_IMG_NO_MPM && mpm >= v->n[TLSI_IMG_S_MPMS])
			FAIL(v, "trigger %u: automaton %u of %u", i, mpm,
			     v->n[TLSI_IMG_S_MPMS]);
		if (!range_ok(le32v(t[i].rules_first), count, v->n[TLSI_IMG_S_RULEIDX]))
			FAIL(v, "trigger %u: rule list beyond RULEIDX", i);
	}
	return 0;
}

int tlsi_img_validate(const void *img, size_t len, char *err, size_t errlen)
{
	struct vctx v = { .img = img, .len = len, .err = err, .errlen = errlen,
			  .h = img };
	const struct tlsi_img_str *fb;
	uint32_t i;

	if (errlen)
		err[0] = '\0';
	if (!img || ((uintptr_t)img % TLSI_IMG_ALIGN))
		FAIL(&v, "image buffer is not %u-byte aligned", TLSI_IMG_ALIGN);
	if (check_header(&v))
		return -1;
	fb = v.s[TLSI_IMG_S_FLOWBITS];
	for (i = 0; i < v.n[TLSI_IMG_S_FLOWBITS]; i++)
		if (!check_str(&v, &fb[i]))
			FAIL(&v, "flowbit %u: name beyond STRTAB", i);
	if (check_vars(&v) || check_rules(&v) || check_ruleidx(&v) ||
	    check_patterns(&v) || check_triggers(&v) || check_regexes(&v))
		return -1;
	for (i = 0; i < v.n[TLSI_IMG_S_MPMS]; i++)
		if (check_mpm(&v, i))
			return -1;
	return 0;
}

/* ---- rewriting variables -------------------------------------------------- */

#define TLSI_IMG_ALIGN_UP(x)	(((x) + TLSI_IMG_ALIGN - 1) & ~(uint64_t)(TLSI_IMG_ALIGN - 1))

static unsigned int var_sect(const struct tlsi_img_var_update *u)
{
	return u->kind == TLSI_VAR_ADDR ? TLSI_IMG_S_ADDRS : TLSI_IMG_S_PORTS;
}

uint64_t tlsi_img_with_vars_size(const void *img, size_t len,
				 const struct tlsi_img_var_update *u, unsigned int nu,
				 char *err, size_t errlen)
{
	static const uint32_t esz[TLSI_IMG_NSECT] = TLSI_IMG_SECT_ELEM_SIZES;
	const struct tlsi_img_hdr *oh = (const struct tlsi_img_hdr *)img;
	uint64_t add[TLSI_IMG_NSECT] = { 0 }, total = sizeof(*oh);
	unsigned int k, j;

	if (len < sizeof(*oh)) {
		snprintf(err, errlen, "image of %zu bytes: no header", len);
		return 0;
	}
	for (j = 0; j < nu; j++)
		add[var_sect(&u[j])] += (uint64_t)u[j].count * esz[var_sect(&u[j])];
	for (k = 0; k < TLSI_IMG_NSECT; k++) {
		if ((uint64_t)le32v(oh->sect[k].off) + le32v(oh->sect[k].size) > len) {
			snprintf(err, errlen, "section %u beyond the image", k);
			return 0;
		}
		total = TLSI_IMG_ALIGN_UP(total) + le32v(oh->sect[k].size) + add[k];
	}
	if (total > TLSI_IMG_SIZE_MAX) {
		snprintf(err, errlen, "the image would exceed its size limit");
		return 0;
	}
	return total;
}

int tlsi_img_with_vars(const void *img, struct tlsi_img_var_update *u, unsigned int nu,
		       uint8_t *out, uint64_t size, char *err, size_t errlen)
{
	static const uint32_t esz[TLSI_IMG_NSECT] = TLSI_IMG_SECT_ELEM_SIZES;
	const struct tlsi_img_hdr *oh = (const struct tlsi_img_hdr *)img;
	struct tlsi_img_hdr *nh = (struct tlsi_img_hdr *)out;
	struct tlsi_img_var *vars;
	uint64_t cur = sizeof(*nh);
	unsigned int k, j;

	memcpy(nh, oh, sizeof(*oh));
	for (k = 0; k < TLSI_IMG_NSECT; k++) {
		uint32_t osize = le32v(oh->sect[k].size);
		uint64_t at, start;

		cur = TLSI_IMG_ALIGN_UP(cur);
		start = cur;
		memcpy(out + cur, (const uint8_t *)img + le32v(oh->sect[k].off), osize);
		at = cur + osize;
		for (j = 0; j < nu; j++) {
			if (var_sect(&u[j]) != k || !u[j].count)
				continue;
			u[j].first = (uint32_t)((at - start) / esz[k]);
			memcpy(out + at, u[j].items, (size_t)u[j].count * esz[k]);
			at += (uint64_t)u[j].count * esz[k];
		}
		nh->sect[k].off = le32v((uint32_t)start);
		nh->sect[k].size = le32v((uint32_t)(at - start));
		cur = at;
	}
	vars = (struct tlsi_img_var *)(out + le32v(nh->sect[TLSI_IMG_S_VARS].off));
	for (j = 0; j < nu; j++) {
		if ((uint64_t)(u[j].var + 1) * sizeof(*vars) > le32v(nh->sect[TLSI_IMG_S_VARS].size)) {
			snprintf(err, errlen, "variable %u beyond VARS", u[j].var);
			return -1;
		}
		vars[u[j].var].first = le32v(u[j].first);
		vars[u[j].var].count = le32v(u[j].count);
	}
	nh->total_size = le32v((uint32_t)size);
	nh->crc32 = 0;
	nh->crc32 = le32v(tlsi_img_crc32(0, out, (size_t)size));
	return 0;
}

/* ---- rule metadata read by the appliance ----------------------------------- */

/*
 * Where the word key stands on its own in m (after the start, ' ', ',' or
 * ':'; followed by the end, ' ', ',' or ';'): the offset after it, or -1.
 */
static int64_t meta_word(const char *m, uint32_t len, const char *key)
{
	uint32_t klen = (uint32_t)strlen(key), i;

	for (i = 0; i + klen <= len; i++) {
		if (memcmp(m + i, key, klen) ||
		    (i && m[i - 1] != ' ' && m[i - 1] != ',' && m[i - 1] != ':'))
			continue;
		if (i + klen < len && m[i + klen] != ' ' && m[i + klen] != ',' &&
		    m[i + klen] != ';')
			continue;
		return i + klen;
	}
	return -1;
}

uint32_t tlsi_img_meta_quarantine(const char *m, uint32_t len, uint32_t max)
{
	int64_t at = meta_word(m, len, "tlsi_quarantine");
	uint64_t v = 0;
	uint32_t i;

	if (at < 0)
		return 0;
	for (i = (uint32_t)at; i < len && m[i] == ' '; i++)
		;
	for (; i < len && m[i] >= '0' && m[i] <= '9'; i++) {
		v = v * 10 + (uint64_t)(m[i] - '0');
		if (v > max)
			v = max;
	}
	return v ? (uint32_t)v : (uint32_t)-1;
}

int tlsi_img_meta_trace(const char *m, uint32_t len)
{
	return meta_word(m, len, "tlsi_trace") >= 0;
}
