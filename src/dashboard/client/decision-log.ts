// The decision log: every scaling decision with its reason, newest first. Rows are built only for
// decisions not yet shown and the list is capped, so the DOM stays small however long the page is open.
import type { Decision } from '../../core/types.js';
import { colorOf } from './colors.js';
import { MAX_DECISIONS, type ServiceInfo } from './model.js';

function time(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour12: false });
}

export class DecisionLog {
  private newestShown: Decision | undefined;

  constructor(
    private readonly list: HTMLElement,
    private readonly count: HTMLElement,
  ) {}

  private row(decision: Decision, services: readonly ServiceInfo[]): HTMLElement {
    const info = services.find((s) => s.name === decision.service);
    const li = document.createElement('li');
    li.className = `decision ${decision.to > decision.from ? 'up' : 'down'}`;
    li.style.setProperty('--service', colorOf(info?.index ?? 0));
    const head = document.createElement('div');
    head.className = 'decision-head';
    const when = document.createElement('time');
    when.textContent = time(decision.atMs);
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = `${info ? `P${info.priority} ` : ''}${decision.service}`;
    const change = document.createElement('span');
    change.className = 'change';
    change.textContent = `${decision.from} → ${decision.to}${decision.dryRun ? ' (not applied)' : ''}`;
    head.append(when, who, change);
    const why = document.createElement('p');
    why.className = 'why';
    // The agent's reason starts with "name +n: "; the row already says that.
    why.textContent = decision.reason.replace(/^\S+ [+-]?\d+: /, '');
    li.append(head, why);
    return li;
  }

  /** `decisions` is newest first (the model's list). */
  render(decisions: readonly Decision[], services: readonly ServiceInfo[]): void {
    const fresh: Decision[] = [];
    for (const d of decisions) {
      if (d === this.newestShown) break;
      fresh.push(d);
    }
    if (fresh.length === 0) return;
    this.newestShown = decisions[0];
    const rows = document.createDocumentFragment();
    for (const d of fresh) rows.append(this.row(d, services));
    this.list.prepend(rows);
    while (this.list.childElementCount > MAX_DECISIONS) this.list.lastElementChild?.remove();
    this.count.textContent = String(
      this.list.childElementCount === MAX_DECISIONS ? `latest ${MAX_DECISIONS}` : this.list.childElementCount,
    );
  }
}
