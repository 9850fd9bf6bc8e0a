/**
 * What a delivery POSTs: the body (the stored payload spliced in as JSON text) and the headers. The worker sends
 * exactly this, and the operator views show it, so what they show is what was sent.
 */

/**
 * The exact body POSTed for a delivery (also shown by GET /admin/deliveries and the console). The event row is
 * already in the format of the webhook's version (outbox.ts, formats.ts): its action and payload, and `requester` only
 * on events made for a version whose deliveries carry it (v3.6), placed after `payload` as the v3.6 samples show.
 */
export function deliveryBody(
  w: { id: string; secret_key: string },
  ev: { action: string; organization_id: string; payload: string; requester: string | null },
): string {
  return (
    `{"webhook_id":${JSON.stringify(w.id)},"secret_key":${JSON.stringify(w.secret_key)},` +
    `"action":${JSON.stringify(ev.action)},"organization_id":${JSON.stringify(ev.organization_id)},` +
    `"payload":${ev.payload},${ev.requester === null ? '' : `"requester":${ev.requester},`}"additional_data":{}}`
  );
}

/** The headers sent with every attempt of a delivery (besides those undici adds). */
export function deliveryHeaders(deliveryId: string, attempt: number): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'config-api-webhooks/1',
    'x-webhook-delivery-id': deliveryId,
    'x-webhook-attempt': String(attempt),
  };
}
