/* partial_alloc.c - must NOT compile: only one of the three allocator macros is defined. */
#include <stdlib.h>
#define GTB_TELEMETRY_MALLOC(n) malloc(n)
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
