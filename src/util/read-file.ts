// Reads a small regular file, or says why not: the config file itself and `${file:}` secrets. The type
// is checked before opening (so a device or fifo is never opened for a blocking read) and again on the
// open descriptor (so a swap in between is caught); the read stops one byte past the limit, whatever
// the file claims its size is (/proc files say 0), so /dev/zero or a 50 GB file costs nothing.
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';

export type ReadFailure =
  | { readonly failure: 'missing' }
  | { readonly failure: 'not-a-file'; readonly kind: string }
  | { readonly failure: 'too-large' }
  | { readonly failure: 'unreadable'; readonly code: string };

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a fifo';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

export function readSmallFile(file: string, maxBytes: number): { readonly text: string } | ReadFailure {
  let fd: number | undefined;
  try {
    const before = statSync(file);
    if (!before.isFile()) return { failure: 'not-a-file', kind: kindOf(before) };
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { failure: 'not-a-file', kind: kindOf(stats) };
    if (stats.size > maxBytes) return { failure: 'too-large' };
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (let read = -1; read !== 0 && length < buffer.length; length += read)
      read = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > maxBytes) return { failure: 'too-large' };
    return { text: buffer.subarray(0, length).toString('utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return code === 'ENOENT' ? { failure: 'missing' } : { failure: 'unreadable', code };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** "64 KiB", "1 MiB". */
export function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}

/** A `${file:}` secret is a password, a token or a key, not a data set. */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;

/** Reads a `${file:}` secret, or throws saying why not (env.ts puts the message after "secret file PATH"). */
export function readSecretFile(path: string): string {
  const result = readSmallFile(path, MAX_SECRET_FILE_BYTES);
  if ('text' in result) return result.text;
  switch (result.failure) {
    case 'missing':
      throw new Error('does not exist; check the path');
    case 'not-a-file':
      throw new Error(`is ${result.kind}; point it at a regular file holding the secret`);
    case 'too-large':
      throw new Error(
        `is larger than ${formatSize(MAX_SECRET_FILE_BYTES)}, too large for a secret; point it at the file holding just the secret`,
      );
    case 'unreadable':
      throw new Error(`cannot be read (${result.code}); check its permissions`);
  }
}
