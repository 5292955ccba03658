/*
 * apply-fuzz, part of the unit apply-fuzz.c (driver build): the stream walker. walk() reads a stream as
 * apply would, as far as it is well-formed, and lists where its fields are (record types, varints, u32
 * and u64 fields, names, the contents of 'F' records), for the structure-aware mutations of
 * fuzz-mutate.c. Page data is not a field.
 */

/* FL_PAYLOAD: the content of an 'F' record (an embedded CRIU image: a pagemap, say); FL_NAME: a name's
 * bytes. The page data of 'P' and 'T' records is not a field: mutations aimed at fields avoid it. */
enum { FL_REC, FL_VARINT, FL_U32, FL_U64, FL_NAME, FL_PAYLOAD };
typedef struct {
  uint32_t off, len;
  uint8_t kind;
} fz_field;
#define FZ_FIELDS 4096

typedef struct {
  const uint8_t *d;
  size_t n, pos;
  fz_field *f;
  size_t nf;
  int bad;
} walker;

static void wk_add(walker *w, size_t off, size_t len, int kind) {
  if (w->nf < FZ_FIELDS) w->f[w->nf++] = (fz_field){(uint32_t)off, (uint32_t)len, (uint8_t)kind};
}

static uint64_t wk_varint(walker *w) {
  const uint8_t *p = w->d + w->pos;
  uint64_t v = 0;
  if (w->bad || varint_get(&p, w->d + w->n, &v)) {
    w->bad = 1;
    return 0;
  }
  wk_add(w, w->pos, (size_t)(p - w->d) - w->pos, FL_VARINT);
  w->pos = (size_t)(p - w->d);
  return v;
}

static void wk_skip(walker *w, uint64_t k, int kind) {
  if (w->bad || k > w->n - w->pos) {
    w->bad = 1;
    return;
  }
  if (kind >= 0 && k) wk_add(w, w->pos, (size_t)k, kind);
  w->pos += (size_t)k;
}

/* Walks a stream as apply would read it, as far as it is well-formed; returns the number of fields. */
static size_t walk(const uint8_t *d, size_t n, fz_field *f) {
  walker w = {d, n, 0, f, 0, 0};
  if (n < 20 || memcmp(d, STREAM_MAGIC, 8)) return 0;
  wk_add(&w, 8, 4, FL_U32);
  wk_add(&w, 12, 4, FL_U32);
  wk_add(&w, 16, 4, FL_U32);
  uint32_t ps = ld32(d + 12);
  if (ps < 512 || ps > (1u << 20) || (ps & (ps - 1))) return w.nf;
  w.pos = 20;
  while (!w.bad && w.pos < n) {
    wk_add(&w, w.pos, 1, FL_REC);
    uint8_t type = d[w.pos++];
    if (type == 'F' || type == 'K') {
      wk_skip(&w, wk_varint(&w), FL_NAME);
      wk_varint(&w);
      uint64_t size = wk_varint(&w);
      if (type == 'F') wk_skip(&w, size, FL_PAYLOAD);
      else wk_skip(&w, 8, FL_U64);
    } else if (type == 'P' || type == 'T') {
      wk_skip(&w, wk_varint(&w), FL_NAME);
      wk_skip(&w, wk_varint(&w), FL_NAME);
      wk_varint(&w);
      uint64_t np = wk_varint(&w);
      for (uint64_t idx = 0; idx < np && !w.bad;) {
        uint64_t v = wk_varint(&w), count = v >> 2;
        if (!count || count > np - idx || (v & 3) > RUN_ZERO) w.bad = 1;
        else if ((v & 3) == RUN_DATA) wk_skip(&w, count > n / ps ? n : count * ps, -1);
        idx += count;
      }
      wk_skip(&w, 8, FL_U64);
    } else if (type == 'E') {
      for (int i = 0; i < 5; i++) wk_varint(&w);
      wk_skip(&w, 8, FL_U64);
      break;
    } else {
      break;
    }
  }
  return w.nf;
}
