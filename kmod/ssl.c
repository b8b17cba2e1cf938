// SPDX-License-Identifier: GPL-2.0
/*
 * SSL inspection: proxies (detection ports and the settings tlsid uses) of
 * two roles, client (outbound TLS, forged certificates) and server (inbound
 * TLS to protected servers, whose destinations and own certificates the
 * proxy names), policies (a profile's use of a proxy, with source
 * exceptions), and the divert decision for a new flow: server policies
 * first, so a server policy wins over a client policy for the same flow.
 *
 * Proxies live in a list; policies in an RCU-replaced pointer array, like
 * the rule tables. A policy change is a new policy object swapped into a
 * new array, so the packet path always sees a consistent policy.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/ctype.h>
#include <net/genetlink.h>

#include "tlsi.h"

struct tlsi_ssl_proxy {
	struct list_head list;		/* tlsi_net.ssl_proxies, RCU */
	struct rcu_head rcu;
	char name[TLSI_SSL_NAME_MAX];
	char description[TLSI_DESCRIPTION_MAX];
	char cert[TLSI_CERT_NAME_MAX];
	u16 nports;
	struct tlsi_port_range ports[TLSI_SSL_PORTS_MAX];
	u8 service;
	u32 flags;
	u16 min_rsa_bits, min_dh_bits, min_ec_bits;
	u16 min_version, max_version;	/* TLS wire versions */
	char client_ciphers[TLSI_CIPHERS_MAX];	/* tlsictl's selection syntax */
	char server_ciphers[TLSI_CIPHERS_MAX];
	u32 refcnt;			/* policies using it; cfg_lock */
	u32 id;				/* unique in the namespace, never reused */
	u8 role;			/* enum tlsi_ssl_role */
	/* Server proxies: the protected servers, and the certificate names
	 * (each NUL-terminated, cert_names_len bytes, the first the default:
	 * only tlsid reads them, by SNI). */
	u16 ndests;
	struct tlsi_cidr dests[TLSI_SSL_DESTS_MAX];
	u32 ncerts, cert_names_len;
	char *cert_names;		/* kvmalloc'd */
};

struct tlsi_ssl_policy {
	struct rcu_head rcu;
	char name[TLSI_SSL_NAME_MAX];
	u32 id;
	struct tlsi_profile *profile;	/* holds a profile refcnt */
	struct tlsi_ssl_proxy *proxy;	/* holds a proxy refcnt */
	bool enabled;
	bool locked;			/* SET and DEL need TLSI_A_UNLOCK */
	char trust_store[TLSI_CERT_NAME_MAX];
	char decrypt_policy[TLSI_SSL_NAME_MAX];	/* tlsid's file; "" = none */
	u16 nnever, nalways;
	struct tlsi_cidr never[TLSI_SSL_CIDRS_MAX];
	struct tlsi_cidr always[TLSI_SSL_CIDRS_MAX];
};

struct tlsi_ssl_policy_array {
	struct rcu_head rcu;
	u32 count;
	struct tlsi_ssl_policy *pol[];
};

static struct tlsi_ssl_policy_array *tlsi_ssl_policies_locked(struct tlsi_net *tn)
{
	return rcu_dereference_protected(tn->ssl_policies, lockdep_is_held(&tn->cfg_lock));
}

static bool tlsi_ssl_ports_match(const struct tlsi_ssl_proxy *px, u16 port)
{
	u16 i;

	for (i = 0; i < px->nports; i++)
		if (tlsi_port_match(&px->ports[i], port))
			return true;
	return false;
}

static bool tlsi_cidr_list_match(const struct tlsi_cidr *list, u16 n,
				 const struct tlsi_addr *addr)
{
	u16 i;

	for (i = 0; i < n; i++)
		if (tlsi_cidr_match(&list[i], addr))
			return true;
	return false;
}

/**
 * tlsi_ssl_divert_policy - the client policy that intercepts a new flow
 *
 * Under RCU. Returns the policy id, or 0: no policy, disabled, a
 * never-decrypt source that no always-decrypt entry overrides, or no daemon
 * registered. For the last two *why says which (a TLSI_CNT_SSL_* counter,
 * else __TLSI_CNT_MAX): the caller counts it once per connection, on its
 * SYN, not on every re-decision.
 */
/*
 * What tlsid needs to handle a session diverted by policy @policy_id: the
 * names and the proxy's settings, copied under RCU (the policy may be
 * changed or deleted at any time; tlsid then gets the state at the time).
 */
int tlsi_ssl_session_info(struct tlsi_net *tn, u32 policy_id,
			  struct tlsi_session_info *info)
{
	const struct tlsi_ssl_policy_array *pa;
	int err = -ENOENT;
	u32 i;

	rcu_read_lock();
	pa = rcu_dereference(tn->ssl_policies);
	for (i = 0; pa && i < pa->count; i++) {
		const struct tlsi_ssl_policy *pol = pa->pol[i];
		const struct tlsi_ssl_proxy *px = pol->proxy;

		if (pol->id != policy_id)
			continue;
		info->policy_id = pol->id;
		info->ssl_flags = px->flags;
		info->min_rsa_bits = px->min_rsa_bits;
		info->min_dh_bits = px->min_dh_bits;
		info->min_ec_bits = px->min_ec_bits;
		info->min_version = px->min_version;
		info->max_version = px->max_version;
		strscpy(info->client_ciphers, px->client_ciphers, sizeof(info->client_ciphers));
		strscpy(info->server_ciphers, px->server_ciphers, sizeof(info->server_ciphers));
		info->service = px->service;
		info->role = px->role;
		info->proxy_id = px->id;
		strscpy(info->policy, pol->name, sizeof(info->policy));
		strscpy(info->proxy, px->name, sizeof(info->proxy));
		strscpy(info->cert, px->cert, sizeof(info->cert));
		strscpy(info->trust_store, pol->trust_store, sizeof(info->trust_store));
		strscpy(info->decrypt_policy, pol->decrypt_policy, sizeof(info->decrypt_policy));
		info->inspect_depth = tlsi_profile_settings(pol->profile)->inspect_depth;
		err = 0;
		break;
	}
	rcu_read_unlock();
	return err;
}

