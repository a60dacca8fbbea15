// What changed in the labels between two versions of an image: for webhooks and the Images page.
export interface LabelDiff {
  readonly added: Readonly<Record<string, string>>;
  readonly changed: Readonly<Record<string, { readonly from: string; readonly to: string }>>;
  readonly removed: Readonly<Record<string, string>>;
}

export function diffLabels(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>): LabelDiff {
  const added: Record<string, string> = {};
  const changed: Record<string, { from: string; to: string }> = {};
  const removed: Record<string, string> = {};
  for (const [key, value] of Object.entries(after)) {
    if (!(key in before)) added[key] = value;
    else if (before[key] !== value) changed[key] = { from: before[key] ?? '', to: value };
  }
  for (const [key, value] of Object.entries(before)) if (!(key in after)) removed[key] = value;
  return { added, changed, removed };
}
