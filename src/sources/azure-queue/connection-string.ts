// Checks an Azure Storage connection string before the SDK sees it, so `validate` can say what is
// missing instead of the SDK failing on the first read; and lists its secret parts for scrubbing.

function parts(connectionString: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const segment of connectionString.split(';')) {
    const at = segment.indexOf('=');
    if (at > 0) map.set(segment.slice(0, at).trim().toLowerCase(), segment.slice(at + 1).trim());
  }
  return map;
}

/** Undefined when usable; otherwise what is wrong (never echoing the string itself). */
export function connectionStringProblem(connectionString: string): string | undefined {
  const map = parts(connectionString);
  if (map.get('usedevelopmentstorage') === 'true') return undefined;
  if (map.has('sharedaccesssignature')) {
    return map.has('queueendpoint') ? undefined : 'has a SharedAccessSignature but no QueueEndpoint=https://ACCOUNT.queue.core.windows.net';
  }
  if (!map.get('accountname')) return 'has no AccountName=...; copy it whole from the portal (Access keys) or use account + accountKey';
  if (!map.get('accountkey')) return 'has no AccountKey=...; copy it whole from the portal (Access keys) or use account + accountKey';
  return undefined;
}

/** The values that must never appear in a message: the key and any SAS token. */
export function connectionStringSecrets(connectionString: string): string[] {
  const map = parts(connectionString);
  return [map.get('accountkey'), map.get('sharedaccesssignature'), connectionString].filter((s): s is string => Boolean(s));
}
