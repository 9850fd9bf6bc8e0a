/**
 * TLS material for HTTPS + HTTP/2: PEM files (TLS_CERT/TLS_KEY), or `TLS=self-signed`: a local CA and a certificate
 * for localhost / 127.0.0.1 / ::1 signed by it, made once into `<data dir>/tls/` and reused on later starts (made
 * again when missing, unreadable or within 30 days of expiry). Clients trust the CA file: e.g. the official Python
 * SDK's `verify='<data dir>/tls/ca.pem'`, curl's `--cacert`, Node's `NODE_EXTRA_CA_CERTS`.
 */
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { generate } from 'selfsigned';
import type { TlsConfig } from '../config.js';

export interface TlsMaterial {
  key: string;
  cert: string;
  /** The CA clients should trust (self-signed mode only). */
  caFile?: string;
  /** True when this call made new files. */
  created?: boolean;
}

const DAY = 86_400_000;
export const LOCAL_NAMES = { dns: ['localhost'], ip: ['127.0.0.1', '::1'] } as const;

export async function loadTls(cfg: TlsConfig): Promise<TlsMaterial | null> {
  if (cfg.mode === 'off') return null;
  if (cfg.mode === 'files') {
    const [cert, key] = await Promise.all([readFile(cfg.certFile!, 'utf8'), readFile(cfg.keyFile!, 'utf8')]);
    new X509Certificate(cert); // a clear error at start-up rather than at the first handshake
    return { cert, key };
  }
  return ensureSelfSigned(join(cfg.dataDir, 'tls'));
}

function usable(pem: string, names: boolean): boolean {
  try {
    const c = new X509Certificate(pem);
    if (Date.parse(c.validTo) - Date.now() < 30 * DAY) return false;
    return !names || (c.checkHost('localhost') !== undefined && c.checkIP('127.0.0.1') !== undefined);
  } catch {
    return false;
  }
}

async function readIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return null;
  }
}

/** The local CA and localhost certificate in `dir`, made when missing or expiring. */
export async function ensureSelfSigned(dir: string): Promise<TlsMaterial> {
  const files = {
    ca: resolve(dir, 'ca.pem'),
    caKey: resolve(dir, 'ca-key.pem'),
    cert: resolve(dir, 'localhost.pem'),
    key: resolve(dir, 'localhost-key.pem'),
  };
  const [ca, caKey, cert, key] = await Promise.all([files.ca, files.caKey, files.cert, files.key].map(readIfExists));
  const caOk = ca !== null && caKey !== null && usable(ca, false);
  if (caOk && cert !== null && key !== null && usable(cert, true) && new X509Certificate(cert).verify(new X509Certificate(ca).publicKey)) {
    return { cert, key, caFile: files.ca, created: false };
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const now = new Date();
  let caPem = ca!;
  let caKeyPem = caKey!;
  if (!caOk) {
    const made = await generate([{ name: 'commonName', value: 'config-api local CA' }, { name: 'organizationName', value: 'config-api (development)' }], {
      keySize: 2048,
      algorithm: 'sha256',
      notBeforeDate: new Date(now.getTime() - DAY),
      notAfterDate: new Date(now.getTime() + 10 * 365 * DAY),
      extensions: [
        { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      ],
    });
    caPem = made.cert;
    caKeyPem = made.private;
    await writeFile(files.caKey, caKeyPem, { mode: 0o600 });
    await writeFile(files.ca, caPem, { mode: 0o644 });
  }
  const leaf = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - DAY),
    notAfterDate: new Date(now.getTime() + 397 * DAY), // the longest lifetime browsers accept
    ca: { key: caKeyPem, cert: caPem },
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...LOCAL_NAMES.dns.map((value) => ({ type: 2 as const, value })), ...LOCAL_NAMES.ip.map((ip) => ({ type: 7 as const, ip }))],
      },
    ],
  });
  await writeFile(files.key, leaf.private, { mode: 0o600 });
  await writeFile(files.cert, leaf.cert, { mode: 0o644 });
  return { cert: leaf.cert, key: leaf.private, caFile: files.ca, created: true };
}
