/** preparedQuery: compiled once per dialect, arguments bound per call, usable on the root handle and in transactions. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores } from '../support/harness.js';
import { preparedQuery } from '../../src/store/prepared-query.js';

const nameOf = preparedQuery(2, (db, licenseId: number, id: string) =>
  db.selectFrom('agents').select(['id', 'name']).where('license_id', '=', licenseId).where('id', '=', id),
);

describeStores('preparedQuery', (h) => {
  it('binds each call its own arguments', async () => {
    await h().ok('create_agent', { id: 'prep1@example.com', name: 'Prep One' });
    await h().ok('create_agent', { id: 'prep2@example.com', name: 'Prep Two' });
    const lic = h().boot.license_id;
    assert.deepEqual((await nameOf(h().store.db, lic, 'prep1@example.com')).rows, [{ id: 'prep1@example.com', name: 'Prep One' }]);
    assert.deepEqual((await nameOf(h().store.db, lic, 'prep2@example.com')).rows, [{ id: 'prep2@example.com', name: 'Prep Two' }]);
    assert.deepEqual((await nameOf(h().store.db, lic + 1, 'prep2@example.com')).rows, []);
  });

  it('runs inside a transaction and sees its uncommitted writes', async () => {
    const lic = h().boot.license_id;
    await h().ok('create_agent', { id: 'prep3@example.com', name: 'Prep Three' });
    await h().store.db.transaction().execute(async (trx) => {
      await trx.updateTable('agents').set({ name: 'Inside' }).where('license_id', '=', lic).where('id', '=', 'prep3@example.com').execute();
      assert.equal((await nameOf(trx, lic, 'prep3@example.com')).rows[0]?.name, 'Inside');
    });
  });

  it('refuses a build that does not use its arguments', async () => {
    const unbound = preparedQuery(1, (db, _id: string) => db.selectFrom('agents').select('id').where('id', '=', 'fixed'));
    await assert.rejects(() => unbound(h().store.db, 'x'), /arguments are not bound/);
  });
});
