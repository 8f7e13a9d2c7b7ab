import { openEventStoreDb } from '../../infrastructure/eventStore/eventStoreDb';
import { startEventStoreDbTestServer } from './testServer';
import { v4 as uuid } from 'uuid';
it('dbg', async () => {
  const server = await startEventStoreDbTestServer();
  const store = openEventStoreDb(server.connectionString);
  const md = { actor: 'a', requestId: 'r', correlationId: 'c', causationId: 'c', at: 'x' };
  for (let i = 0; i < 4; i++)
    await store.appendToStream('p-x', [{ id: uuid(), type: 'T', data: {}, metadata: md }], 'any');
  const all = await store.readAll({ streamPrefixes: ['p-'] });
  console.log((await store.readAll({ maxCount: 2, streamPrefixes: ['p-'] })).length);
  console.log((await store.readAll({ maxCount: 1, after: all[1]!.position, streamPrefixes: ['p-'] })).length);
  console.log((await store.readAll({ maxCount: 3, direction: 'backwards', streamPrefixes: ['p-'] })).length);
  const t = Date.now();
  await store.close();
  console.log('closed in', Date.now() - t);
  await server.stop();
});