/* A server proxy's destination port: its detection ports, and port 80
 * for the ACME http-01 challenges it answers. */
static u8 tlsi_ssl_server_port_kind(const struct tlsi_ssl_proxy *px, u16 port)
{
	if (tlsi_ssl_ports_match(px, port))
		return TLSI_SSL_DIVERT_SERVER;
	if (port == 80 && (px->flags & TLSI_SSL_F_ACME_HTTP01))
		return TLSI_SSL_DIVERT_ACME;
	return TLSI_SSL_DIVERT_NONE;
}

/*
 * One pass over the policies of @role. Returns the policy id, 0 when none
 * takes the flow; *stop: a policy matched but the source is an exception
 * (the flow passes untouched, no later pass may take it).
 */
static u32 tlsi_ssl_divert_pass(const struct tlsi_ssl_policy_array *pa,
				const struct tlsi_profile *profile,
				const struct tlsi_pkt_tuple *t, u8 role, u8 *kind, bool *stop)
{
	u32 i;

	for (i = 0; pa && i < pa->count; i++) {
		const struct tlsi_ssl_policy *p = pa->pol[i];
		const struct tlsi_ssl_proxy *px = p->proxy;
		u8 k;

		if (p->profile != profile || !p->enabled || px->role != role)
			continue;
		if (role == TLSI_SSL_ROLE_SERVER) {
			if (!tlsi_cidr_list_match(px->dests, px->ndests, &t->daddr))
				continue;
			k = tlsi_ssl_server_port_kind(px, t->dport);
		} else {
			k = tlsi_ssl_ports_match(px, t->dport) ? TLSI_SSL_DIVERT_CLIENT :
								 TLSI_SSL_DIVERT_NONE;
		}
		if (k == TLSI_SSL_DIVERT_NONE)
			continue;
		if (tlsi_cidr_list_match(p->never, p->nnever, &t->saddr) &&
		    !tlsi_cidr_list_match(p->always, p->nalways, &t->saddr)) {
			*stop = true;
			return 0;
		}
		*kind = k;
		return p->id;
	}
	return 0;
}

u32 tlsi_ssl_divert_policy(struct tlsi_net *tn, const struct tlsi_profile *profile,
			   const struct tlsi_pkt_tuple *t, int *why, u8 *kind)
{
	const struct tlsi_ssl_policy_array *pa = rcu_dereference(tn->ssl_policies);
	bool stop = false;
	u32 id = 0;

	*why = __TLSI_CNT_MAX;
	*kind = TLSI_SSL_DIVERT_NONE;
	if (t->proto != IPPROTO_TCP)
		return 0;
	/* Whether a daemon listens (it may have stopped, leaving no divert
	 * port) is the hook's question: the profile says what a flow that
	 * none takes meets. */
	if (READ_ONCE(tn->cfg.ssl_server))
		id = tlsi_ssl_divert_pass(pa, profile, t, TLSI_SSL_ROLE_SERVER, kind, &stop);
	if (!id && !stop && READ_ONCE(tn->cfg.ssl_client))
		id = tlsi_ssl_divert_pass(pa, profile, t, TLSI_SSL_ROLE_CLIENT, kind, &stop);
	if (stop)
		*why = TLSI_CNT_SSL_NOT_DECRYPTED_SOURCE;
	return id;
}

/* The role of policy @policy_id's proxy (a session's end is counted by it). */
u8 tlsi_ssl_policy_role(struct tlsi_net *tn, u32 policy_id)
{
	const struct tlsi_ssl_policy_array *pa;
	u8 role = TLSI_SSL_ROLE_CLIENT;
	u32 i;

	rcu_read_lock();
	pa = rcu_dereference(tn->ssl_policies);
	for (i = 0; pa && i < pa->count; i++) {
		if (pa->pol[i]->id == policy_id) {
			role = pa->pol[i]->proxy->role;
			break;
		}
	}
	rcu_read_unlock();
	return role;
}

bool tlsi_ssl_profile_in_use(struct tlsi_net *tn, const struct tlsi_profile *pr,
			     const char **user)
{
	struct tlsi_ssl_policy_array *pa = tlsi_ssl_policies_locked(tn);
	u32 i;

	for (i = 0; pa && i < pa->count; i++) {
		if (pa->pol[i]->profile == pr) {
			*user = pa->pol[i]->name;
			return true;
		}
	}
	return false;
}

static struct tlsi_ssl_proxy *tlsi_ssl_proxy_find(struct tlsi_net *tn, const char *name)
{
	struct tlsi_ssl_proxy *px;

	list_for_each_entry(px, &tn->ssl_proxies, list)
		if (!strcmp(px->name, name))
			return px;
	return NULL;
}

static bool tlsi_ssl_name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum(*s) && *s != '_' && *s != '-' && *s != ' ')
			return false;
	return true;
}

/*
 * A cipher suite selection: tlsictl checks the names against OpenSSL; the
 * kernel only keeps it printable and free of what no name holds.
 */
