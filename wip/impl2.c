
// >>sha256 --------------------------------------------------------------------------------------
/* FIPS 180-4 SHA-256 and RFC 2104 HMAC: for the machine id only (BearSSL is not needed for it, so
   NO_TLS builds hash the same way). */
typedef struct gtbt__sha256 { uint32_t h[8]; unsigned char block[64]; uint64_t total; size_t fill; } gtbt__sha256;

static const uint32_t gtbt__sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define GTBT__ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void gtbt__sha256_block(gtbt__sha256 *s, const unsigned char *p) {
    uint32_t w[64], a, b, c, d, e, f, g, h, t1, t2;
    int i;
    for (i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (i = 16; i < 64; i++) {
        uint32_t s0 = GTBT__ROR(w[i - 15], 7) ^ GTBT__ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = GTBT__ROR(w[i - 2], 17) ^ GTBT__ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    a = s->h[0]; b = s->h[1]; c = s->h[2]; d = s->h[3]; e = s->h[4]; f = s->h[5]; g = s->h[6]; h = s->h[7];
    for (i = 0; i < 64; i++) {
        t1 = h + (GTBT__ROR(e, 6) ^ GTBT__ROR(e, 11) ^ GTBT__ROR(e, 25)) + ((e & f) ^ (~e & g)) + gtbt__sha256_k[i] + w[i];
        t2 = (GTBT__ROR(a, 2) ^ GTBT__ROR(a, 13) ^ GTBT__ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d; s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}

static void gtbt__sha256_init(gtbt__sha256 *s) {
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, iv, sizeof iv);
    s->total = 0;
    s->fill = 0;
}

static void gtbt__sha256_update(gtbt__sha256 *s, const void *data, size_t n) {
    const unsigned char *p = (const unsigned char *)data;
    s->total += n;
    while (n > 0) {
        size_t k = 64 - s->fill;
        if (k > n) k = n;
        memcpy(s->block + s->fill, p, k);
        s->fill += k; p += k; n -= k;
        if (s->fill == 64) { gtbt__sha256_block(s, s->block); s->fill = 0; }
    }
}

static void gtbt__sha256_final(gtbt__sha256 *s, unsigned char out[32]) {
    uint64_t bits = s->total * 8;
    unsigned char pad = 0x80, len[8];
    int i;
    gtbt__sha256_update(s, &pad, 1);
    pad = 0;
    while (s->fill != 56) gtbt__sha256_update(s, &pad, 1);
    for (i = 0; i < 8; i++) len[i] = (unsigned char)(bits >> (56 - 8 * i));
    gtbt__sha256_update(s, len, 8);
    for (i = 0; i < 8; i++) {
        out[4 * i] = (unsigned char)(s->h[i] >> 24); out[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(s->h[i] >> 8); out[4 * i + 3] = (unsigned char)s->h[i];
    }
}

static void gtbt__hmac_sha256(const void *key, size_t klen, const void *msg, size_t n, unsigned char out[32]) {
    unsigned char k[64], pad[64], inner[32];
    gtbt__sha256 s;
    int i;
    memset(k, 0, sizeof k);
    if (klen > 64) { gtbt__sha256_init(&s); gtbt__sha256_update(&s, key, klen); gtbt__sha256_final(&s, k); }
    else if (klen) memcpy(k, key, klen);
    for (i = 0; i < 64; i++) pad[i] = (unsigned char)(k[i] ^ 0x36);
    gtbt__sha256_init(&s); gtbt__sha256_update(&s, pad, 64); gtbt__sha256_update(&s, msg, n); gtbt__sha256_final(&s, inner);
    for (i = 0; i < 64; i++) pad[i] = (unsigned char)(k[i] ^ 0x5c);
    gtbt__sha256_init(&s); gtbt__sha256_update(&s, pad, 64); gtbt__sha256_update(&s, inner, 32); gtbt__sha256_final(&s, out);
}

static void gtbt__hex(const unsigned char *p, size_t n, char *out) {
    static const char digits[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < n; i++) { out[2 * i] = digits[p[i] >> 4]; out[2 * i + 1] = digits[p[i] & 15]; }
    out[2 * n] = 0;
}

// >>uuid ----------------------------------------------------------------------------------------
/* Version 4 uuids from a ChaCha12 keystream (the reduced-round ChaCha that random generators such
   as Rust's StdRng use) keyed once from the OS entropy source: no system call per event. The
   generator belongs to one collector and is used under its lock. */
typedef struct gtbt__rng { uint32_t key[8]; uint32_t counter; unsigned char out[64]; int used; } gtbt__rng;

#define GTBT__ROL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))
#define GTBT__QR(a, b, c, d) \
    a += b; d ^= a; d = GTBT__ROL(d, 16); c += d; b ^= c; b = GTBT__ROL(b, 12); \
    a += b; d ^= a; d = GTBT__ROL(d, 8);  c += d; b ^= c; b = GTBT__ROL(b, 7)

static void gtbt__chacha_block(const uint32_t key[8], uint32_t counter, unsigned char out[64]) {
    uint32_t x[16], s[16];
    int i;
    s[0] = 0x61707865; s[1] = 0x3320646e; s[2] = 0x79622d32; s[3] = 0x6b206574;
    for (i = 0; i < 8; i++) s[4 + i] = key[i];
    s[12] = counter; s[13] = 0; s[14] = 0; s[15] = 0;
    memcpy(x, s, sizeof x);
    for (i = 0; i < 6; i++) {   /* 12 rounds */
        GTBT__QR(x[0], x[4], x[8], x[12]); GTBT__QR(x[1], x[5], x[9], x[13]);
        GTBT__QR(x[2], x[6], x[10], x[14]); GTBT__QR(x[3], x[7], x[11], x[15]);
        GTBT__QR(x[0], x[5], x[10], x[15]); GTBT__QR(x[1], x[6], x[11], x[12]);
        GTBT__QR(x[2], x[7], x[8], x[13]); GTBT__QR(x[3], x[4], x[9], x[14]);
    }
    for (i = 0; i < 16; i++) {
        uint32_t v = x[i] + s[i];
        out[4 * i] = (unsigned char)v; out[4 * i + 1] = (unsigned char)(v >> 8);
        out[4 * i + 2] = (unsigned char)(v >> 16); out[4 * i + 3] = (unsigned char)(v >> 24);
    }
}

static int gtbt__rng_seed(gtbt__rng *r) {
    int rc = gtbt__os_entropy(r->key, sizeof r->key);
    if (rc != GTBT_OK) {
        /* no entropy device: still unique per process and time, though not unpredictable */
        int64_t t = gtbt__realtime_ns(), m = gtbt_now_ms();
        int pid = gtbt__pid();
        gtbt__sha256 s;
        unsigned char d[32];
        gtbt__sha256_init(&s);
        gtbt__sha256_update(&s, &t, sizeof t); gtbt__sha256_update(&s, &m, sizeof m);
        gtbt__sha256_update(&s, &pid, sizeof pid); gtbt__sha256_update(&s, &r, sizeof r);
        gtbt__sha256_final(&s, d);
        memcpy(r->key, d, sizeof r->key);
    }
    r->counter = 0;
    r->used = 64;
    return rc;
}

/* Formats 16 bytes as a lowercase version 4 uuid "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx". */
static void gtbt__uuid_format(unsigned char b[16], char out[37]) {
    static const char pairs[513] =   /* "00" "01" ... "ff" */
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
        "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
        "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
        "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
        "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
        "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
        "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
    static const unsigned char at[16] = {0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34};
    int i;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    for (i = 0; i < 16; i++) memcpy(out + at[i], pairs + 2 * b[i], 2);
    out[8] = out[13] = out[18] = out[23] = '-';
    out[36] = 0;
}

static void gtbt__uuid4(gtbt__rng *r, char out[37]) {
    unsigned char b[16];
    if (r->used > 64 - 16) {
        gtbt__chacha_block(r->key, r->counter++, r->out);
        if (r->counter == 0) gtbt__rng_seed(r);   /* 2^32 blocks: rekey */
        r->used = 0;
    }
    memcpy(b, r->out + r->used, 16);
    memset(r->out + r->used, 0, 16);   /* each keystream byte is used once */
    r->used += 16;
    gtbt__uuid_format(b, out);
}

// >>json ----------------------------------------------------------------------------------------
/* Writes v as exactly width decimal digits (zero-padded). */
static void gtbt__digits(char *out, uint64_t v, int width) {
    while (width-- > 0) { out[width] = (char)('0' + v % 10); v /= 10; }
}

/* Decimal text of v into out[24]; returns its length. */
static int gtbt__i64(char *out, int64_t v) {
    char tmp[24];
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int n = 0, k = 0;
    do { tmp[n++] = (char)('0' + u % 10); u /= 10; } while (u);
    if (v < 0) out[k++] = '-';
    while (n) out[k++] = tmp[--n];
    out[k] = 0;
    return k;
}

/* RFC 3339 UTC with the nanoseconds' trailing zeros trimmed, as Go's time.RFC3339Nano:
   "2026-03-30T10:00:00Z", "2026-03-30T10:00:00.5Z". Returns the length (out needs 36 bytes). */
static int gtbt__rfc3339(int64_t unix_ns, char out[40]) {
    int64_t secs = unix_ns / 1000000000, days, rem, z, era, doe, yoe, y, doy, mp, d, m;
    int ns = (int)(unix_ns % 1000000000), n, digits = 9;
    if (ns < 0) { ns += 1000000000; secs -= 1; }
    days = secs / 86400;
    rem = secs % 86400;
    if (rem < 0) { rem += 86400; days -= 1; }
    /* civil_from_days (H. Hinnant) */
    z = days + 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2) y++;
    if (y < 0 || y > 9999) y = y < 0 ? 0 : 9999;   /* RFC 3339 has four-digit years */
    gtbt__digits(out, (uint64_t)y, 4); out[4] = '-';
    gtbt__digits(out + 5, (uint64_t)m, 2); out[7] = '-';
    gtbt__digits(out + 8, (uint64_t)d, 2); out[10] = 'T';
    gtbt__digits(out + 11, (uint64_t)(rem / 3600), 2); out[13] = ':';
    gtbt__digits(out + 14, (uint64_t)(rem / 60 % 60), 2); out[16] = ':';
    gtbt__digits(out + 17, (uint64_t)(rem % 60), 2);
    n = 19;
    if (ns) {
        while (ns % 10 == 0) { ns /= 10; digits--; }
        out[n++] = '.';
        gtbt__digits(out + n, (uint64_t)ns, digits);
        n += digits;
    }
    out[n++] = 'Z';
    out[n] = 0;
    return n;
}

/* Inverse of gtbt__rfc3339 for spill files: accepts "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm)".
   Returns 0 and *ns, or -1. */
static int gtbt__parse_rfc3339(const char *s, int64_t *unix_ns) {
    int v[6], i, k = 0;
    int64_t y, m, d, days, era, yoe, doy, doe, frac = 0, scale = 100000000, off = 0;
    static const char sep[6] = {'-', '-', 'T', ':', ':', 0};
    static const int width[6] = {4, 2, 2, 2, 2, 2};
    for (i = 0; i < 6; i++) {
        int w;
        v[i] = 0;
        for (w = 0; w < width[i]; w++, k++) {
            if (s[k] < '0' || s[k] > '9') return -1;
            v[i] = v[i] * 10 + (s[k] - '0');
        }
        if (i < 5) { if (s[k] != sep[i] && !(i == 2 && (s[k] == 't' || s[k] == ' '))) return -1; k++; }
    }
    if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60) return -1;
    if (s[k] == '.') {
        k++;
        if (s[k] < '0' || s[k] > '9') return -1;
        for (; s[k] >= '0' && s[k] <= '9'; k++) { frac += (s[k] - '0') * scale; scale /= 10; }
    }
    if (s[k] == 'Z' || s[k] == 'z') k++;
    else if ((s[k] == '+' || s[k] == '-') && s[k + 1] >= '0' && s[k + 1] <= '9' && s[k + 2] >= '0' && s[k + 2] <= '9' &&
             s[k + 3] == ':' && s[k + 4] >= '0' && s[k + 4] <= '9' && s[k + 5] >= '0' && s[k + 5] <= '9') {
        off = ((s[k + 1] - '0') * 10 + (s[k + 2] - '0')) * 3600 + ((s[k + 4] - '0') * 10 + (s[k + 5] - '0')) * 60;
        if (s[k] == '-') off = -off;
        k += 6;
    } else return -1;
    if (s[k]) return -1;
    /* days_from_civil (H. Hinnant) */
    y = v[0]; m = v[1]; d = v[2];
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    days = era * 146097 + doe - 719468;
    *unix_ns = ((days * 86400 + v[3] * 3600 + v[4] * 60 + v[5]) - off) * 1000000000 + frac;
    return 0;
}

/* Length of the longest prefix of s[0..n) of at most max bytes that does not split a UTF-8
   sequence (continuation bytes at the cut are dropped). */
static size_t gtbt__utf8_cut(const char *s, size_t n, size_t max) {
    size_t k;
    if (n <= max) return n;
    k = max;
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80 && max - k < 3) k--;
    return k;
}

/* Bytes that cannot be copied as they are inside a JSON string: controls, '"', '\\', '<', '>',
   '&' (escaped like Go's encoding/json) and every byte >= 0x80 (checked as UTF-8). */
static const unsigned char gtbt__json_special[256] = {
    1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
    0,0,1,0,0,0,1,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,1,0,1,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,1,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
    1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
    1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
    1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1};

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is invalid. */
static int gtbt__utf8_len(const unsigned char *s, const unsigned char *end) {
    unsigned c = s[0];
    size_t avail = (size_t)(end - s);
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return (avail >= 2 && (s[1] & 0xC0) == 0x80) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (avail < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && s[1] < 0xA0) return 0;          /* overlong */
        if (c == 0xED && s[1] >= 0xA0) return 0;         /* surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (avail < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80) return 0;
        if (c == 0xF0 && s[1] < 0x90) return 0;          /* overlong */
        if (c == 0xF4 && s[1] >= 0x90) return 0;         /* > U+10FFFF */
        return 4;
    }
    return 0;
}

