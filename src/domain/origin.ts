// Which key or interface brought an event, as stored with it (events.received_via): kept for
// the audit and for replaying a person's history, never shown to callers.

/** Brought by an API key: a push, a batch file, an in-person check or a resolved manual check. */
export const viaKey = (keyId: string): string => `key:${keyId}`;

/** Pulled by the service from a department interface of FEEDS_FILE. */
export const viaPull = (interfaceName: string): string => `pull:${interfaceName}`;

/** Answered by a match interface of FEEDS_FILE (targeted comparison) to the IDs the service sent it. */
export const viaMatch = (interfaceName: string): string => `match:${interfaceName}`;