static int tlsi_ssl_ciphers_get(char *dst, size_t len, struct nlattr *na,
				struct netlink_ext_ack *extack)
{
	const char *s;

	if (!na) {
		strscpy(dst, TLSI_CIPHERS_DEFAULT, len);
		return 0;
	}
	nla_strscpy(dst, na, len);
	if (!*dst) {
		NL_SET_ERR_MSG_ATTR(extack, na, "empty cipher suite selection");
		return -EINVAL;
	}
	for (s = dst; *s; s++) {
		if (!isalnum(*s) && !strchr("-_,:+/.", *s)) {
			tlsi_extack_fmt(extack, na,
					"cipher suite selection holds a byte 0x%02x outside "
					"letters, digits and - _ , : + / .", (u8)*s);
			return -EINVAL;
		}
	}
	return 0;
}

/* The protocol range, TLS 1.2 to 1.3 unless said; min <= max. */
static int tlsi_ssl_versions_get(struct tlsi_ssl_proxy *px, struct nlattr **attrs,
				 struct netlink_ext_ack *extack)
{
	px->min_version = attrs[TLSI_A_MIN_VERSION] ? nla_get_u16(attrs[TLSI_A_MIN_VERSION]) :
						      TLSI_TLS_VERSION_DEFAULT_MIN;
	px->max_version = attrs[TLSI_A_MAX_VERSION] ? nla_get_u16(attrs[TLSI_A_MAX_VERSION]) :
						      TLSI_TLS_VERSION_MAX;
	if (px->min_version > px->max_version) {
		tlsi_extack_fmt(extack, attrs[TLSI_A_MIN_VERSION] ?: attrs[TLSI_A_MAX_VERSION],
				"lowest TLS version 0x%04x is above the highest 0x%04x",
				px->min_version, px->max_version);
		return -EINVAL;
	}
	return 0;
}

static void tlsi_ssl_proxy_free(struct tlsi_ssl_proxy *px)
{
	if (px) {
		kvfree(px->cert_names);
		kfree(px);
	}
}

static void tlsi_ssl_proxy_free_rcu(struct rcu_head *head)
{
	tlsi_ssl_proxy_free(container_of(head, struct tlsi_ssl_proxy, rcu));
}

/*
 * A server proxy's certificates: names as the repository allows them
 * (tlsictl checks they exist), each NUL-terminated, duplicates dropped
 * (the first kept: it may be the default), 1..TLSI_SSL_SERVER_CERTS_MAX.
 */
static int tlsi_ssl_cert_names_get(struct tlsi_ssl_proxy *px, const struct nlattr *na,
				   struct netlink_ext_ack *extack)
{
	const char *in = nla_data(na), *name, *prev;
	int len = nla_len(na), off, n, poff;
	char *out;

	if (!len || in[len - 1]) {
		NL_SET_ERR_MSG_ATTR(extack, na, "certificate names must each end with a NUL byte");
		return -EINVAL;
	}
	out = kvmalloc(len, GFP_KERNEL_ACCOUNT);
	if (!out)
		return -ENOMEM;
	px->cert_names = out;
	px->cert_names_len = 0;
	px->ncerts = 0;
	for (off = 0; off < len; off += n + 1) {
		name = in + off;
		n = strlen(name);
		if (!n || n >= TLSI_CERT_NAME_MAX) {
			tlsi_extack_fmt(extack, na, "certificate name %u is empty or longer than %u bytes",
					px->ncerts + 1, TLSI_CERT_NAME_MAX - 1);
			return -EINVAL;
		}
		for (prev = name; *prev; prev++) {
			if (!isalnum(*prev) && !strchr("-_ ", *prev)) {
				tlsi_extack_fmt(extack, na,
						"certificate name \"%s\" holds a byte 0x%02x outside letters, digits, '-', '_' and spaces",
						name, (u8)*prev);
				return -EINVAL;
			}
		}
		for (poff = 0; poff < px->cert_names_len; poff += strlen(out + poff) + 1)
			if (!strcmp(out + poff, name))
				break;
		if (poff < px->cert_names_len)
			continue;	/* a duplicate */
		if (px->ncerts >= TLSI_SSL_SERVER_CERTS_MAX) {
			tlsi_extack_fmt(extack, na, "more than %u certificates",
					TLSI_SSL_SERVER_CERTS_MAX);
			return -E2BIG;
		}
		memcpy(out + px->cert_names_len, name, n + 1);
		px->cert_names_len += n + 1;
		px->ncerts++;
	}
	return 0;
}

static int tlsi_ssl_dests_get(struct tlsi_ssl_proxy *px, struct nlattr *nest,
			      struct netlink_ext_ack *extack)
{
	struct nlattr *a;
	int rem, err;

	px->ndests = 0;
	nla_for_each_nested(a, nest, rem) {
		if (px->ndests >= TLSI_SSL_DESTS_MAX) {
			tlsi_extack_fmt(extack, nest, "more than %u destinations", TLSI_SSL_DESTS_MAX);
			return -E2BIG;
		}
		if (nla_type(a) == 0 || !(a->nla_type & NLA_F_NESTED)) {
			NL_SET_ERR_MSG_ATTR(extack, a, "destinations must be nested addresses");
			return -EINVAL;
		}
		err = tlsi_nla_get_cidr(a, &px->dests[px->ndests], extack);
		if (err)
			return err;
		px->ndests++;
	}
	if (!px->ndests) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "a server proxy needs at least one destination");
		return -EINVAL;
	}
	return 0;
}

