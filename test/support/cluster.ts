/**
 * A cluster for tests: `count` server processes (nodes) on one fresh PostgreSQL database, sharing the signing key
 * (servers.ts), with one licence bootstrapped before they start (so no node makes the demo licence).
 */
import assert from 'node:assert/strict';
import { freshStore, testConfig } from './stores.js';
import { ServerProcess } from './servers.js';
import { createCore, type Core } from '../../src/core.js';
import { bootstrap, type BootstrapResult } from '../../src/provisioning/bootstrap.js';
import type { Store } from '../../src/store/store.js';

export interface Cluster {
  store: Store;
  /** A core of this test process on the database (changes made through it are the CLI's kind of writes). */
  core: Core;
  lic: BootstrapResult;
  nodes: ServerProcess[];
  /** Stop every node and drop the database. */
  stop(): Promise<void>;
}

/** `env`: every node's configuration variables, or each node's (by its index). */
export async function startCluster(count: number, env: Record<string, string> | ((node: number) => Record<string, string>)): Promise<Cluster> {
  const { store, drop } = await freshStore('postgres', 2);
  const nodes: ServerProcess[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await drop();
  };
  try {
    const core = createCore(store, testConfig());
    const lic = await core.transaction((tx) => bootstrap(tx, core.cascades, { region: 'dal' }));
    for (let i = 0; i < count; i++) nodes.push(new ServerProcess(store.url, typeof env === 'function' ? env(i) : env));
    await Promise.all(nodes.map((n) => n.start()));
    return { store, core, lic, nodes, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A control-plane request to a node with the admin token; fails unless it answers 200; its JSON. */
export async function adminCall(node: ServerProcess, token: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${node.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  assert.equal(res.status, 200, `${method} ${path}: ${JSON.stringify(json)}`);
  return json;
}
