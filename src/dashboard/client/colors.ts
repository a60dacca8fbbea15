// One colour per service, by priority order, used by every chart, legend and log line, so a service is
// recognised at a glance anywhere on the page.
const PALETTE = ['#ff8a3d', '#4ea1ff', '#38d39f', '#c58bff', '#ffd166', '#ff5d8f', '#7ee0f0', '#b8c480'];

export function colorOf(index: number): string {
  return PALETTE[index % PALETTE.length] ?? '#cccccc';
}

/** `#rrggbb` with an alpha, for fills. */
export function withAlpha(color: string, alpha: number): string {
  const n = Number.parseInt(color.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