/* Role-specific attributes: a server proxy's destinations and certificates. */
static int tlsi_ssl_role_get(struct tlsi_ssl_proxy *px, struct nlattr **attrs,
			     struct netlink_ext_ack *extack)
{
	int err;

	px->role = attrs[TLSI_A_SSL_ROLE] ? nla_get_u8(attrs[TLSI_A_SSL_ROLE]) :
					    TLSI_SSL_ROLE_CLIENT;
	if (px->role == TLSI_SSL_ROLE_CLIENT) {
		static const int server_only[] = { TLSI_A_DESTINATIONS, TLSI_A_CERT_NAMES };
		unsigned int i;

		for (i = 0; i < ARRAY_SIZE(server_only); i++) {
			if (attrs[server_only[i]]) {
				NL_SET_ERR_MSG_ATTR(extack, attrs[server_only[i]],
						    "destinations and certificates are a server proxy's");
				return -EINVAL;
			}
		}
		if (px->flags & (TLSI_SSL_F_VERIFY_SERVER | TLSI_SSL_F_ACME_HTTP01)) {
			NL_SET_ERR_MSG_ATTR(extack, attrs[TLSI_A_SSL_FLAGS],
					    "verify-server and acme-http01 are server proxy settings");
			return -EINVAL;
		}
		return 0;
	}
	if (attrs[TLSI_A_CERT]) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[TLSI_A_CERT],
				    "a server proxy has no signing certificate: it serves its certificates (CERT_NAMES)");
		return -EINVAL;
	}
	if (!attrs[TLSI_A_DESTINATIONS] || !attrs[TLSI_A_CERT_NAMES]) {
		NL_SET_ERR_MSG(extack, "a server proxy needs destinations and certificates");
		return -EINVAL;
	}
	err = tlsi_ssl_dests_get(px, attrs[TLSI_A_DESTINATIONS], extack);
	if (!err)
		err = tlsi_ssl_cert_names_get(px, attrs[TLSI_A_CERT_NAMES], extack);
	return err;
}

int tlsi_ssl_proxy_new(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_net *tn = tlsi_pernet(genl_info_net(info));
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **attrs = info->attrs;
	const struct tlsi_port_range_uapi *pr;
	struct tlsi_ssl_proxy *px, *cur;
	u32 nproxies = 0;
	int i, len, err = 0;

	if (GENL_REQ_ATTR_CHECK(info, TLSI_A_NAME) || GENL_REQ_ATTR_CHECK(info, TLSI_A_PORTS))
		return -EINVAL;
	px = kzalloc(sizeof(*px), GFP_KERNEL_ACCOUNT);
	if (!px)
		return -ENOMEM;
	nla_strscpy(px->name, attrs[TLSI_A_NAME], sizeof(px->name));
	if (!tlsi_ssl_name_ok(px->name)) {
		tlsi_extack_fmt(extack, attrs[TLSI_A_NAME],
				"proxy name \"%s\" may hold only letters, digits, '_', '-' and spaces",
				px->name);
		err = -EINVAL;
		goto free;
	}
	len = nla_len(attrs[TLSI_A_PORTS]);
	if (!len || len % sizeof(*pr) || len / sizeof(*pr) > TLSI_SSL_PORTS_MAX) {
		tlsi_extack_fmt(extack, attrs[TLSI_A_PORTS],
				"detection ports: 1 to %u ranges of two u16", TLSI_SSL_PORTS_MAX);
		err = -EINVAL;
		goto free;
	}
	pr = nla_data(attrs[TLSI_A_PORTS]);
	px->nports = len / sizeof(*pr);
	for (i = 0; i < px->nports; i++) {
		if (!pr[i].min || pr[i].min > pr[i].max) {
			tlsi_extack_fmt(extack, attrs[TLSI_A_PORTS],
					"detection port range %u-%u is empty or starts at 0",
					pr[i].min, pr[i].max);
			err = -EINVAL;
			goto free;
		}
		px->ports[i].min = pr[i].min;
		px->ports[i].max = pr[i].max;
	}
	if (attrs[TLSI_A_DESCRIPTION])
		nla_strscpy(px->description, attrs[TLSI_A_DESCRIPTION], sizeof(px->description));
	if (attrs[TLSI_A_CERT])
		nla_strscpy(px->cert, attrs[TLSI_A_CERT], sizeof(px->cert));
	px->service = attrs[TLSI_A_SERVICE] ? nla_get_u8(attrs[TLSI_A_SERVICE]) :
					      TLSI_SSL_SERVICE_AUTO;
	if (attrs[TLSI_A_SSL_FLAGS]) {
		px->flags = nla_get_u32(attrs[TLSI_A_SSL_FLAGS]);
		if (px->flags & ~__TLSI_SSL_F_ALL) {
			NL_SET_ERR_MSG_ATTR(extack, attrs[TLSI_A_SSL_FLAGS], "unknown SSL flags");
			err = -EOPNOTSUPP;
			goto free;
		}
	}
	if (attrs[TLSI_A_MIN_RSA_BITS])
		px->min_rsa_bits = nla_get_u16(attrs[TLSI_A_MIN_RSA_BITS]);
	px->min_dh_bits = attrs[TLSI_A_MIN_DH_BITS] ? nla_get_u16(attrs[TLSI_A_MIN_DH_BITS]) :
						      TLSI_SSL_MIN_DH_BITS_DEFAULT;
	px->min_ec_bits = attrs[TLSI_A_MIN_EC_BITS] ? nla_get_u16(attrs[TLSI_A_MIN_EC_BITS]) :
						      TLSI_SSL_MIN_EC_BITS_DEFAULT;
	err = tlsi_ssl_versions_get(px, attrs, extack);
	if (!err)
		err = tlsi_ssl_ciphers_get(px->client_ciphers, sizeof(px->client_ciphers),
					   attrs[TLSI_A_CLIENT_CIPHERS], extack);
	if (!err)
		err = tlsi_ssl_ciphers_get(px->server_ciphers, sizeof(px->server_ciphers),
					   attrs[TLSI_A_SERVER_CIPHERS], extack);
	if (!err)
		err = tlsi_ssl_role_get(px, attrs, extack);
	if (err)
		goto free;

	mutex_lock(&tn->cfg_lock);
	if (tlsi_ssl_proxy_find(tn, px->name)) {
		tlsi_extack_fmt(extack, attrs[TLSI_A_NAME], "SSL proxy \"%s\" already exists",
				px->name);
		err = -EEXIST;
		goto unlock;
	}
	list_for_each_entry(cur, &tn->ssl_proxies, list)
		nproxies++;
	if (nproxies >= TLSI_SSL_PROXIES_MAX) {
		tlsi_extack_fmt(extack, NULL, "SSL proxy table is full (%u)", TLSI_SSL_PROXIES_MAX);
		err = -ENOSPC;
		goto unlock;
	}
	px->id = ++tn->ssl_proxy_next_id;
	list_add_tail_rcu(&px->list, &tn->ssl_proxies);
	mutex_unlock(&tn->cfg_lock);
	return 0;

unlock:
	mutex_unlock(&tn->cfg_lock);
free:
	tlsi_ssl_proxy_free(px);
	return err;
}