/* Appends s[0..n) as a quoted JSON string: always valid UTF-8 (invalid bytes become U+FFFD). */
static void gtbt__json_strn(gtbt__buf *b, const char *str, size_t n) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str, *end = s + n, *run;
    if (!gtbt__buf_reserve(b, n + 2)) return;
    b->p[b->len++] = '"';
    while (s < end) {
        run = s;
        while (s < end && !gtbt__json_special[*s]) s++;
        if (s > run) gtbt__buf_put(b, run, (size_t)(s - run));
        if (s >= end) break;
        if (*s >= 0x80) {
            int k = gtbt__utf8_len(s, end);
            if (k == 0) { gtbt__buf_put(b, "\xEF\xBF\xBD", 3); s++; continue; }
            if (k == 3 && s[0] == 0xE2 && s[1] == 0x80 && (s[2] == 0xA8 || s[2] == 0xA9)) {
                gtbt__buf_puts(b, s[2] == 0xA8 ? "\\u2028" : "\\u2029");
            } else {
                gtbt__buf_put(b, s, (size_t)k);
            }
            s += k;
            continue;
        }
        switch (*s) {
        case '"':  gtbt__buf_put(b, "\\\"", 2); break;
        case '\\': gtbt__buf_put(b, "\\\\", 2); break;
        case '\n': gtbt__buf_put(b, "\\n", 2); break;
        case '\r': gtbt__buf_put(b, "\\r", 2); break;
        case '\t': gtbt__buf_put(b, "\\t", 2); break;
        default: {
            char e[6];
            e[0] = '\\'; e[1] = 'u'; e[2] = '0'; e[3] = '0'; e[4] = hex[*s >> 4]; e[5] = hex[*s & 15];
            gtbt__buf_put(b, e, 6);
        }
        }
        s++;
    }
    gtbt__buf_putc(b, '"');
}
static void gtbt__json_str(gtbt__buf *b, const char *s) { gtbt__json_strn(b, s ? s : "", s ? strlen(s) : 0); }

