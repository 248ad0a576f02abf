import { stackEnv, uniqueName } from '@orderpulse/testkit';
import mongoose from 'mongoose';

import { RegistryRepository } from '../src/data-access/registry.repository';

describe('app registrations reused for a short time', () => {
  let connection: mongoose.Connection;
  let now = 1_000_000;
  const clock = () => now;

  beforeAll(async () => {
    connection = await mongoose
      .createConnection(stackEnv().MONGO_URL, { dbName: uniqueName('notification_app_cache') })
      .asPromise();
  });

  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  test('a change made elsewhere is seen once the cache time has passed; a change made here at once', async () => {
    const here = new RegistryRepository(connection.db!, { appCacheMs: 5_000, now: clock });
    const elsewhere = new RegistryRepository(connection.db!);
    await here.saveApp({ appCode: 'app-c', name: 'first', provider: 'gorush' });
    expect(await here.app('app-c')).toMatchObject({ name: 'first' });

    await elsewhere.saveApp({ appCode: 'app-c', name: 'second', provider: 'gorush' });
    now += 4_000;
    expect(await here.app('app-c')).toMatchObject({ name: 'first' });
    now += 1_001;
    expect(await here.app('app-c')).toMatchObject({ name: 'second' });

    await here.saveApp({ appCode: 'app-c', name: 'third', provider: 'gorush' });
    expect(await here.app('app-c')).toMatchObject({ name: 'third' });
  });

  test('an app not found is looked for again on the next read', async () => {
    const here = new RegistryRepository(connection.db!, { appCacheMs: 5_000, now: clock });
    const elsewhere = new RegistryRepository(connection.db!);
    expect(await here.app('app-new')).toBeUndefined();
    await elsewhere.saveApp({ appCode: 'app-new', name: 'new', provider: 'gorush' });
    expect(await here.app('app-new')).toMatchObject({ name: 'new' });
  });
});