int tlsi_ssl_proxy_del(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_net *tn = tlsi_pernet(genl_info_net(info));
	struct nlattr *na = info->attrs[TLSI_A_NAME];
	struct tlsi_ssl_policy_array *pa;
	struct tlsi_ssl_proxy *px;
	int err = 0;
	u32 i;

	if (GENL_REQ_ATTR_CHECK(info, TLSI_A_NAME))
		return -EINVAL;
	mutex_lock(&tn->cfg_lock);
	px = tlsi_ssl_proxy_find(tn, nla_data(na));
	if (!px) {
		tlsi_extack_fmt(info->extack, na, "no SSL proxy \"%s\"", (char *)nla_data(na));
		err = -ENOENT;
		goto out;
	}
	pa = tlsi_ssl_policies_locked(tn);
	for (i = 0; pa && i < pa->count; i++) {
		if (pa->pol[i]->proxy == px) {
			tlsi_extack_fmt(info->extack, na,
					"SSL proxy \"%s\" is used by policy \"%s\" of profile \"%s\"",
					px->name, pa->pol[i]->name, pa->pol[i]->profile->name);
			err = -EBUSY;
			goto out;
		}
	}
	list_del_rcu(&px->list);
	call_rcu(&px->rcu, tlsi_ssl_proxy_free_rcu);
out:
	mutex_unlock(&tn->cfg_lock);
	return err;
}

static int tlsi_put_ports(struct sk_buff *skb, const struct tlsi_ssl_proxy *px)
{
	struct tlsi_port_range_uapi r[TLSI_SSL_PORTS_MAX];
	u16 i;

	for (i = 0; i < px->nports; i++) {
		r[i].min = px->ports[i].min;
		r[i].max = px->ports[i].max;
	}
	return nla_put(skb, TLSI_A_PORTS, px->nports * sizeof(r[0]), r);
}

static int tlsi_put_cidr_list(struct sk_buff *skb, int type, const struct tlsi_cidr *l, u16 n);

/*
 * Certificate names from byte @off on, as many whole names as fit in what
 * the message has left (a dump message is at most a few pages, a list up
 * to 65 KB). Returns the offset reached: the next message goes on there.
 */
static u32 tlsi_put_cert_names(struct sk_buff *skb, const struct tlsi_ssl_proxy *px, u32 off)
{
	int room = skb_tailroom(skb) - nla_total_size(0) - 64;
	u32 end = off, n;

	while (end < px->cert_names_len) {
		n = strlen(px->cert_names + end) + 1;
		if ((int)(end + n - off) > room)
			break;
		end += n;
	}
	if (end > off && nla_put(skb, TLSI_A_CERT_NAMES, end - off, px->cert_names + off))
		return off;
	return end;
}

