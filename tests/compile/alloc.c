/* alloc.c - a custom allocator through GTB_TELEMETRY_MALLOC/REALLOC/FREE (all three).
   As documented, the header comes before any system header in the implementation file. */
#include <stddef.h>
static void *my_malloc(size_t n);
static void *my_realloc(void *p, size_t n);
static void my_free(void *p);
#define GTB_TELEMETRY_MALLOC(n) my_malloc(n)
#define GTB_TELEMETRY_REALLOC(p, n) my_realloc(p, n)
#define GTB_TELEMETRY_FREE(p) my_free(p)
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
static size_t live;
static void *my_malloc(size_t n) { live++; return malloc(n); }
static void *my_realloc(void *p, size_t n) { if (!p) live++; return realloc(p, n); }
static void my_free(void *p) { if (p) live--; free(p); }
#define main use_main
#include "use.c"
#undef main
int main(void) { return use_main() || live != 0; }
