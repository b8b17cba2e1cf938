// SPDX-License-Identifier: GPL-2.0
/*
 * Socket addresses of either family. tlsid listens on one dual-stack
 * socket (IPv6, not v6only), so an IPv4 client arrives as an IPv4-mapped
 * IPv6 address: tlsid_sockaddr_unmap() turns it back into AF_INET at
 * accept, and from there on a session's addresses are plain IPv4 or real
 * IPv6, as the kernel's tables and the logs know them.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "tlsid.h"

static const uint8_t v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

void tlsid_sockaddr_unmap(union tlsid_sockaddr *a)
{
	struct sockaddr_in in = { .sin_family = AF_INET };

	if (a->sa.sa_family != AF_INET6 ||
	    memcmp(a->in6.sin6_addr.s6_addr, v4_mapped_prefix, sizeof(v4_mapped_prefix)))
		return;
	in.sin_port = a->in6.sin6_port;
	memcpy(&in.sin_addr, a->in6.sin6_addr.s6_addr + 12, 4);
	memset(a, 0, sizeof(*a));
	a->in = in;
}

socklen_t tlsid_sockaddr_len(const union tlsid_sockaddr *a)
{
	return a->sa.sa_family == AF_INET6 ? sizeof(a->in6) : sizeof(a->in);
}

uint16_t tlsid_sockaddr_port(const union tlsid_sockaddr *a)
{
	return ntohs(a->sa.sa_family == AF_INET6 ? a->in6.sin6_port : a->in.sin_port);
}

/* The 16 bytes of the engine's and the kernel's form: IPv4 as ::ffff:a.b.c.d. */
void tlsid_sockaddr_bytes(const union tlsid_sockaddr *a, uint8_t out[16])
{
	if (a->sa.sa_family == AF_INET6) {
		memcpy(out, a->in6.sin6_addr.s6_addr, 16);
	} else {
		memcpy(out, v4_mapped_prefix, sizeof(v4_mapped_prefix));
		memcpy(out + 12, &a->in.sin_addr, 4);
	}
}

/* The address alone: "192.0.2.1" or RFC 5952 "2001:db8::1". */
const char *tlsid_sockaddr_ip(const union tlsid_sockaddr *a, char *buf, size_t len)
{
	const void *p = a->sa.sa_family == AF_INET6 ? (const void *)&a->in6.sin6_addr :
						      (const void *)&a->in.sin_addr;

	if (!inet_ntop(a->sa.sa_family, p, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

/* "192.0.2.1:443" or "[2001:db8::1]:443". */
const char *tlsid_sockaddr_str(const union tlsid_sockaddr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	bool v6 = a->sa.sa_family == AF_INET6;

	tlsid_sockaddr_ip(a, ip, sizeof(ip));
	snprintf(buf, len, "%s%s%s:%u", v6 ? "[" : "", ip, v6 ? "]" : "", tlsid_sockaddr_port(a));
	return buf;
}
