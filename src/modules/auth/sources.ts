// The departments' sources a feed key may be created for (CONTRACT: events).
export const SOURCES_FOR_KEYS: readonly string[] = ['hospital', 'travel', 'bank', 'death', 'judicial', 'service_point', 'self_service'];
