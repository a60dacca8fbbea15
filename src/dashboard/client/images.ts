// The Images page: every watched image tag, one tag's metadata (labels grouped OCI / label-schema /
// io.microscale, lint findings, badge Markdown, digest history with label diffs), webhook deliveries and
// policy re-reads. Label values come from whoever built the image: everything is put in the page as
// text (textContent), never as HTML.

interface Problem {
  failure: string;
  message: string;
}
interface ImageRow {
  reference: string;
  digest: string | null;
  created: string | null;
  size: number | null;
  platforms: string[];
  problem: Problem | null;
  versions: number;
}
interface LabelDiff {
  added: Record<string, string>;
  changed: Record<string, { from: string; to: string }>;
  removed: Record<string, string>;
}
interface Detail extends ImageRow {
  mediaType: string | null;
  platform: string | null;
  layers: { digest: string; size: number; mediaType: string }[];
  labels: Record<'oci' | 'labelSchema' | 'microscale' | 'other', Record<string, string>>;
  lint: { severity: string; key: string; rule: string; message: string }[];
  badgeMarkdown: string;
  history: { digest: string | null; at: string; via: string; created: string | null; labels: LabelDiff | null }[];
  tags: { tag: string; digest: string | null }[];
}
interface Overview {
  images: ImageRow[];
  intervalMs: number;
  push: boolean;
  deliveries: { pending: number; failed: number };
  policy: { at: string; image: string; services: string[]; outcome: string; message: string }[];
}
interface DeliveryRow {
  createdAt: string;
  event: string;
  reference: string;
  target: string;
  outcome: string;
  reason: string | null;
  attempts: { status: number | null; error: string | null }[];
}

const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