int tlsi_ssl_proxy_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct tlsi_net *tn = tlsi_pernet(sock_net(skb->sk));
	long idx = 0, start = cb->args[0];
	struct tlsi_ssl_policy_array *pa;
	struct tlsi_ssl_proxy *px;
	u32 i, refs, off;
	void *hdr;

	mutex_lock(&tn->cfg_lock);
	pa = tlsi_ssl_policies_locked(tn);
	list_for_each_entry(px, &tn->ssl_proxies, list) {
		if (idx++ < start)
			continue;
again:
		off = cb->args[1];
		for (refs = 0, i = 0; pa && i < pa->count; i++)
			refs += pa->pol[i]->proxy == px;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &tlsi_genl_family, NLM_F_MULTI, TLSI_CMD_SSL_PROXY_GET);
		if (!hdr)
			break;
		if (nla_put_string(skb, TLSI_A_NAME, px->name) ||
		    tlsi_put_ports(skb, px) ||
		    (px->description[0] && nla_put_string(skb, TLSI_A_DESCRIPTION, px->description)) ||
		    (px->cert[0] && nla_put_string(skb, TLSI_A_CERT, px->cert)) ||
		    nla_put_u8(skb, TLSI_A_SERVICE, px->service) ||
		    nla_put_u32(skb, TLSI_A_SSL_FLAGS, px->flags) ||
		    nla_put_u16(skb, TLSI_A_MIN_RSA_BITS, px->min_rsa_bits) ||
		    nla_put_u16(skb, TLSI_A_MIN_DH_BITS, px->min_dh_bits) ||
		    nla_put_u16(skb, TLSI_A_MIN_EC_BITS, px->min_ec_bits) ||
		    nla_put_u16(skb, TLSI_A_MIN_VERSION, px->min_version) ||
		    nla_put_u16(skb, TLSI_A_MAX_VERSION, px->max_version) ||
		    nla_put_string(skb, TLSI_A_CLIENT_CIPHERS, px->client_ciphers) ||
		    nla_put_string(skb, TLSI_A_SERVER_CIPHERS, px->server_ciphers) ||
		    nla_put_u32(skb, TLSI_A_REFCNT, refs) ||
		    nla_put_u32(skb, TLSI_A_ID, px->id) ||
		    nla_put_u8(skb, TLSI_A_SSL_ROLE, px->role) ||
		    tlsi_put_cidr_list(skb, TLSI_A_DESTINATIONS, px->dests, px->ndests)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		if (px->cert_names_len) {
			u32 next = tlsi_put_cert_names(skb, px, off);

			if (next == off) {	/* not one name fits: the next skb */
				genlmsg_cancel(skb, hdr);
				break;
			}
			genlmsg_end(skb, hdr);
			if (next < px->cert_names_len) {
				cb->args[1] = next;
				goto again;
			}
		} else {
			genlmsg_end(skb, hdr);
		}
		cb->args[1] = 0;
		cb->args[0] = idx;
	}
	mutex_unlock(&tn->cfg_lock);
	return skb->len;
}

static int tlsi_get_cidr_list(struct nlattr *nest, struct tlsi_cidr *list, u16 *n,
			      const char *what, struct netlink_ext_ack *extack)
{
	struct nlattr *a;
	int rem, err;

	*n = 0;
	nla_for_each_nested(a, nest, rem) {
		if (*n >= TLSI_SSL_CIDRS_MAX) {
			tlsi_extack_fmt(extack, nest, "more than %u %s sources",
					TLSI_SSL_CIDRS_MAX, what);
			return -E2BIG;
		}
		if (nla_type(a) == 0 || !(a->nla_type & NLA_F_NESTED)) {
			tlsi_extack_fmt(extack, a, "%s sources must be nested addresses", what);
			return -EINVAL;
		}
		err = tlsi_nla_get_cidr(a, &list[*n], extack);
		if (err)
			return err;
		(*n)++;
	}
	return 0;
}

/* Fill @p from the request; the object is not visible yet. */
static int tlsi_ssl_policy_apply(struct tlsi_ssl_policy *p, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	int err;

	if (attrs[TLSI_A_ENABLED]) {
		u8 v = nla_get_u8(attrs[TLSI_A_ENABLED]);

		if (v > 1) {
			NL_SET_ERR_MSG_ATTR(info->extack, attrs[TLSI_A_ENABLED], "enabled is 0 or 1");
			return -EINVAL;
		}
		p->enabled = v;
	}
	if (attrs[TLSI_A_LOCKED])
		p->locked = nla_get_u8(attrs[TLSI_A_LOCKED]);
	if (attrs[TLSI_A_TRUST_STORE])
		nla_strscpy(p->trust_store, attrs[TLSI_A_TRUST_STORE], sizeof(p->trust_store));
	/* The name only: the policy itself is a file of tlsid's, which
	 * tlsictl checks exists; "" removes it. */
	if (attrs[TLSI_A_DECRYPT_POLICY]) {
		nla_strscpy(p->decrypt_policy, attrs[TLSI_A_DECRYPT_POLICY],
			    sizeof(p->decrypt_policy));
		if (p->decrypt_policy[0] && !tlsi_ssl_name_ok(p->decrypt_policy)) {
			tlsi_extack_fmt(info->extack, attrs[TLSI_A_DECRYPT_POLICY],
					"decryption policy name \"%s\" may hold only letters, digits, '_', '-' and spaces",
					p->decrypt_policy);
			return -EINVAL;
		}
	}
	if (attrs[TLSI_A_NEVER_DECRYPT]) {
		err = tlsi_get_cidr_list(attrs[TLSI_A_NEVER_DECRYPT], p->never, &p->nnever,
					 "never-decrypt", info->extack);
		if (err)
			return err;
	}
	if (attrs[TLSI_A_ALWAYS_DECRYPT]) {
		err = tlsi_get_cidr_list(attrs[TLSI_A_ALWAYS_DECRYPT], p->always, &p->nalways,
					 "always-decrypt", info->extack);
		if (err)
			return err;
	}
	return 0;
}

static struct tlsi_ssl_policy_array *tlsi_ssl_array_alloc(u32 count)
{
	struct tlsi_ssl_policy_array *pa;

	pa = kzalloc(struct_size(pa, pol, count ? count : 1), GFP_KERNEL_ACCOUNT);
	if (pa)
		pa->count = count;
	return pa;
}

static int tlsi_ssl_policy_index(struct tlsi_ssl_policy_array *pa,
				 const struct tlsi_profile *pr, const char *name)
{
	u32 i;

	for (i = 0; pa && i < pa->count; i++)
		if (pa->pol[i]->profile == pr && !strcmp(pa->pol[i]->name, name))
			return i;
	return -1;
}

