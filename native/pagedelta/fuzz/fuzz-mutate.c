/*
 * apply-fuzz, part of the unit apply-fuzz.c (driver build): the PRNG and the mutations. PCG32, seeded by
 * --seed, is the driver's only source of randomness. mutate() applies 1, 2, 4 or 8 mutations to an
 * input: byte-level ones (half of them aimed at the fields fuzz-walk.c finds rather than at page data) and
 * structure-aware ones (the stream's varints, the u32 sizes and varints inside embedded CRIU images,
 * whole records duplicated, dropped or swapped, two inputs spliced); an input never grows past g_maxlen.
 */

/* PCG32 (O'Neill): the only source of randomness. */
typedef struct {
  uint64_t s, inc;
} pcg32;
static pcg32 G;

static uint32_t rnd32(void) {
  uint64_t old = G.s;
  G.s = old * 6364136223846793005ull + G.inc;
  uint32_t x = (uint32_t)(((old >> 18) ^ old) >> 27), rot = (uint32_t)(old >> 59);
  return (x >> rot) | (x << ((32 - rot) & 31));
}

static uint64_t rnd64(void) { return (uint64_t)rnd32() << 32 | rnd32(); }

/* Uniform in [0, n), n > 0. */
static size_t rnd(size_t n) { return n <= 1 ? 0 : (size_t)(rnd64() % n); }

static void rnd_seed(uint64_t seed) {
  G.s = 0;
  G.inc = (seed << 1) | 1;
  rnd32();
  G.s += seed ^ 0x853C49E6748FEA9Bull;
  rnd32();
}

/* --- mutations -------------------------------------------------------------------------------------- */

static size_t g_maxlen = 256 * 1024;
static fz_field g_fields[FZ_FIELDS];

static const uint64_t interesting[] = {
    0, 1, 2, 3, 4, 7, 8, 16, 31, 32, 63, 64, 127, 128, 255, 256, 511, 512, 4095, 4096, 4097, 8192, 65535,
    65536, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull, 1ull << 44, 1ull << 52, 1ull << 62,
    0x7fffffffffffffffull, 0x8000000000000000ull, 0xffffffffffffffffull,
};

/* Replaces [at, at + old) with `len` bytes of `p` (p may be NULL: random bytes), within g_maxlen. */
static void replace(input *in, size_t at, size_t old, const uint8_t *p, size_t len) {
  if (at > in->n) at = in->n;
  if (old > in->n - at) old = in->n - at;
  if (in->n - old + len > g_maxlen) {
    if (in->n - old >= g_maxlen) return;
    len = g_maxlen - (in->n - old);
  }
  memmove(in->d + at + len, in->d + at + old, in->n - at - old);
  if (p) memmove(in->d + at, p, len);
  else
    for (size_t i = 0; i < len; i++) in->d[at + i] = (uint8_t)rnd32();
  in->n = in->n - old + len;
}

/* A field of a kind among the walked ones: its index, or -1. */
static long pick_field(size_t nf, int kind) {
  size_t count = 0;
  for (size_t i = 0; i < nf; i++) count += g_fields[i].kind == kind;
  if (!count) return -1;
  size_t k = rnd(count);
  for (size_t i = 0; i < nf; i++)
    if (g_fields[i].kind == kind && !k--) return (long)i;
  return -1;
}

/* The record starts of a walked stream (and its end), into `rec`; returns how many starts. */
static size_t records(const input *in, size_t nf, size_t *rec, size_t max) {
  size_t k = 0;
  for (size_t i = 0; i < nf && k + 1 < max; i++)
    if (g_fields[i].kind == FL_REC) rec[k++] = g_fields[i].off;
  rec[k] = in->n;
  return k;
}

