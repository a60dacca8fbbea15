// Test and benchmark harness: Azurite (the Azure Storage emulator, npm devDependency) as a child process
// on a free loopback port with a throwaway data directory, stopped and cleaned up by close().
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { eventually } from '../../util/eventually.js';
import { closedPort } from '../fakes/http-stub.js';

// Azurite's well-known development account (public, documented; not a secret).
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const AZURITE = resolve('node_modules/.bin/azurite-queue');

export interface Azurite {
  readonly endpoint: string;
  readonly connectionString: string;
  /** The queue, created if needed. */
  queue(name: string): Promise<QueueClient>;
  close(): Promise<void>;
}

export function azuriteInstalled(): boolean {
  return existsSync(AZURITE);
}

/** Empties the queue, then sends exactly `count` messages. */
export async function fillQueue(queue: QueueClient, count: number): Promise<void> {
  await queue.clearMessages();
  for (let i = 0; i < count; i++) await queue.sendMessage(`job ${i}`);
}

export async function startAzurite(): Promise<Azurite> {
  const dir = await mkdtemp(join(tmpdir(), 'microscale-azurite-'));
  const port = await closedPort();
  const args = [
    '--queueHost',
    '127.0.0.1',
    '--queuePort',
    String(port),
    '--location',
    dir,
    '--silent',
    '--disableTelemetry',
    '--skipApiVersionCheck',
  ];
  const child: ChildProcess = spawn(AZURITE, args, { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` + `QueueEndpoint=${endpoint};`;
  const service = QueueServiceClient.fromConnectionString(connectionString);
  const up = await eventually(
    () =>
      service.getProperties().then(
        () => true,
        () => false,
      ),
    20_000,
    200,
  );
  const close = async (): Promise<void> => {
    const exited = new Promise((done) => child.once('exit', done));
    if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((done) => setTimeout(done, 5000))]);
    await rm(dir, { recursive: true, force: true });
  };
  if (!up) {
    await close();
    throw new Error('azurite-queue did not answer within 20 s');
  }
  const queue = async (name: string): Promise<QueueClient> => {
    const client = service.getQueueClient(name);
    await client.createIfNotExists();
    return client;
  };
  return { endpoint, connectionString, queue, close };
}
