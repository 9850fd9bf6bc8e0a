/**
 * A response body already serialised to JSON (e.g. a cached list). Sent as is, with the content type Fastify gives
 * objects; anywhere else (batch responses) it serialises to the same value through `toJSON`.
 */
export class RawJson {
  constructor(readonly body: Buffer) {}

  /**
   * A JSON array of already serialised elements, written straight into one buffer: no joined string of the whole
   * answer is built and copied again (for list answers of hundreds of KB such strings are allocated in V8's
   * large-object space and live until a full GC).
   */
  static ofArray(elements: readonly string[]): RawJson {
    let size = 2 + Math.max(0, elements.length - 1);
    const lengths = elements.map((e) => Buffer.byteLength(e, 'utf8'));
    for (const n of lengths) size += n;
    const body = Buffer.allocUnsafe(size);
    let at = body.write('[', 0, 'latin1');
    elements.forEach((e, i) => {
      if (i > 0) at += body.write(',', at, 'latin1');
      at += body.write(e, at, lengths[i], 'utf8');
    });
    body.write(']', at, 'latin1');
    return new RawJson(body);
  }

  toJSON(): unknown {
    return JSON.parse(this.body.toString('utf8'));
  }
}
