// Source-address check for YooKassa notifications (docs/yookassa.md, "Incoming notifications"). A
// second line of defence only: the runtime trusts nothing a notification says until it has re-fetched
// the object with the shop's own credentials (the range check: src/util/ip-ranges.ts).

/** The addresses YooKassa documents as the senders of HTTP notifications. */
export const YOOKASSA_NOTIFICATION_RANGES: readonly string[] = ["185.71.76.0/27", "185.71.77.0/27", "77.75.153.0/25", "77.75.154.128/25", "77.75.156.11/32", "77.75.156.35/32", "2a02:5180::/32"];
