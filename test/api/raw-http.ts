/** Raw HTTP over a TCP socket (node:net), for what no HTTP client will send: malformed requests, slow clients. */
import net from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: any;
}

/** Responses in the bytes a server sent (Content-Length framed; a body without it runs to the end). */
export function parseResponses(raw: string): RawResponse[] {
  const out: RawResponse[] = [];
  let rest = raw;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) throw new Error(`incomplete response: ${JSON.stringify(rest)}`);
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine!)?.[1]);
    const headers: Record<string, string> = {};
    for (const l of lines) {
      const i = l.indexOf(':');
      headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    const length = headers['content-length'] !== undefined ? Number(headers['content-length']) : rest.length - end - 4;
    const bodyBytes = Buffer.from(rest.slice(end + 4), 'latin1');
    const text = bodyBytes.subarray(0, length).toString('utf8');
    rest = bodyBytes.subarray(length).toString('latin1');
    out.push({ status, headers, body: text ? JSON.parse(text) : undefined });
  }
  return out;
}

export interface Exchange {
  responses: RawResponse[];
  /** Every byte the server sent, as latin1. */
  raw: string;
}

/**
 * Connect, send `data` (or let `drive` write), and collect what the server sends until it closes the connection.
 * Every test here relies on the server closing (after an error answer or a time-out); the test runner's time-out
 * catches a server that never does.
 */
export function exchange(port: number, data: string | Buffer | ((socket: net.Socket) => void)): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', (err) => {
      // The server may reset after answering (it destroys the socket): keep what arrived.
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET' && (err as NodeJS.ErrnoException).code !== 'EPIPE') reject(err);
    });
    socket.on('close', () => {
      const raw = Buffer.concat(chunks).toString('latin1');
      try {
        resolve({ raw, responses: parseResponses(raw) });
      } catch (err) {
        reject(err);
      }
    });
    socket.on('connect', () => {
      if (typeof data === 'function') data(socket);
      else socket.write(data);
    });
  });
}

/** Write `text` one byte at a time every `everyMs` until the socket closes. */
export function dribble(text: string, everyMs: number): (socket: net.Socket) => void {
  return (socket) => {
    let i = 0;
    const timer = setInterval(() => {
      if (socket.destroyed || i >= text.length) return clearInterval(timer);
      socket.write(text[i++]!);
    }, everyMs);
    socket.on('close', () => clearInterval(timer));
  };
}