/* A tiny writer for objects and arrays, compact or pretty (Go's two-space MarshalIndent). */
typedef struct gtbt__jw { gtbt__buf *b; int pretty, depth, first; } gtbt__jw;

static void gtbt__jw_newline(gtbt__jw *w) {
    int i;
    if (!w->pretty) return;
    gtbt__buf_putc(w->b, '\n');
    for (i = 0; i < w->depth; i++) gtbt__buf_put(w->b, "  ", 2);
}
static void gtbt__jw_open(gtbt__jw *w, char c) { gtbt__buf_putc(w->b, c); w->depth++; w->first = 1; }
static void gtbt__jw_close(gtbt__jw *w, char c) {
    w->depth--;
    if (!w->first) gtbt__jw_newline(w);
    gtbt__buf_putc(w->b, c);
    w->first = 0;
}
static void gtbt__jw_item(gtbt__jw *w) {
    if (!w->first) gtbt__buf_putc(w->b, ',');
    gtbt__jw_newline(w);
    w->first = 0;
}
static void gtbt__jw_key(gtbt__jw *w, const char *k) {
    gtbt__jw_item(w);
    gtbt__json_str(w->b, k);
    gtbt__buf_put(w->b, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
}
static void gtbt__jw_str(gtbt__jw *w, const char *k, const char *v) { gtbt__jw_key(w, k); gtbt__json_str(w->b, v); }
static void gtbt__jw_int(gtbt__jw *w, const char *k, int64_t v) {
    char num[24];
    int n = gtbt__i64(num, v);
    gtbt__jw_key(w, k);
    gtbt__buf_put(w->b, num, (size_t)n);
}

/* One event in the generic format (DESIGN 4): fixed field order, empty optionals omitted. */
static void gtbt__json_event(gtbt__jw *w, const gtbt_event *e) {
    char ts[40];
    size_t i;
    gtbt__rfc3339(e->time_unix_ns, ts);
    gtbt__jw_open(w, '{');
    gtbt__jw_str(w, "timestamp", ts);
    gtbt__jw_str(w, "uuid", e->uuid);
    gtbt__jw_str(w, "type", e->type);
    gtbt__jw_str(w, "name", e->name);
    gtbt__jw_str(w, "machine_id", e->machine_id);
    gtbt__jw_str(w, "tool_name", e->tool_name);
    gtbt__jw_str(w, "version", e->version);
    gtbt__jw_str(w, "os", e->os);
    gtbt__jw_str(w, "arch", e->arch);
    gtbt__jw_str(w, "runtime_version", e->runtime_version);
    gtbt__jw_str(w, "os_version", e->os_version);
    if (e->duration_ms) gtbt__jw_int(w, "duration_ms", e->duration_ms);
    if (e->exit_code) gtbt__jw_int(w, "exit_code", e->exit_code);
    if (e->n_args) {
        gtbt__jw_key(w, "args");
        gtbt__jw_open(w, '[');
        for (i = 0; i < e->n_args; i++) { gtbt__jw_item(w); gtbt__json_str(w->b, e->args[i]); }
        gtbt__jw_close(w, ']');
    }
    if (e->error && e->error[0]) gtbt__jw_str(w, "error", e->error);
    if (e->n_metadata) {
        gtbt__jw_key(w, "metadata");
        gtbt__jw_open(w, '{');
        for (i = 0; i < e->n_metadata; i++) gtbt__jw_str(w, e->metadata[i].key, e->metadata[i].value);
        gtbt__jw_close(w, '}');
    }
    gtbt__jw_close(w, '}');
}

/* The events as a JSON array (pretty: Go's encoder with a two-space indent). */
static void gtbt__json_events(gtbt__buf *b, const gtbt_event *ev, size_t n, int pretty) {
    gtbt__jw w;
    size_t i;
    w.b = b; w.pretty = pretty; w.depth = 0; w.first = 1;
    gtbt__jw_open(&w, '[');
    for (i = 0; i < n; i++) { gtbt__jw_item(&w); gtbt__json_event(&w, &ev[i]); }
    gtbt__jw_close(&w, ']');
}

/* ---- reading: a small in-place parser for the events of spill files ----
   Strings are decoded where they stand (the decoded form is never longer) and NUL-terminated, so
   parsed events point into the file's own buffer. Untrusted input: depth and sizes bounded. */
#define GTBT__JSON_MAX_DEPTH 16
typedef struct gtbt__jp { char *p, *end; int depth; } gtbt__jp;

static void gtbt__jp_ws(gtbt__jp *j) {
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}
static int gtbt__jp_lit(gtbt__jp *j, char c) {
    gtbt__jp_ws(j);
    if (j->p < j->end && *j->p == c) { j->p++; return 1; }
    return 0;
}
static int gtbt__hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = gtbt__ascii_lower(c);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}
static int gtbt__jp_hex4(const char *p, const char *end, unsigned *out) {
    int i;
    *out = 0;
    if (end - p < 4) return 0;
    for (i = 0; i < 4; i++) {
        int h = gtbt__hexval((unsigned char)p[i]);
        if (h < 0) return 0;
        *out = *out * 16 + (unsigned)h;
    }
    return 1;
}
static char *gtbt__utf8_put(char *o, unsigned cp) {
    if (cp < 0x80) *o++ = (char)cp;
    else if (cp < 0x800) { *o++ = (char)(0xC0 | cp >> 6); *o++ = (char)(0x80 | (cp & 0x3F)); }
    else if (cp < 0x10000) { *o++ = (char)(0xE0 | cp >> 12); *o++ = (char)(0x80 | ((cp >> 6) & 0x3F)); *o++ = (char)(0x80 | (cp & 0x3F)); }
    else { *o++ = (char)(0xF0 | cp >> 18); *o++ = (char)(0x80 | ((cp >> 12) & 0x3F)); *o++ = (char)(0x80 | ((cp >> 6) & 0x3F)); *o++ = (char)(0x80 | (cp & 0x3F)); }
    return o;
}
/* Parses a string, decodes it in place; returns its start (NUL-terminated) or NULL. */
static char *gtbt__jp_str(gtbt__jp *j) {
    char *out, *start;
    gtbt__jp_ws(j);
    if (j->p >= j->end || *j->p != '"') return NULL;
    start = out = ++j->p;
    while (j->p < j->end) {
        unsigned char c = (unsigned char)*j->p;
        if (c == '"') { j->p++; *out = 0; return start; }
        if (c < 0x20) return NULL;
        if (c != '\\') { *out++ = (char)c; j->p++; continue; }
        if (++j->p >= j->end) return NULL;
        switch (*j->p++) {
        case '"': *out++ = '"'; break;
        case '\\': *out++ = '\\'; break;
        case '/': *out++ = '/'; break;
        case 'b': *out++ = '\b'; break;
        case 'f': *out++ = '\f'; break;
        case 'n': *out++ = '\n'; break;
        case 'r': *out++ = '\r'; break;
        case 't': *out++ = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (!gtbt__jp_hex4(j->p, j->end, &cp)) return NULL;
            j->p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && j->end - j->p >= 6 && j->p[0] == '\\' && j->p[1] == 'u' &&
                gtbt__jp_hex4(j->p + 2, j->end, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                j->p += 6;
            } else if (cp >= 0xD800 && cp <= 0xDFFF) {
                cp = 0xFFFD;
            }
            out = gtbt__utf8_put(out, cp);   /* at most 4 bytes for 6 (or 12) read */
            break;
        }
        default: return NULL;
        }
    }
    return NULL;
}
static int gtbt__jp_int(gtbt__jp *j, int64_t *v) {
    int neg = 0, digits = 0;
    uint64_t acc = 0;
    gtbt__jp_ws(j);
    if (j->p < j->end && *j->p == '-') { neg = 1; j->p++; }
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
        if (acc > (uint64_t)INT64_MAX / 10) return 0;
        acc = acc * 10 + (uint64_t)(*j->p++ - '0');
        digits++;
    }
    if (!digits || acc > (uint64_t)INT64_MAX) return 0;
    if (j->p < j->end && (*j->p == '.' || *j->p == 'e' || *j->p == 'E')) return 0;
    *v = neg ? -(int64_t)acc : (int64_t)acc;
    return 1;
}
/* Skips any value (unknown fields), bounded by depth. */
static int gtbt__jp_skip(gtbt__jp *j) {
    gtbt__jp_ws(j);
    if (j->p >= j->end) return 0;
    if (*j->p == '"') return gtbt__jp_str(j) != NULL;
    if (*j->p == '{' || *j->p == '[') {
        char close = *j->p == '{' ? '}' : ']';
        int obj = close == '}';
        if (++j->depth > GTBT__JSON_MAX_DEPTH) return 0;
        j->p++;
        if (gtbt__jp_lit(j, close)) { j->depth--; return 1; }
        do {
            if (obj && (!gtbt__jp_str(j) || !gtbt__jp_lit(j, ':'))) return 0;
            if (!gtbt__jp_skip(j)) return 0;
        } while (gtbt__jp_lit(j, ','));
        j->depth--;
        return gtbt__jp_lit(j, close);
    }
    if (j->end - j->p >= 4 && (!memcmp(j->p, "true", 4) || !memcmp(j->p, "null", 4))) { j->p += 4; return 1; }
    if (j->end - j->p >= 5 && !memcmp(j->p, "false", 5)) { j->p += 5; return 1; }
    {
        char *start = j->p;
        while (j->p < j->end && *j->p && (strchr("+-.eE", *j->p) || (*j->p >= '0' && *j->p <= '9'))) j->p++;
        return j->p > start;
    }
}