static uint64_t new_value(uint64_t v) {
  switch (rnd(6)) {
  case 0: return interesting[rnd(N(interesting))];
  case 1: return v + 1 + rnd(8);
  case 2: return v - 1 - rnd(8);
  case 3: return rnd(2) ? v << (1 + rnd(8)) : v >> (1 + rnd(8));
  case 4: return v ^ ((uint64_t)1 << rnd(64));
  default: return v ^ (1 + rnd(3)); /* a run's kind bits */
  }
}

/* A position for a byte-level mutation: anywhere, or (half of the time) inside a field of the stream
 * (headers, names, varints, hashes, the content of 'F' records), not in page data. */
static size_t pick_pos(const input *in) {
  if (rnd(2)) {
    size_t nf = walk(in->d, in->n, g_fields);
    if (nf) {
      const fz_field *f = &g_fields[rnd(nf)];
      size_t at = f->off + rnd(f->len ? f->len : 1);
      if (at < in->n) return at;
    }
  }
  return rnd(in->n);
}

/* The varint field that ends right before offset `at` (an 'F' record's size before its content). */
static long field_before(size_t nf, size_t at) {
  for (size_t i = 0; i < nf; i++)
    if (g_fields[i].kind == FL_VARINT && g_fields[i].off + g_fields[i].len == at) return (long)i;
  return -1;
}

/* Inside the content of an 'F' record (a CRIU image: pagemaps hold u32 object sizes and protobuf
 * varints): a little-endian u32 or a varint changed; a varint that changes length is re-encoded and
 * the record's size follows, so the change stays inside the file. */
static void mutate_payload(input *in) {
  uint8_t tmp[10], sz[10];
  size_t nf = walk(in->d, in->n, g_fields);
  long fi = pick_field(nf, FL_PAYLOAD);
  if (fi < 0) return;
  fz_field f = g_fields[fi];
  if (f.off + f.len > in->n) return;
  if (rnd(2) && f.len >= 4) {
    size_t at = f.off + rnd(f.len - 3);
    uint64_t v = new_value(ld32(in->d + at));
    st32(in->d + at, (uint32_t)v);
    return;
  }
  size_t at = f.off + rnd(f.len);
  const uint8_t *p = in->d + at, *q = p;
  uint64_t v;
  if (varint_get(&q, in->d + f.off + f.len, &v)) return;
  size_t old = (size_t)(q - p), len = varint_put(tmp, new_value(v));
  long si = field_before(nf, f.off);
  if (len != old && si < 0) return;
  if (in->n - old + len + 10 > g_maxlen) return;
  replace(in, at, old, tmp, len);
  if (len != old)
    replace(in, g_fields[si].off, g_fields[si].len, sz, varint_put(sz, (uint64_t)f.len - old + len));
}

