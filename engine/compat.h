/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where the filter engine meets its environment.
 *
 * engine/ builds into tlsi.ko (__KERNEL__) and into the userspace library
 * libtlsi.a. Everything it needs from either world is named here: fixed-width
 * types, memcpy/memset/memcmp, snprintf for error messages, little-endian
 * loads, relaxed atomic counters and a spinlock. Nothing in engine/ includes
 * another system header.
 */
#ifndef TLSI_ENG_COMPAT_H
#define TLSI_ENG_COMPAT_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/string.h>
#include <linux/kernel.h>
#include <linux/spinlock.h>
#include <linux/atomic.h>
#include <asm/byteorder.h>

typedef spinlock_t tlsi_eng_lock_t;
#define tlsi_eng_lock_init(l)	spin_lock_init(l)
#define tlsi_eng_lock(l)	spin_lock_bh(l)
#define tlsi_eng_unlock(l)	spin_unlock_bh(l)

#define TLSI_ENG_LE16(x)	le16_to_cpu((__force __le16)(x))
#define TLSI_ENG_LE32(x)	le32_to_cpu((__force __le32)(x))

#else /* userspace */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef int tlsi_eng_lock_t;
static inline void tlsi_eng_lock_init(tlsi_eng_lock_t *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELAXED);
}
static inline void tlsi_eng_lock(tlsi_eng_lock_t *l)
{
	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(l, __ATOMIC_RELAXED))
			;
}
static inline void tlsi_eng_unlock(tlsi_eng_lock_t *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define TLSI_ENG_LE16(x)	__builtin_bswap16(x)
#define TLSI_ENG_LE32(x)	__builtin_bswap32(x)
#else
#define TLSI_ENG_LE16(x)	((uint16_t)(x))
#define TLSI_ENG_LE32(x)	((uint32_t)(x))
#endif

#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#endif

#endif /* __KERNEL__ */

/* Relaxed 64-bit counter increment (per-rule hits); torn reads are fine. */
static inline void tlsi_eng_count(uint64_t *p)
{
	__atomic_fetch_add(p, 1, __ATOMIC_RELAXED);
}

/* Image fields are little-endian; these read them in host order. */
#define le16v(x)	TLSI_ENG_LE16(x)
#define le32v(x)	TLSI_ENG_LE32(x)
static inline int32_t le32sv(uint32_t x)
{
	return (int32_t)TLSI_ENG_LE32(x);
}

/* ASCII case folding without locale (the kernel has no locale either). */
static inline uint8_t tlsi_lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}
static inline uint8_t tlsi_upper(uint8_t c)
{
	return (c >= 'a' && c <= 'z') ? c - 32 : c;
}

#define TLSI_ENG_MIN(a, b)	((a) < (b) ? (a) : (b))
#define TLSI_ENG_MAX(a, b)	((a) > (b) ? (a) : (b))
#define TLSI_ENG_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#endif /* TLSI_ENG_COMPAT_H */