function el(tag: string, text?: string, className?: string): HTMLElement {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function row(cells: (string | HTMLElement)[]): HTMLTableRowElement {
  const tr = document.createElement('tr');
  for (const cell of cells) {
    const td = document.createElement('td');
    if (typeof cell === 'string') td.textContent = cell;
    else td.append(cell);
    tr.append(td);
  }
  return tr;
}

const short = (digest: string | null) => (digest ? digest.replace(/^sha256:/, '').slice(0, 12) : '—');
function bytes(n: number | null): string {
  if (n === null) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['kB', 'MB', 'GB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

let selected: string | undefined = new URLSearchParams(location.search).get('ref') ?? undefined;

async function getJson<T>(path: string): Promise<T | undefined> {
  const response = await fetch(path, { headers: { Accept: 'application/json' } });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

function drawList(overview: Overview): void {
  const body = byId('images');
  body.replaceChildren();
  for (const image of overview.images) {
    const link = el('a', image.reference) as HTMLAnchorElement;
    link.href = `?ref=${encodeURIComponent(image.reference)}`;
    link.addEventListener('click', (event) => {
      event.preventDefault();
      selected = image.reference;
      history.replaceState(null, '', link.href);
      void refresh();
    });
    const status = image.problem
      ? el('span', `${image.problem.failure}: ${image.problem.message}`, 'bad')
      : el('span', image.digest ? 'ok' : 'deleted', image.digest ? 'good' : 'warn');
    const tr = row([link, short(image.digest), image.created ?? '—', bytes(image.size), image.platforms.join(', ') || '—', status]);
    if (image.reference === selected) tr.className = 'selected';
    body.append(tr);
  }
  byId('image-count').textContent = String(overview.images.length);
  byId('watch-summary').textContent =
    `poll every ${overview.intervalMs / 1000} s${overview.push ? ' · registry push on' : ''} · ${overview.deliveries.pending} pending, ` +
    `${overview.deliveries.failed} failed deliveries`;
  const policy = byId('policy');
  policy.replaceChildren(
    ...overview.policy.map((p) => el('li', `${p.at} ${p.outcome}: ${p.message}`, p.outcome === 'refused' ? 'bad' : '')),
  );
  if (overview.policy.length === 0) policy.replaceChildren(el('li', 'no policy re-read yet', 'muted'));
}

function labelTable(title: string, labels: Record<string, string>): HTMLElement {
  const section = el('div', undefined, 'label-group');
  section.append(el('h4', `${title} (${Object.keys(labels).length})`));
  const table = document.createElement('table');
  for (const [key, value] of Object.entries(labels)) table.append(row([el('code', key), value]));
  section.append(table);
  return section;
}

function diffText(diff: LabelDiff | null): string {
  if (!diff) return 'first version seen';
  const parts = [
    ...Object.entries(diff.added).map(([k, v]) => `+ ${k}=${v}`),
    ...Object.entries(diff.changed).map(([k, c]) => `~ ${k}: ${c.from} → ${c.to}`),
    ...Object.entries(diff.removed).map(([k]) => `- ${k}`),
  ];
  return parts.length > 0 ? parts.join('\n') : 'labels unchanged';
}

function drawDetail(detail: Detail | undefined): void {
  const section = byId('detail');
  section.hidden = !detail;
  if (!detail) return;
  byId('detail-title').textContent = detail.reference;
  const facts = byId('detail-facts');
  facts.replaceChildren();
  const fact = (name: string, value: string) => facts.append(el('dt', name), el('dd', value));
  fact('Digest', detail.digest ?? 'deleted');
  fact('Created', detail.created ?? '—');
  fact('Size', bytes(detail.size));
  fact('Layers', String(detail.layers.length));
  fact('Platforms', detail.platforms.join(', ') || '—');
  fact('Media type', detail.mediaType ?? '—');
  fact('Other watched tags', detail.tags.map((t) => `${t.tag} ${short(t.digest)}`).join(', '));
  if (detail.problem) fact('Problem', `${detail.problem.failure}: ${detail.problem.message}`);
  (byId('badge-markdown') as HTMLTextAreaElement).value = detail.badgeMarkdown;
  byId('labels').replaceChildren(
    labelTable('OCI', detail.labels.oci),
    labelTable('label-schema', detail.labels.labelSchema),
    labelTable('io.microscale', detail.labels.microscale),
    labelTable('Other', detail.labels.other),
  );
  const lint = byId('lint');
  lint.replaceChildren(
    ...detail.lint.map((f) => el('li', `${f.severity} ${f.key}: ${f.message} (${f.rule})`, f.severity === 'error' ? 'bad' : 'warn')),
  );
  if (detail.lint.length === 0) lint.replaceChildren(el('li', 'no findings', 'good'));
  byId('layers').replaceChildren(...detail.layers.map((l) => el('li', `${short(l.digest)} · ${bytes(l.size)} · ${l.mediaType}`)));
  byId('history').replaceChildren(
    ...detail.history.map((h) => {
      const item = el('li');
      item.append(
        el('strong', `${h.at} ${short(h.digest)}`),
        el('span', ` via ${h.via}${h.created ? ` · created ${h.created}` : ''}`),
        el('pre', diffText(h.labels)),
      );
      return item;
    }),
  );
}

function drawDeliveries(rows: DeliveryRow[]): void {
  const body = byId('deliveries');
  body.replaceChildren(
    ...rows.slice(0, 100).map((d) => {
      const last = d.attempts.at(-1);
      const outcome = el(
        'span',
        d.outcome + (d.reason ? `: ${d.reason}` : ''),
        d.outcome === 'failed' ? 'bad' : d.outcome === 'pending' ? 'warn' : 'good',
      );
      return row([
        d.createdAt,
        d.event,
        d.reference,
        d.target,
        outcome,
        `${d.attempts.length}${last ? ` (last: ${last.status ?? last.error ?? ''})` : ''}`,
      ]);
    }),
  );
  byId('delivery-count').textContent = String(rows.length);
}

async function refresh(): Promise<void> {
  const problems = byId('problems');
  try {
    const overview = await getJson<Overview>('api/images');
    if (!overview) {
      byId('watch-summary').textContent = 'no images watched';
      problems.hidden = false;
      problems.textContent =
        'This agent watches no images: add an images: block (stateDir, watch, notify) to the config. See docs/metadata.md.';
      return;
    }
    problems.hidden = true;
    drawList(overview);
    selected ??= overview.images[0]?.reference;
    drawDetail(selected ? await getJson<Detail>(`api/images/${encodeURIComponent(selected)}`) : undefined);
    drawDeliveries((await getJson<{ deliveries: DeliveryRow[] }>('api/deliveries'))?.deliveries ?? []);
  } catch (error) {
    problems.hidden = false;
    problems.textContent = `cannot read the API: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    document.body.dataset.ready = '1';
  }
}

void refresh();
setInterval(() => void refresh(), 5000);