static bool tlsi_cidrs_overlap(const struct tlsi_cidr *a, u16 na,
			       const struct tlsi_cidr *b, u16 nb)
{
	u16 i, j;

	for (i = 0; i < na; i++)
		for (j = 0; j < nb; j++)
			if (tlsi_cidr_match(&a[i], &b[j].addr) || tlsi_cidr_match(&b[j], &a[i].addr))
				return true;
	return false;
}

/*
 * Two policies of one profile that would both claim a flow: same role and
 * a common detection port (server proxies: and a common destination, so
 * several proxies may share an address on different ports). A server and
 * a client policy may share a port: the server policy is decided first.
 */
static bool tlsi_ssl_proxies_overlap(const struct tlsi_ssl_proxy *a,
				     const struct tlsi_ssl_proxy *b, u16 *port)
{
	u16 i, j;

	if (a->role != b->role)
		return false;
	if (a->role == TLSI_SSL_ROLE_SERVER) {
		if (!tlsi_cidrs_overlap(a->dests, a->ndests, b->dests, b->ndests))
			return false;
		if ((a->flags & b->flags & TLSI_SSL_F_ACME_HTTP01)) {
			*port = 80;
			return true;
		}
	}

	for (i = 0; i < a->nports; i++)
		for (j = 0; j < b->nports; j++)
			if (a->ports[i].min <= b->ports[j].max &&
			    b->ports[j].min <= a->ports[i].max) {
				*port = max(a->ports[i].min, b->ports[j].min);
				return true;
			}
	return false;
}

int tlsi_ssl_policy_new(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_net *tn = tlsi_pernet(genl_info_net(info));
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **attrs = info->attrs;
	struct tlsi_ssl_policy_array *old, *pa;
	struct tlsi_ssl_policy *p;
	u32 i, count;
	u16 port;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, TLSI_A_NAME) || GENL_REQ_ATTR_CHECK(info, TLSI_A_PROFILE) ||
	    GENL_REQ_ATTR_CHECK(info, TLSI_A_PROXY))
		return -EINVAL;
	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	nla_strscpy(p->name, attrs[TLSI_A_NAME], sizeof(p->name));
	p->enabled = true;
	if (!tlsi_ssl_name_ok(p->name)) {
		tlsi_extack_fmt(extack, attrs[TLSI_A_NAME],
				"policy name \"%s\" may hold only letters, digits, '_', '-' and spaces",
				p->name);
		err = -EINVAL;
		goto free;
	}
	err = tlsi_ssl_policy_apply(p, info);
	if (err)
		goto free;

	mutex_lock(&tn->cfg_lock);
	p->profile = tlsi_profile_find(tn, nla_data(attrs[TLSI_A_PROFILE]));
	if (!p->profile) {
		tlsi_extack_fmt(extack, attrs[TLSI_A_PROFILE], "no profile \"%s\"",
				(char *)nla_data(attrs[TLSI_A_PROFILE]));
		err = -ENOENT;
		goto unlock;
	}
	p->proxy = tlsi_ssl_proxy_find(tn, nla_data(attrs[TLSI_A_PROXY]));
	if (!p->proxy) {
		tlsi_extack_fmt(extack, attrs[TLSI_A_PROXY], "no SSL proxy \"%s\"",
				(char *)nla_data(attrs[TLSI_A_PROXY]));
		err = -ENOENT;
		goto unlock;
	}
	old = tlsi_ssl_policies_locked(tn);
	count = old ? old->count : 0;
	if (tlsi_ssl_policy_index(old, p->profile, p->name) >= 0) {
		tlsi_extack_fmt(extack, attrs[TLSI_A_NAME],
				"SSL policy \"%s\" already exists in profile \"%s\"",
				p->name, p->profile->name);
		err = -EEXIST;
		goto unlock;
	}
	for (i = 0; i < count; i++) {
		const struct tlsi_ssl_policy *o = old->pol[i];

		if (o->profile == p->profile &&
		    tlsi_ssl_proxies_overlap(o->proxy, p->proxy, &port)) {
			tlsi_extack_fmt(extack, attrs[TLSI_A_PROXY],
					"detection port %u of policy \"%s\" overlaps policy \"%s\" in profile \"%s\"",
					port, p->name, o->name, p->profile->name);
			err = -EEXIST;
			goto unlock;
		}
	}
	if (count >= TLSI_SSL_POLICIES_MAX) {
		tlsi_extack_fmt(extack, NULL, "SSL policy table is full (%u)", TLSI_SSL_POLICIES_MAX);
		err = -ENOSPC;
		goto unlock;
	}
	pa = tlsi_ssl_array_alloc(count + 1);
	if (!pa) {
		err = -ENOMEM;
		goto unlock;
	}
	for (i = 0; i < count; i++)
		pa->pol[i] = old->pol[i];
	pa->pol[count] = p;
	p->id = ++tn->ssl_policy_next_id;
	p->profile->refcnt++;
	p->proxy->refcnt++;
	rcu_assign_pointer(tn->ssl_policies, pa);
	tlsi_config_changed(tn);
	mutex_unlock(&tn->cfg_lock);
	if (old)
		kfree_rcu(old, rcu);
	return 0;

unlock:
	mutex_unlock(&tn->cfg_lock);
free:
	kfree(p);
	return err;
}

