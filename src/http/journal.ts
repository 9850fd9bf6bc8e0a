/**
 * Recording API calls in the control plane's request journal (src/shared-state/journal.ts: this process's memory, or
 * PostgreSQL for every node of the database): a hook of the action pipeline (`journalHook`, http/actions/) records
 * each call when its answer is ready to go, with request and response bodies only when asked, secrets redacted.
 */
import type { onSendHookHandler } from 'fastify';
import type { RequestJournal } from '../shared-state/journal.js';
import { errorTypeOf } from './telemetry.js';

const SECRET_KEY = /secret|token|password|passwd|^pat$|basic_auth|authorization|api_key|private_key/i;
const MAX_BODY = 64 * 1024;

/** A copy of `value` with the values of secret-looking keys replaced (tokens, secret keys, bot secrets, PATs). */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 20) return '[too deep]';
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) && v !== null && v !== '' ? '[redacted]' : redactSecrets(v, depth + 1);
    return out;
  }
  return value;
}

function parseBody(payload: unknown): unknown {
  const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : null;
  if (text === null) return null;
  if (text.length > MAX_BODY) return '[too large]';
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The action pipeline's onSend hook: one entry per call, recorded when its answer is ready to go (so it is in the
 * journal before the client has the answer). Bodies only when the journal keeps them.
 */
export function journalHook(journal: RequestJournal): onSendHookHandler {
  return (req, reply, payload, done) => {
    const call = req.call;
    if (call) {
      const caller = req.caller;
      const status = reply.statusCode;
      journal.record({
        time: new Date(Date.now() - reply.elapsedTime).toISOString(),
        request_id: req.id,
        action: call.name,
        version: call.version,
        caller_kind: caller?.kind ?? null,
        license_id: caller?.licenseId ?? null,
        agent_id: caller?.agentId ?? null,
        status,
        error_type: errorTypeOf(status, payload),
        duration_ms: Math.round(reply.elapsedTime * 100) / 100,
        ...(journal.bodies ? { request_body: redactSecrets(req.body ?? null), response_body: redactSecrets(parseBody(payload)) } : {}),
      });
    }
    done(null, payload);
  };
}
