// How tested a source or engine kind is; shown at start-up and in the README's tables.
// - embedded: needs no server (sim, random)
// - real-tested: tested against the real server on this machine
// - documented-api: no server can run here; tested against a fake that follows the documented API
// - experimental: not finished; says so at start-up
export type PluginStatus = 'embedded' | 'real-tested' | 'documented-api' | 'experimental';
