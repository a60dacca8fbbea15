// The per-host view: containers on each node (where the engine reports nodes), one bar per host split
// by service in each service's colour.
import type { TickRecord } from '../../agent/records.js';
import { colorOf } from './colors.js';
import type { ServiceInfo } from './model.js';

export function renderNodes(host: HTMLElement, tick: TickRecord | undefined, services: readonly ServiceInfo[]): void {
  const perNode = new Map<string, Map<string, number>>();
  for (const s of tick?.services ?? []) {
    for (const [node, count] of Object.entries(s.nodes ?? {})) {
      const row = perNode.get(node) ?? new Map<string, number>();
      row.set(s.name, count);
      perNode.set(node, row);
    }
  }
  host.replaceChildren();
  if (perNode.size === 0) {
    const note = document.createElement('p');
    note.className = 'empty';
    note.textContent = 'This engine does not report hosts.';
    host.append(note);
    return;
  }
  const largest = Math.max(tick?.capacity ?? 1, ...[...perNode.values()].map((r) => [...r.values()].reduce((a, b) => a + b, 0)));
  for (const [node, row] of [...perNode].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const line = document.createElement('div');
    line.className = 'node';
    const name = document.createElement('span');
    name.className = 'node-name';
    name.textContent = node;
    const bar = document.createElement('div');
    bar.className = 'node-bar';
    let total = 0;
    for (const s of services) {
      const count = row.get(s.name) ?? 0;
      if (count === 0) continue;
      total += count;
      const part = document.createElement('span');
      part.style.width = `${(count / largest) * 100}%`;
      part.style.background = colorOf(s.index);
      part.title = `${s.name}: ${count}`;
      part.textContent = String(count);
      bar.append(part);
    }
    const sum = document.createElement('span');
    sum.className = 'node-total';
    sum.textContent = `${total}`;
    line.append(name, bar, sum);
    host.append(line);
  }
}
