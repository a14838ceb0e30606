/* single.c - implementation and use in one file (as with GTB_TELEMETRY_STATIC). */
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
#include "use.c"
