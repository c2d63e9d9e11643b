/**
 * The DuckDB store's lanes: a read answers while a write transaction is
 * still open (it sees what was committed before), writes stay one at a
 * time, and nothing runs after close.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { DuckDbLanes, READ_CONNECTIONS } from '../../../lambdas/adapters/duckdb/duckdb-lanes.ts';
import { UnavailableError } from '../../../lambdas/domain/ports.ts';

async function lanes() {
  const instance = await DuckDBInstance.create(':memory:');
  const write = await instance.connect();
  await write.run('CREATE TABLE t (n INTEGER)');
  await write.run('INSERT INTO t VALUES (1)');
  return { instance, lanes: await DuckDbLanes.open(instance, write) };
}

const count = async (connection: Awaited<ReturnType<DuckDBInstance['connect']>>) =>
  Number((await connection.runAndReadAll('SELECT count(*) AS n FROM t')).getRowObjectsJS()[0]?.n);

describe('DuckDbLanes', () => {
  it('answers a read while a write transaction is open, with what was committed', async () => {
    const { instance, lanes: l } = await lanes();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const writing = l.write('insert', async (c) => {
      await c.run('BEGIN TRANSACTION');
      await c.run('INSERT INTO t VALUES (2)');
      await gate;
      await c.run('COMMIT');
    });
    // The read lands while the write holds its lane: it must not wait for the gate.
    expect(await l.read('count', count, 'pipeline')).toBe(1);
    release();
    await writing;
    expect(await l.read('count', count, 'pipeline')).toBe(2);
    await l.close();
    instance.closeSync();
  });

  it("answers the query API's reads while every pipeline read connection is busy", async () => {
    const { instance, lanes: l } = await lanes();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // More held pipeline reads than the pool has connections: any further pipeline read would queue.
    const held = Array.from({ length: READ_CONNECTIONS.pipeline + 1 }, () =>
      l.read(
        'held',
        async (c) => {
          await gate;
          return count(c);
        },
        'pipeline',
      ),
    );
    expect(await l.read('query', count, 'queries')).toBe(1);
    release();
    expect(await Promise.all(held)).toEqual(held.map(() => 1));
    await l.close();
    instance.closeSync();
  });

  it('runs writes one at a time, in order', async () => {
    const { instance, lanes: l } = await lanes();
    const order: string[] = [];
    await Promise.all(
      ['a', 'b', 'c'].map((name, i) =>
        l.write(name, async () => {
          order.push(`start ${name}`);
          await new Promise((resolve) => setTimeout(resolve, 10 - i * 3));
          order.push(`end ${name}`);
        }),
      ),
    );
    expect(order).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    await l.close();
    instance.closeSync();
  });

  it('refuses calls after close, and reports engine errors as unavailable', async () => {
    const { instance, lanes: l } = await lanes();
    await expect(l.read('bad', (c) => c.run('SELECT * FROM missing'), 'pipeline')).rejects.toBeInstanceOf(
      UnavailableError,
    );
    await l.close();
    await expect(l.read('late', count, 'queries')).rejects.toBeInstanceOf(UnavailableError);
    instance.closeSync();
  });
});
