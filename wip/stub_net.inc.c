// >>net (stub)
GTB_TELEMETRY_API gtbt_backend *gtbt_http_backend(const gtbt_http_desc *desc) { (void)desc; return NULL; }
GTB_TELEMETRY_API gtbt_backend *gtbt_otlp_backend(const gtbt_otlp_desc *desc) { (void)desc; return NULL; }
GTB_TELEMETRY_API gtbt_backend *gtbt_datadog_backend(const gtbt_datadog_desc *desc) { (void)desc; return NULL; }
GTB_TELEMETRY_API gtbt_backend *gtbt_posthog_backend(const gtbt_posthog_desc *desc) { (void)desc; return NULL; }
GTB_TELEMETRY_API gtbt_deletion *gtbt_http_deletion(const char *e, const gtbt_net_desc *n) { (void)e; (void)n; return NULL; }
GTB_TELEMETRY_API gtbt_datadog_region gtbt_datadog_region_from_name(const char *name) { (void)name; return GTBT_DD_US1; }
GTB_TELEMETRY_API gtbt_posthog_instance gtbt_posthog_instance_from_name(const char *name) { (void)name; return GTBT_POSTHOG_US; }
