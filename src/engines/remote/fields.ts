// Config field for the address of an orchestrator's HTTP API: a URL that fetch and the AWS SDK can use.
import { url } from '../../config/fields.js';

export function httpUrl(example: string) {
  const what = `an http:// or https:// URL like ${example}`;
  return url(what).refine((text) => /^https?:\/\/[^/]/.test(text), `expected ${what}`);
}
