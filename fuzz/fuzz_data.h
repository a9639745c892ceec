/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * fuzz_data.h - deterministic consumption of a fuzzer's bytes (after
 * zstd's fuzz_data_producer).  Integers are taken from the END of the
 * input, big-endian, only as many bytes as the range needs; the scheduler
 * of the sim platform takes single bytes from the FRONT.  When the bytes
 * run out every request returns its minimum (or false): a short input is
 * a valid, shorter program, never an error.
 */
#ifndef KSML_FUZZ_DATA_H
#define KSML_FUZZ_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ksml_fuzz_data {
	const uint8_t *data;
	size_t front; /* next byte for the front consumer */
	size_t back;  /* one past the next byte for the back consumer */
};

static inline void ksml_fuzz_data_init(struct ksml_fuzz_data *fd,
				       const uint8_t *data, size_t size)
{
	fd->data = data;
	fd->front = 0;
	fd->back = size;
}

static inline size_t ksml_fuzz_remaining(const struct ksml_fuzz_data *fd)
{
	return fd->back - fd->front;
}

static inline bool ksml_fuzz_empty(const struct ksml_fuzz_data *fd)
{
	return fd->back == fd->front;
}

/* a value in [min, max]; min when the bytes ran out */
static inline uint32_t ksml_fuzz_range(struct ksml_fuzz_data *fd, uint32_t min,
				       uint32_t max)
{
	uint32_t range = max - min;
	uint64_t rolling = 0;

	if (min >= max)
		return min;
	while (range > 0 && fd->back > fd->front) {
		fd->back--;
		rolling = (rolling << 8) | fd->data[fd->back];
		range >>= 8;
	}
	return min + (uint32_t)(rolling % ((uint64_t)max - min + 1));
}

static inline bool ksml_fuzz_bool(struct ksml_fuzz_data *fd)
{
	return ksml_fuzz_range(fd, 0, 1) != 0;
}

/* pick one element index of an n-element table (n >= 1) */
static inline uint32_t ksml_fuzz_pick(struct ksml_fuzz_data *fd, uint32_t n)
{
	return n ? ksml_fuzz_range(fd, 0, n - 1) : 0;
}

/* one byte from the front (the scheduler's source); false when exhausted */
static inline bool ksml_fuzz_front_byte(void *ctx, uint8_t *out)
{
	struct ksml_fuzz_data *fd = ctx;

	if (fd->front >= fd->back)
		return false;
	*out = fd->data[fd->front++];
	return true;
}

#endif /* KSML_FUZZ_DATA_H */
