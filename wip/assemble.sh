#!/bin/sh
# assembles gtb_telemetry.h from the work-in-progress parts
cd "$(dirname "$0")"
R=${REDACT:-redact.inc.c}; N=${NET:-net.inc.c}; NB=${NETB:-netbackends.c}
{ cat doc.h
  printf '#if defined(GTB_TELEMETRY_IMPLEMENTATION) && !defined(GTB_TELEMETRY_IMPLEMENTATION_INCLUDED) && !defined(_WIN32)\n  #ifndef _POSIX_C_SOURCE\n    #define _POSIX_C_SOURCE 200809L\n  #endif\n  #ifndef _DEFAULT_SOURCE\n    #define _DEFAULT_SOURCE 1\n  #endif\n#endif\n'
  cat decl.h impl_all.c license.h; } > ../gtb_telemetry.h