/* SET replaces the policy object; DEL drops it. Both under cfg_lock. */
static int tlsi_ssl_policy_change(struct genl_info *info, bool del)
{
	struct tlsi_net *tn = tlsi_pernet(genl_info_net(info));
	struct nlattr **attrs = info->attrs;
	struct tlsi_ssl_policy_array *old, *pa;
	struct tlsi_ssl_policy *p = NULL, *victim;
	struct tlsi_profile *pr;
	int idx, err = 0;
	u32 i, j;

	if (GENL_REQ_ATTR_CHECK(info, TLSI_A_NAME) || GENL_REQ_ATTR_CHECK(info, TLSI_A_PROFILE))
		return -EINVAL;
	mutex_lock(&tn->cfg_lock);
	pr = tlsi_profile_find(tn, nla_data(attrs[TLSI_A_PROFILE]));
	old = tlsi_ssl_policies_locked(tn);
	idx = pr ? tlsi_ssl_policy_index(old, pr, nla_data(attrs[TLSI_A_NAME])) : -1;
	if (idx < 0) {
		tlsi_extack_fmt(info->extack, attrs[TLSI_A_NAME], "no SSL policy \"%s\" in profile \"%s\"",
				(char *)nla_data(attrs[TLSI_A_NAME]),
				(char *)nla_data(attrs[TLSI_A_PROFILE]));
		err = -ENOENT;
		goto out;
	}
	victim = old->pol[idx];
	err = tlsi_locked_check(info, victim->locked, "SSL policy", victim->name);
	if (err)
		goto out;
	if (!del) {
		p = kmemdup(victim, sizeof(*victim), GFP_KERNEL_ACCOUNT);
		if (!p) {
			err = -ENOMEM;
			goto out;
		}
		err = tlsi_ssl_policy_apply(p, info);
		if (err)
			goto out;
	}
	pa = tlsi_ssl_array_alloc(old->count - (del ? 1 : 0));
	if (!pa) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0, j = 0; i < old->count; i++) {
		if (old->pol[i] != victim)
			pa->pol[j++] = old->pol[i];
		else if (!del)
			pa->pol[j++] = p;
	}
	if (del) {
		victim->profile->refcnt--;
		victim->proxy->refcnt--;
	}
	p = NULL;
	rcu_assign_pointer(tn->ssl_policies, pa);
	tlsi_config_changed(tn);
	kfree_rcu(old, rcu);
	kfree_rcu(victim, rcu);
out:
	mutex_unlock(&tn->cfg_lock);
	kfree(p);
	return err;
}

int tlsi_ssl_policy_set(struct sk_buff *skb, struct genl_info *info)
{
	return tlsi_ssl_policy_change(info, false);
}

int tlsi_ssl_policy_del(struct sk_buff *skb, struct genl_info *info)
{
	return tlsi_ssl_policy_change(info, true);
}

static int tlsi_put_cidr_list(struct sk_buff *skb, int type, const struct tlsi_cidr *l, u16 n)
{
	struct nlattr *nest;
	u16 i;

	if (!n)
		return 0;
	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < n; i++)
		if (tlsi_nla_put_cidr(skb, i + 1, &l[i]))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

int tlsi_ssl_policy_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct tlsi_net *tn = tlsi_pernet(sock_net(skb->sk));
	struct tlsi_ssl_policy_array *pa;
	void *hdr;
	u32 i;

	mutex_lock(&tn->cfg_lock);
	pa = tlsi_ssl_policies_locked(tn);
	for (i = cb->args[0]; pa && i < pa->count; i++) {
		const struct tlsi_ssl_policy *p = pa->pol[i];

		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &tlsi_genl_family, NLM_F_MULTI, TLSI_CMD_SSL_POLICY_GET);
		if (!hdr)
			break;
		if (nla_put_string(skb, TLSI_A_NAME, p->name) ||
		    nla_put_string(skb, TLSI_A_PROFILE, p->profile->name) ||
		    nla_put_string(skb, TLSI_A_PROXY, p->proxy->name) ||
		    nla_put_u8(skb, TLSI_A_ENABLED, p->enabled) ||
		    nla_put_u8(skb, TLSI_A_LOCKED, p->locked) ||
		    nla_put_u32(skb, TLSI_A_ID, p->id) ||
		    (p->trust_store[0] && nla_put_string(skb, TLSI_A_TRUST_STORE, p->trust_store)) ||
		    (p->decrypt_policy[0] &&
		     nla_put_string(skb, TLSI_A_DECRYPT_POLICY, p->decrypt_policy)) ||
		    tlsi_put_cidr_list(skb, TLSI_A_NEVER_DECRYPT, p->never, p->nnever) ||
		    tlsi_put_cidr_list(skb, TLSI_A_ALWAYS_DECRYPT, p->always, p->nalways)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	cb->args[0] = i;
	mutex_unlock(&tn->cfg_lock);
	return skb->len;
}

void tlsi_ssl_free(struct tlsi_net *tn)
{
	struct tlsi_ssl_policy_array *pa;
	struct tlsi_ssl_proxy *px, *tmp;
	u32 i;

	mutex_lock(&tn->cfg_lock);
	pa = tlsi_ssl_policies_locked(tn);
	RCU_INIT_POINTER(tn->ssl_policies, NULL);
	for (i = 0; pa && i < pa->count; i++) {
		pa->pol[i]->profile->refcnt--;
		kfree_rcu(pa->pol[i], rcu);
	}
	if (pa)
		kfree_rcu(pa, rcu);
	list_for_each_entry_safe(px, tmp, &tn->ssl_proxies, list) {
		list_del_rcu(&px->list);
		call_rcu(&px->rcu, tlsi_ssl_proxy_free_rcu);
	}
	mutex_unlock(&tn->cfg_lock);
}