/* One mutation of `in` (never longer than g_maxlen). */
static void mutate_once(input *in) {
  size_t nf;
  long fi;
  uint8_t tmp[10];
  size_t rec[1024];
  switch (rnd(16)) {
  case 0: /* flip a bit */
    if (in->n) in->d[pick_pos(in)] ^= (uint8_t)(1u << rnd(8));
    break;
  case 1: { /* an interesting byte */
    static const uint8_t b[] = {0, 0xff, 0x7f, 0x80, 1, 0x7e, 0x81, 'F', 'K', 'P', 'T', 'E'};
    if (in->n) in->d[pick_pos(in)] = b[rnd(N(b))];
    break;
  }
  case 2: /* a random byte */
    if (in->n) in->d[pick_pos(in)] = (uint8_t)rnd32();
    break;
  case 3: /* truncate */
    if (in->n) in->n = pick_pos(in);
    break;
  case 4: { /* duplicate a chunk */
    if (!in->n) break;
    size_t a = pick_pos(in), len = 1 + rnd(in->n - a < 64 ? in->n - a : 64);
    uint8_t chunk[64];
    memcpy(chunk, in->d + a, len);
    replace(in, in->n ? pick_pos(in) : 0, 0, chunk, len);
    break;
  }
  case 5: { /* delete a chunk */
    if (!in->n) break;
    size_t a = pick_pos(in);
    replace(in, a, 1 + rnd(in->n - a < 64 ? in->n - a : 64), NULL, 0);
    break;
  }
  case 6: /* insert random bytes */
    replace(in, in->n ? pick_pos(in) : 0, 0, NULL, 1 + rnd(16));
    break;
  case 7: { /* a 4- or 8-byte little-endian field: anywhere, or a header field or hash */
    size_t w = rnd(2) ? 4 : 8, at;
    nf = walk(in->d, in->n, g_fields);
    fi = rnd(2) ? pick_field(nf, w == 4 ? FL_U32 : FL_U64) : -1;
    if (fi >= 0) at = g_fields[fi].off;
    else if (in->n >= w) at = pick_pos(in);
    else break;
    if (at + w > in->n) break;
    uint64_t v = w == 4 ? ld32(in->d + at) : ld64(in->d + at);
    v = new_value(v);
    for (size_t i = 0; i < w; i++) in->d[at + i] = (uint8_t)(v >> (8 * i));
    break;
  }
  case 8:
  case 9:
  case 10: { /* a varint of the stream (a length, mode, count or run) made another value */
    nf = walk(in->d, in->n, g_fields);
    if ((fi = pick_field(nf, FL_VARINT)) < 0) break;
    const uint8_t *p = in->d + g_fields[fi].off, *q = p;
    uint64_t v;
    if (varint_get(&q, in->d + in->n, &v)) break;
    replace(in, g_fields[fi].off, (size_t)(q - p), tmp, varint_put(tmp, new_value(v)));
    break;
  }
  case 11:
  case 12: /* inside an embedded CRIU image */
    mutate_payload(in);
    break;
  case 13: { /* duplicate, drop or swap whole records */
    nf = walk(in->d, in->n, g_fields);
    size_t k = records(in, nf, rec, N(rec));
    if (!k) break;
    size_t i = rnd(k), a = rec[i], len = rec[i + 1] - a;
    static uint8_t copy[65536];
    if (len > sizeof copy) break;
    memcpy(copy, in->d + a, len);
    size_t how = rnd(3);
    if (how == 0) {
      replace(in, rec[rnd(k + 1)], 0, copy, len);
    } else if (how == 1) {
      replace(in, a, len, NULL, 0);
    } else if (i + 1 < k) {
      size_t len2 = rec[i + 2] - rec[i + 1];
      replace(in, a, len, NULL, 0);            /* B now starts at a */
      replace(in, a + len2, 0, copy, len);     /* A after B */
    }
    break;
  }
  case 14: { /* splice: a prefix of this one and a suffix of another (at record starts, or anywhere) */
    const input *o = g_corpus_pick();
    size_t a, b;
    if (rnd(2)) {
      nf = walk(in->d, in->n, g_fields);
      size_t k = records(in, nf, rec, N(rec));
      a = k ? rec[rnd(k + 1)] : rnd(in->n + 1);
      nf = walk(o->d, o->n, g_fields);
      input tmpin = {o->d, o->n};
      k = records(&tmpin, nf, rec, N(rec));
      b = k ? rec[rnd(k + 1)] : rnd(o->n + 1);
    } else {
      a = rnd(in->n + 1);
      b = rnd(o->n + 1);
    }
    size_t len = o->n - b;
    if (a + len > g_maxlen) len = g_maxlen - a;
    memcpy(in->d + a, o->d + b, len);
    in->n = a + len;
    break;
  }
  default: { /* a record type byte changed */
    static const uint8_t t[] = {'F', 'K', 'P', 'T', 'E', 'X', 0};
    nf = walk(in->d, in->n, g_fields);
    if ((fi = pick_field(nf, FL_REC)) >= 0) in->d[g_fields[fi].off] = t[rnd(N(t))];
    break;
  }
  }
}

static void mutate(input *in) {
  size_t n = rnd(2) ? 1 : (size_t)1 << rnd(4);
  for (size_t i = 0; i < n; i++) mutate_once(in);
}
