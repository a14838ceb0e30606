/* impl.c - the one translation unit with the implementation. */
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
